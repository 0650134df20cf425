from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from fupin.assistance import services
from fupin.assistance.models import Helper, HelpingUnit

from ..conftest import VILLAGE_A


def png(name: str = "photo.png", size=(40, 30)) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 80, 40)).save(out, format="PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def unit(users, areas):
    return HelpingUnit.objects.create(
        name="广州市荔湾区财政局",
        level="county",
        paired_with="广州市荔湾区",
        area=areas["town"],
        village=areas["a"],
    )


@pytest.fixture
def person(users, unit):
    """The 帮扶责任人 record of the test helper account."""
    return Helper.objects.create(
        name="李帮扶", user=users["helper"], unit=unit, area_id=VILLAGE_A, start_date=dt.date(2016, 1, 1)
    )


@pytest.fixture
def mine(users, make_household, person):
    household = make_household(VILLAGE_A, members=3)
    services.assign(actor=users["town"], person=person, household=household, start_date=dt.date(2016, 6, 1))
    return household
