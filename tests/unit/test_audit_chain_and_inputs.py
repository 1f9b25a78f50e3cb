"""The audit event digest's bytes, and the shapes of agency codes, names and usernames."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest

from docflow.accounts.inputs import (
    clean_agency_code,
    clean_name,
    clean_seal_key_ref,
    clean_username,
)
from docflow.core.audit_append import canonical_bytes, event_digest
from docflow.core.audit_digest import GENESIS_CHAIN, chain_next
from docflow.core.audit_models import AuditEvent
from docflow.core.errors import InvalidInput


def event(seq: int, **kw: object) -> AuditEvent:
    e = AuditEvent(
        seq=seq,
        occurred_at=datetime(2026, 11, 26, 9, 0, seq, 123456, tzinfo=UTC),
        actor_user_id=7,
        actor_agency_id=3,
        action="user.created",
        subject_type="user",
        subject_id="42",
        request_id="req-1",
        details={"username": "stttt.clerk", "tên": "Văn thư"},
        digest="",
        **kw,
    )
    e.digest = event_digest(e)
    return e


def test_canonical_bytes_are_sorted_compact_utf8_json_of_the_content_only() -> None:
    data = canonical_bytes(event(1))
    assert data.startswith(b'{"action":"user.created","actor_agency_id":3,')
    assert b" " not in data.replace("Văn thư".encode(), b"")
    assert "Văn thư".encode() in data  # UTF-8, not \\u escapes
    assert b'"occurred_at":"2026-11-26T09:00:01.123456+00:00"' in data
    # neither its number nor any link: a sequencer may place it later
    assert b'"seq"' not in data and b'"digest"' not in data and b"prev" not in data


def test_digest_is_sha256_of_the_content_and_the_chain_links_digests() -> None:
    e = event(1)
    assert e.digest == hashlib.sha256(canonical_bytes(e)).hexdigest()
    first = chain_next(GENESIS_CHAIN, e.digest)
    assert first == hashlib.sha256(bytes(32) + bytes.fromhex(e.digest)).hexdigest()
    changed = event(1)
    changed.details = {"username": "someone.else"}
    assert event_digest(changed) != e.digest


@pytest.mark.parametrize("code", ["000.00.00.H30", "000.02.00.h30", " 123.45.67.A99 "])
def test_agency_codes_of_the_right_shape(code: str) -> None:
    assert clean_agency_code(code) == code.strip().upper()


@pytest.mark.parametrize(
    "code", ["", "000.00.00.H3", "000.00.00.330", "00.000.00.H30", "000-00-00-H30", "000.00.00.HH0"]
)
def test_malformed_agency_codes_are_refused(code: str) -> None:
    with pytest.raises(InvalidInput, match="000.00.00.H30"):
        clean_agency_code(code)


def test_names_are_normalised_and_checked() -> None:
    decomposed = "Nguye\u0302\u0303n  Văn   A"
    assert clean_name(decomposed) == "Nguyễn Văn A"
    for bad, reason in (
        ("", "empty"),
        ("a" * 256, "at most 255"),
        ("Lê\tVăn", "control"),
        ("Lê\u200bVăn", "control"),
        ("12345", "no letter"),
    ):
        with pytest.raises(InvalidInput, match=reason):
            clean_name(bad)


def test_usernames() -> None:
    assert clean_username(" STTTT.Clerk ") == "stttt.clerk"
    for bad in ("a", "-x", "tên.người", "a b", "x" * 65):
        with pytest.raises(InvalidInput):
            clean_username(bad)


def test_seal_key_references() -> None:
    assert clean_seal_key_ref("pkcs11:token=hsm;object=stttt-seal") == (
        "pkcs11:token=hsm;object=stttt-seal"
    )
    assert clean_seal_key_ref("/etc/docflow/keys/stttt.p12") == "/etc/docflow/keys/stttt.p12"
    assert clean_seal_key_ref("devpki:STTTT") == "devpki:stttt"
    for bad in ("pkcs11:", "stttt.pem", "devpki:bad abbrev", "x.p12\n\x00"):
        with pytest.raises(InvalidInput):
            clean_seal_key_ref(bad)
