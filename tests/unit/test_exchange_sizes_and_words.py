"""``DOCFLOW_EXCHANGE_MAX_PACKAGE_MB`` (bounds, the limits it gives) and the clerk's
reading of a delivery's last error on the ``/deliveries`` page."""

from __future__ import annotations

import pytest

from docflow.core.errors import ConfigurationError
from docflow.core.settings import Settings
from docflow.exchange.sizes import package_limits
from docflow.web.delivery_words import explain
from docflow.web.i18n import translator

MB = 1024 * 1024


def test_the_package_limit_defaults_to_200_mb_and_is_bounded() -> None:
    assert Settings.from_env({}).exchange_max_package_mb == 200
    five = Settings.from_env({"DOCFLOW_EXCHANGE_MAX_PACKAGE_MB": "5"})
    limits = package_limits(five)
    assert limits.max_package_bytes == 5 * MB and limits.max_attachment_bytes == 5 * MB
    assert package_limits(Settings.from_env({})).max_attachment_bytes == 150 * MB
    for bad in ("0", "2001", "lots", "-1"):
        with pytest.raises(ConfigurationError, match="DOCFLOW_EXCHANGE_MAX_PACKAGE_MB"):
            Settings.from_env({"DOCFLOW_EXCHANGE_MAX_PACKAGE_MB": bad})
    assert "DOCFLOW_EXCHANGE_MAX_PACKAGE_MB" in Settings.env_var_names()


@pytest.mark.parametrize(
    ("recorded", "state", "says", "reason"),
    [
        ('HTTP 400: {"status_code": 400, "detail": "Sai mã"}', "failed",
         "từ chối gói tin (mã 400)", "Sai mã"),
        ("HTTP 401: unauthorized", "failed", "mã truy cập", "unauthorized"),
        ("HTTP 503: busy", "pending", "đang bận", "busy"),
        ("HTTP 413", "failed", "lớn hơn mức", None),
        ("ConnectError: [Errno 111] Connection refused", "pending", "Không kết nối", None),
        ("ReadTimeout: timed out", "pending", "thời gian chờ", None),
    ],
)
def test_a_delivery_error_reads_as_what_to_do(
    recorded: str, state: str, says: str, reason: str | None
) -> None:
    found = explain(recorded, state, translator("vi"))
    assert found is not None and says in found.what and found.reason == reason
    assert found.raw == recorded
    assert ("Gửi lại" in found.todo) == (state == "failed")


def test_nothing_to_explain() -> None:
    t = translator("en")
    assert explain(None, "pending", t) is None
    assert explain("HTTP 503: x", "delivered", t) is None
    assert "could not be reached" in explain("OSError: x", "failed", t).what  # type: ignore[union-attr]
