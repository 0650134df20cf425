"""The masks of personal data, and the log filter that keeps full ID numbers out of every log."""

from __future__ import annotations

import datetime as dt
import io
import logging

import pytest
from django.conf import settings
from django.test import Client

from fupin.core import pii

from ..conftest import make_id_number

NUMBER = "441882196212080611"  # the example of the issue (area 441882, born 1962-12-08)


def test_the_id_mask_hides_birth_date_and_sequence():
    masked = pii.mask_id(NUMBER)
    assert masked == "441882***********1"
    assert "19621208" not in masked and "061" not in masked
    assert pii.mask_id("441882621208061") == "441882*********"
    assert pii.mask_id("") == "" and pii.mask_id(None) == "" and pii.mask_id("12345") == "*****"


def test_masks_of_phone_account_birth_date_and_address():
    assert pii.mask_phone("13800138000") == "138****8000"
    assert pii.mask_account("6228480000000001") == "************0001"
    assert pii.mask_birth_date(dt.date(1962, 12, 8)) == "1962"
    assert pii.mask_address("星子镇昌黎村3组12号") == "星子镇昌黎村****"
    assert "12" not in pii.mask_address("昌黎村12号")
    assert pii.mask_field("head_id_number", NUMBER) == "441882***********1"
    assert pii.mask_field("name", "张三") == "张三"


def test_looks_like_id_and_mask_text():
    assert pii.looks_like_id(NUMBER) and pii.looks_like_id(" 44188219621208061x ")
    assert not pii.looks_like_id("H000123") and not pii.looks_like_id("4418821962")
    line = f'"GET /households/?q={NUMBER}&page=2 HTTP/1.1" 200 1234'
    assert pii.mask_text(line) == '"GET /households/?q=441882***********1&page=2 HTTP/1.1" 200 1234'
    # A longer run of digits (a bank account) is not cut into an ID; an ID inside words is found.
    assert pii.mask_text("6228480000000000017") == "6228480000000000017"
    assert pii.mask_text(f"证件号码“{NUMBER}”格式不对") == "证件号码“441882***********1”格式不对"


def _configured_handler(logger_name: str) -> logging.Handler:
    """The handler settings.LOGGING gave the logger (not the capture handlers pytest adds)."""
    handlers = [
        h
        for h in logging.getLogger(logger_name or None).handlers
        if any(isinstance(f, pii.MaskIdNumbers) for f in h.filters)
    ]
    assert len(handlers) == 1, logger_name
    return handlers[0]


@pytest.fixture
def captured():
    """The streams of the configured handlers of the root, django and django.server loggers."""
    swapped: dict[logging.Handler, tuple[io.StringIO, object]] = {}
    streams = {}
    for name in ("", "django", "django.server"):
        handler = _configured_handler(name)  # root and django share the console handler
        if handler not in swapped:
            stream = io.StringIO()
            swapped[handler] = (stream, handler.setStream(stream))
        streams[name or "root"] = swapped[handler][0]
    yield streams
    for handler, (_stream, old) in swapped.items():
        handler.setStream(old)


def test_every_configured_handler_carries_the_mask():
    handlers = {
        h for name in [None, *logging.root.manager.loggerDict] for h in logging.getLogger(name).handlers
    }
    assert handlers
    for handler in handlers:
        if isinstance(handler, logging.NullHandler) or type(handler).__module__.startswith("_pytest"):
            continue  # writes nowhere, or pytest's own capture
        assert any(isinstance(f, pii.MaskIdNumbers) for f in handler.filters), handler
    assert settings.LOGGING["filters"]["mask_pii"]["()"] == "fupin.core.pii.MaskIdNumbers"


def test_access_lines_request_warnings_and_exceptions_are_masked(captured):
    number = make_id_number()
    # The development server's access line (WSGIRequestHandler.log_message).
    logging.getLogger("django.server").info('"%s" %s %s', f"GET /households/?q={number} HTTP/1.1", "200", "5")
    try:
        raise ValueError(f"duplicate key value (id_number)=({number})")
    except ValueError:
        logging.getLogger("fupin.anything").exception("import of %s failed", number)
    access, root = captured["django.server"].getvalue(), captured["root"].getvalue()
    assert pii.mask_id(number) in access and number not in access
    assert "ValueError" in root and "Traceback" in root
    assert number not in root and root.count(pii.mask_id(number)) == 2


@pytest.mark.django_db
def test_a_not_found_warning_of_django_request_is_masked(captured, users):
    number = make_id_number()
    client = Client()
    client.force_login(users["town"])
    assert client.get(f"/households/lookup/{number}/").status_code == 404
    warning = captured["django"].getvalue()
    assert "Not Found" in warning and number not in warning and pii.mask_id(number) in warning
