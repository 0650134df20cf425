"""The demo town's monitoring part: every rule has findings to look at."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from fupin.monitoring.config import RULE_CODES
from fupin.monitoring.models import Finding, RiskWarning


@pytest.mark.slow
@pytest.mark.django_db
def test_the_demo_town_has_findings_for_every_rule():
    call_command("loaddemo", verbosity=0)
    found = set(Finding.objects.values_list("rule", flat=True))
    assert found == set(RULE_CODES)
    assert RiskWarning.objects.filter(category="sudden").exists()
