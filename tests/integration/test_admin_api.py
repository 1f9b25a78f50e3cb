"""The administration API (``/api/v1/users/{id}/...``, ``/api/v1/certificates/{id}/
revoke``, ``/api/v1/agencies/{id}``, ``/api/v1/departments/{id}``) on SQLite and
PostgreSQL: the services the pages call, so the same rules and the same audit events;
an admin of another agency reaches no person, certificate or department of this one."""

from __future__ import annotations

from pathlib import Path

from litestar.testing import AsyncTestClient

from docflow.app import create_app
from tests.integration.admin_support import events, user_row
from tests.integration.authz_table import p256_csr
from tests.integration.documents_support import PASSWORD, login, seeded_settings


async def test_an_admin_manages_people_over_the_api(database_url: str, tmp_path: Path) -> None:
    settings = await seeded_settings(database_url, tmp_path)
    clerk_id = (await user_row(settings, "stttt.clerk")).id  # type: ignore[union-attr]
    async with AsyncTestClient(app=create_app(settings), timeout=60) as client:
        admin = await login(client, "stttt.admin")
        clerk = await login(client, "stttt.clerk")
        roles = await client.post(f"/api/v1/users/{clerk_id}/roles",
                                  json={"roles": ["clerk", "specialist"]}, headers=admin)
        assert roles.status_code == 200 and roles.json()["roles"] == ["clerk", "specialist"]
        off = await client.post(f"/api/v1/users/{clerk_id}/deactivate", headers=admin)
        assert off.status_code == 200 and off.json()["is_active"] is False
        assert (await client.get("/api/v1/me", headers=clerk)).status_code == 401
        on = await client.post(f"/api/v1/users/{clerk_id}/reactivate", headers=admin)
        assert on.json()["is_active"] is True
        reset = await client.post(f"/api/v1/users/{clerk_id}/password-reset", headers=admin)
        secret = reset.json()["temporary_password"]
        refused = await client.post("/api/v1/auth/login",
                                    json={"username": "stttt.clerk", "password": PASSWORD})
        assert refused.status_code == 401
        clerk = await _login(client, "stttt.clerk", secret)
        cert = await client.post("/api/v1/me/certificates", json={"csr": p256_csr()},
                                 headers=clerk)
        cert_id = cert.json()["id"]
        named = await client.post(f"/api/v1/me/certificates/{cert_id}/device-name",
                                  json={"device_name": "Laptop"}, headers=clerk)
        assert named.json()["device_name"] == "Laptop"
        listed = await client.get(f"/api/v1/users/{clerk_id}/certificates", headers=admin)
        assert [c["id"] for c in listed.json()] == [cert_id]
        revoked = await client.post(f"/api/v1/certificates/{cert_id}/revoke", headers=admin)
        assert revoked.json()["revocation"] == "revoked"
        again = await client.post(f"/api/v1/certificates/{cert_id}/revoke", headers=clerk)
        assert again.status_code == 409
    for action in ("user.roles_changed", "user.deactivated", "user.reactivated",
                   "user.password_changed", "certificate.named", "certificate.revoked"):
        assert len(await events(settings, action)) == 1, action


async def test_another_agencys_admin_reaches_nothing_over_the_api(
    database_url: str, tmp_path: Path
) -> None:
    settings = await seeded_settings(database_url, tmp_path)
    stc_clerk = (await user_row(settings, "stc.clerk")).id  # type: ignore[union-attr]
    async with AsyncTestClient(app=create_app(settings), timeout=60) as client:
        owner = await login(client, "stc.clerk")
        cert_id = (await client.post("/api/v1/me/certificates", json={"csr": p256_csr()},
                                     headers=owner)).json()["id"]
        admin = await login(client, "stttt.admin")
        calls = [
            ("POST", f"/api/v1/users/{stc_clerk}/roles", {"roles": ["admin"]}),
            ("POST", f"/api/v1/users/{stc_clerk}/deactivate", None),
            ("POST", f"/api/v1/users/{stc_clerk}/password-reset", None),
            ("GET", f"/api/v1/users/{stc_clerk}/certificates", None),
            ("POST", f"/api/v1/certificates/{cert_id}/revoke", None),
            ("POST", f"/api/v1/me/certificates/{cert_id}/device-name", {"device_name": "x"}),
        ]
        for method, path, body in calls:
            answer = await client.request(method, path, json=body, headers=admin)
            assert answer.status_code == 404, (path, answer.text)
            assert "stc" not in answer.text.lower()
        still = await client.get("/api/v1/me/certificates", headers=owner)
        assert still.status_code == 200  # the session lives: not deactivated, no reset
        assert still.json()[0]["revocation"] != "revoked"
        assert still.json()[0]["device_name"] is None
    assert await events(settings, "user.roles_changed") == []


async def _login(client: AsyncTestClient, username: str, password: str) -> dict[str, str]:
    answer = await client.post("/api/v1/auth/login",
                               json={"username": username, "password": password})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['token']}"}
