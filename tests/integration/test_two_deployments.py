"""Two docflow deployments on loopback, each other's peer (``tests/two_deployments.py``):
A (the province: UBND, VP, STTTT, STC) and B (the city of Vị Thanh and the district of
Châu Thành), each with its own SQLite database, object store and server process.

A document issued in A to an agency of B arrives in B's inbox with its signatures
valid; a second push of the same bytes creates nothing; B being down delays delivery
but loses nothing; A killed with ``kill -9`` before the package got through delivers it
after restart; B's handling statuses and a recall travel back to A as signed packages.

One pair of deployments serves the whole module (starting one costs seconds); the first
tests share one issued document, the others issue their own; every test leaves both
deployments running.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.two_deployments import (
    FAST,
    STTTT,
    UBNDCT,
    UBNDVT,
    Deployment,
    Pair,
    two_deployments,
    wait_until,
)

pytestmark = pytest.mark.timeout(600)


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    with two_deployments(tmp_path_factory.mktemp("two-deployments"), FAST) as both:
        yield both


def _delivery(a: Deployment, document_id: int) -> dict[str, Any] | None:
    found = [d for d in a.deliveries("stttt") if d["package"]["document_id"] == document_id]
    return found[0] if found else None


def _arrives(b: Deployment, agency: str, subject: str, timeout: float = 60) -> dict[str, Any]:
    return wait_until(lambda: b.arrived(agency, subject), f"{subject!r} in B's inbox of "
                      f"{agency}", timeout)


@pytest.fixture(scope="module")
def crossed(pair: Pair) -> dict[str, Any]:
    """One document of STTTT (A) to UBNDVT and UBNDCT (B), arrived: the first three
    tests share it (each issuance costs seconds of signing)."""
    subject = "Two deployments: the document crosses"
    issued = pair.a.issue("stttt", [UBNDVT, UBNDCT], subject)
    return {"issued": issued, "subject": subject,
            "ubndvt": _arrives(pair.b, "ubndvt", subject),
            "ubndct": _arrives(pair.b, "ubndct", subject)}


def test_an_issued_document_arrives_with_valid_signatures(
    pair: Pair, crossed: dict[str, Any]
) -> None:
    issued = crossed["issued"]
    for agency in ("ubndvt", "ubndct"):
        transfer = crossed[agency]
        assert transfer["status"] == "01"
        assert transfer["sender"]["code"] == STTTT
        assert transfer["symbol"] == issued["symbol"]
        # The issued PDF's signatures (the leader's and STTTT's seal) verified by B,
        # with B's own trust, as a dispatch inside one docflow is.
        assert transfer["verification"] == "passed"
        report = pair.b.api(f"{agency}.clerk").get(transfer["verification_url"])
        assert "passed" in str(report).lower(), report
    delivery = wait_until(lambda: (d := _delivery(pair.a, issued["id"])) and
                          d["state"] == "delivered" and d, "A records the delivery")
    assert delivery["peer"] == "b" and delivery["last_error"] is None
    # Delivery is at least once, B keeps one copy: on a loaded machine B may answer an
    # attempt late or busy, and A tries again. Such an attempt must have failed the way
    # a busy peer fails (no answer, 408, 429, 5xx), never with a refusal, and B must
    # still hold the document once per agency (``arrived`` asserts at most one).
    attempts = pair.a.rows(
        "SELECT a.http_status, a.error FROM exchange_attempt a JOIN exchange_delivery d"
        " ON d.id = a.delivery_id JOIN exchange_package p ON p.id = d.package_id"
        " WHERE p.document_id = ? ORDER BY a.id", issued["id"])
    assert len(attempts) == delivery["attempts"] and attempts[-1][0] in (200, 201), attempts
    for status, error in attempts[:-1]:
        assert status is None or status in (408, 429) or status >= 500, attempts
        warnings.warn(f"A's delivery attempt failed before one got through: {status} {error}",
                      stacklevel=1)
    for agency in ("ubndvt", "ubndct"):
        assert pair.b.arrived(agency, crossed["subject"]) is not None


def test_a_duplicate_push_creates_nothing(pair: Pair, crossed: dict[str, Any]) -> None:
    delivery = wait_until(lambda: _delivery(pair.a, crossed["issued"]["id"]),
                          "A's delivery row")
    package = pair.a.stored(delivery["package"]["sha256"])
    before = {agency: pair.b.inbox(agency) for agency in ("ubndvt", "ubndct")}
    answers = []
    for _ in range(2):
        answer = httpx.post(pair.b.packages_url, content=package, timeout=60, headers={
            "Content-Type": "application/xml", "Authorization": f"Bearer {pair.a_token}"})
        assert answer.status_code == 200, answer.text
        answers.append(answer.json())
    assert answers[0] == answers[1]
    assert answers[0]["created"] is False
    assert {crossed["ubndvt"]["id"], crossed["ubndct"]["id"]} <= set(answers[0]["transfers"])
    assert {agency: pair.b.inbox(agency) for agency in before} == before


def test_the_receiver_down_delays_delivery_but_loses_nothing(pair: Pair) -> None:
    subject = "Two deployments: while B was down"
    pair.b.stop()
    try:
        issued = pair.a.issue("stttt", [UBNDVT], subject)

        def retrying() -> dict[str, Any] | None:
            d = _delivery(pair.a, issued["id"])
            return d if d and d["attempts"] >= 2 else None

        delivery = wait_until(retrying, "A's failed attempts while B is down")
        assert delivery["state"] == "pending"
        assert delivery["next_attempt_at"] is not None
        assert delivery["last_error"] and "Connect" in delivery["last_error"]
    finally:
        pair.b.start()
    transfer = _arrives(pair.b, "ubndvt", subject)
    assert transfer["status"] == "01" and transfer["verification"] == "passed"
    done = wait_until(lambda: (d := _delivery(pair.a, issued["id"])) and
                      d["state"] == "delivered" and d, "A records the late delivery")
    assert done["attempts"] >= 3


def test_a_sender_killed_before_sending_delivers_after_restart(pair: Pair) -> None:
    """A commits the issuance with its package, delivery and job, cannot get through (B
    is down), and is killed with SIGKILL; restarted, it delivers. (The kill falls just
    after A recorded a failed attempt, so it does not hold the job's lease.)"""
    subject = "Two deployments: the sender was killed"
    pair.b.stop()
    try:
        issued = pair.a.issue("stttt", [UBNDVT], subject)
        wait_until(lambda: (d := _delivery(pair.a, issued["id"])) and d["attempts"] >= 1,
                   "A's first failed attempt")
        pair.a.kill()
        ((state, delivered_at),) = pair.a.rows(
            "SELECT d.state, d.delivered_at FROM exchange_delivery d JOIN exchange_package p"
            " ON p.id = d.package_id WHERE p.document_id = ?", issued["id"])
        assert (state, delivered_at) == ("pending", None)
        assert pair.a.rows("SELECT state FROM job WHERE kind = 'exchange.deliver_package' "
                           "AND state = 'pending'"), "the next attempt's job is on record"
    finally:
        pair.b.start()
        if pair.a.proc is None:
            pair.a.start()
    transfer = _arrives(pair.b, "ubndvt", subject)
    assert transfer["verification"] == "passed"


def _sender_codes(a: Deployment, document_id: int, code: str) -> list[str]:
    items = a.api("stttt.clerk").get(f"/api/v1/documents/{document_id}/transfers")["items"]
    mine = [i for i in items if i["recipient"]["code"] == code]
    return [e["status"] for e in mine[0]["timeline"]] if mine else []


def test_statuses_and_a_recall_travel_back_to_the_sender(
    pair: Pair, crossed: dict[str, Any]
) -> None:
    issued, transfer = crossed["issued"], crossed["ubndvt"]
    clerk, leader = pair.b.api("ubndvt.clerk"), pair.b.api("ubndvt.leader")
    specialist = pair.b.api("ubndvt.specialist")
    path = f"/api/v1/transfers/{transfer['id']}"
    clerk.post(f"{path}/accept")
    me = specialist.get("/api/v1/me")["user"]
    leader.post(f"{path}/assign", json={"user_id": me["id"], "instructions": "Xử lý"})
    specialist.post(f"{path}/start")
    specialist.post(f"{path}/complete")
    wanted = ["01", "03", "04", "05", "06"]
    wait_until(lambda: _sender_codes(pair.a, issued["id"], UBNDVT),
               f"A's timeline of {UBNDVT} showing {wanted}", until=wanted.__eq__)

    subject = "Two deployments: recalled"
    issued = pair.a.issue("stttt", [UBNDVT], subject)
    transfer = _arrives(pair.b, "ubndvt", subject)
    # A's transfer to an agency of B has no status until B's 01 comes back; only then
    # is there something to recall (before it: 409).
    wait_until(lambda: _sender_codes(pair.a, issued["id"], UBNDVT),
               f"A's timeline of {UBNDVT} showing the arrival (01)", until=["01"].__eq__)
    pair.a.api("stttt.clerk").post(f"/api/v1/documents/{issued['id']}/recall",
                                   json={"reason": "Ban hành nhầm"})
    wait_until(lambda: clerk.get(f"/api/v1/transfers/{transfer['id']}")["status"],
               "B's transfer asked to withdraw (13)", until="13".__eq__)
    clerk.post(f"/api/v1/transfers/{transfer['id']}/recall/accept")
    wait_until(lambda: _sender_codes(pair.a, issued["id"], UBNDVT),
               f"A's timeline of {UBNDVT} ending with the withdrawal (15)",
               until=lambda codes: codes[-1:] == ["15"])


def test_each_deployment_knows_the_other_agencies_as_external(pair: Pair) -> None:
    """Each side has its own agencies; the other's are external ones (``peer add
    --agency``), with the seal certificate ``docflow peer export`` gave (``--seal``)."""
    sql = ("SELECT c.code, a.external, a.seal_certificate_pem IS NOT NULL FROM agency a "
           "JOIN agency_code c ON c.agency_id = a.id")
    b_codes = {UBNDVT, UBNDCT}
    for here, own in ((pair.a, {"000.00.00.H30", "000.01.00.H30", STTTT, "000.03.00.H30"}),
                      (pair.b, b_codes)):
        rows = {code: (bool(external), bool(sealed)) for code, external, sealed in
                here.rows(sql) if code.endswith(".H30")}
        theirs = (b_codes if here is pair.a else {"000.00.00.H30", "000.01.00.H30", STTTT,
                                                   "000.03.00.H30"})
        assert {c for c, (external, _) in rows.items() if not external} == own
        assert {c: rows[c] for c in theirs} == dict.fromkeys(theirs, (True, True))


def test_the_peer_directory_sync_agrees_with_the_exported_seals(pair: Pair) -> None:
    """``docflow peer sync`` (the peer's live directory) finds the agencies and seal
    certificates ``peer export`` / ``peer add --seal`` recorded: nothing to refuse, and
    the seals stay the ones B signs with."""
    seals = "SELECT c.code, a.seal_certificate_pem FROM agency a JOIN agency_code c " \
            "ON c.agency_id = a.id WHERE a.external ORDER BY c.code"
    before = pair.a.rows(seals)
    report = json.loads(pair.a.cli("peer", "sync", "b", "--json"))
    assert report["refused"] == [] and report["added"] == []
    after = pair.a.rows(seals)
    assert [c for c, _ in after] == [c for c, _ in before]
    assert dict(after)[UBNDVT] == dict(before)[UBNDVT]
