"""The administration pages refuse what they must, on SQLite and PostgreSQL: an admin
of STTTT reaches no person, certificate, agency or department of STC through any form
or page (404 or 403, recorded, nothing changed); bad input answers a Vietnamese
sentence on the page (422) and creates nothing; a form without its CSRF token and
people who are not administrators are refused."""

from __future__ import annotations

from pathlib import Path

from litestar.testing import AsyncTestClient
from sqlmodel import select

from docflow.accounts.models_agency import Agency, Department
from docflow.accounts.models_certificate import PersonalCertificate
from docflow.app import create_app
from docflow.bootstrap import build_runtime
from docflow.core.settings import Settings
from tests.integration.admin_support import browser, events, new_person, sign_in, user_row
from tests.integration.authz_table import p256_csr
from tests.integration.documents_support import seeded_settings


async def _ids(settings: Settings) -> tuple[int, int]:
    """(STC's id, the id of one of its departments)."""
    runtime = build_runtime(settings)
    try:
        async with runtime.session() as session:
            stc = (await session.exec(select(Agency).where(Agency.abbreviation == "STC"))).one()
            dept = (await session.exec(select(Department).where(
                Department.agency_id == stc.id))).first()
            assert stc.id is not None and dept is not None and dept.id is not None
            return stc.id, dept.id
    finally:
        await runtime.dispose()


async def _certificate_of(client: AsyncTestClient, username: str) -> int:
    person = await browser(client, username)
    answer = await client.post("/api/v1/me/certificates", json={"csr": p256_csr()},
                               headers={**person.headers, "X-CSRF-Token": person.csrf})
    assert answer.status_code in (200, 201), answer.text
    return int(answer.json()["id"])


async def test_an_admin_of_another_agency_reaches_nothing(
    database_url: str, tmp_path: Path
) -> None:
    settings = await seeded_settings(database_url, tmp_path)
    stc_id, stc_dept = await _ids(settings)
    stc_leader = (await user_row(settings, "stc.leader")).id  # type: ignore[union-attr]
    denied_before = len(await events(settings, "access.denied"))
    async with AsyncTestClient(app=create_app(settings), timeout=120) as client:
        cert_id = await _certificate_of(client, "stc.leader")
        admin = await browser(client, "stttt.admin")
        hidden = [
            await admin.get(f"/admin/users/{stc_leader}"),
            await admin.post(f"/admin/users/{stc_leader}/roles", {"roles": ["admin"]}),
            await admin.post(f"/admin/users/{stc_leader}/active", {"active": "0"}),
            await admin.post(f"/admin/users/{stc_leader}/password", {"stamp": "x"}),
            await admin.post(f"/admin/certificates/{cert_id}/revoke"),
            await admin.get(f"/admin/agencies/{stc_id}"),
            await admin.post(f"/admin/departments/{stc_dept}", {"name": "Phòng mới"}),
            await admin.post(f"/account/keys/{cert_id}/revoke"),
            await admin.post(f"/account/keys/{cert_id}/name", {"device_name": "x"}),
        ]
        assert [r.status_code for r in hidden] == [404] * len(hidden)
        assert all('class="error-reason"' in r.text and "stc.leader" not in r.text
                   for r in hidden)
        refused = [
            await admin.get(f"/admin/users?agency={stc_id}"),
            await admin.post("/admin/users", new_person(agency_id=str(stc_id))),
            await admin.post(f"/admin/agencies/{stc_id}/departments", {"name": "Phòng mới"}),
            await admin.post(f"/admin/agencies/{stc_id}", {"name": "Đổi tên"}),
            await admin.post("/admin/agencies", {"codes": "000.01.99.H30", "name": "Sở Mới",
                                                 "abbreviation": "SMOI"}),
        ]
        assert [r.status_code for r in refused] == [403] * len(refused)
        assert "quản trị" in refused[0].text  # said in Vietnamese
        assert (await sign_in(client, "stc.leader")).status_code == 200  # still active
    assert len(await events(settings, "access.denied")) == denied_before + 14
    assert await user_row(settings, "stttt.nhung") is None
    runtime = build_runtime(settings)
    try:
        async with runtime.session() as session:
            cert = await session.get(PersonalCertificate, cert_id)
            assert cert is not None and cert.revoked_at is None and cert.device_name is None
            dept = await session.get(Department, stc_dept)
            assert dept is not None and dept.name != "Phòng mới"
    finally:
        await runtime.dispose()


async def test_bad_input_is_said_in_vietnamese_and_changes_nothing(
    database_url: str, tmp_path: Path
) -> None:
    settings = await seeded_settings(database_url, tmp_path)
    async with AsyncTestClient(app=create_app(settings), timeout=60) as client:
        admin = await browser(client, "stttt.admin")
        cases = {
            "Tên đăng nhập không hợp lệ": new_person(username="Nhung Nguyễn"),
            "Chưa nhập họ và tên": new_person(full_name="   "),
            "Cần chọn ít nhất một vai trò": new_person(roles=[]),
            "Địa chỉ thư điện tử không hợp lệ": new_person(email="nhung@"),
            "Vai trò không hợp lệ": new_person(roles=["boss"]),
            "Phòng, ban đã chọn không thuộc cơ quan này": new_person(department_id="999999"),
        }
        for sentence, fields in cases.items():
            answer = await admin.post("/admin/users", fields)
            assert answer.status_code == 422, (sentence, answer.status_code)
            assert sentence in answer.text, (sentence, answer.text[:1500])
            kept = f'value="{fields["username"]}"'  # what was typed stays in the form
            assert kept in answer.text, (sentence, kept)
        clerk = (await user_row(settings, "stttt.clerk")).id  # type: ignore[union-attr]
        roles = await admin.post(f"/admin/users/{clerk}/roles", {})
        assert roles.status_code == 422 and "Cần chọn ít nhất một vai trò" in roles.text
        admin_id = (await user_row(settings, "stttt.admin")).id  # type: ignore[union-attr]
        own = await admin.post(f"/admin/users/{admin_id}/roles", {"roles": ["clerk"]})
        assert own.status_code == 422 and "tự bỏ vai trò quản trị" in own.text
        province = await browser(client, "province.admin")
        bad = await province.post("/admin/agencies", {"codes": "12.34", "name": "Sở Mới",
                                                      "abbreviation": "SMOI"})
        assert bad.status_code == 422 and "Mã định danh không đúng dạng" in bad.text
        taken = await province.post("/admin/agencies", {"codes": "000.01.98.H30",
                                                        "name": "Sở Mới", "abbreviation": "STC"})
        assert taken.status_code == 422 and "Tên viết tắt STC đã thuộc" in taken.text
        forged = await admin.post("/admin/users", new_person(), csrf=False)
        assert forged.status_code == 403 and "tải lại trang" in forged.text
        clerk_page = await (await browser(client, "stttt.clerk")).get("/admin/users")
        assert clerk_page.status_code == 403 and 'class="error-reason"' in clerk_page.text
        admin.lang = "en"
        english = await admin.post("/admin/users", new_person(roles=[]))
        assert english.status_code == 422 and "Choose at least one role." in english.text
    assert await user_row(settings, "stttt.nhung") is None
    assert await events(settings, "user.created") == []
    assert await events(settings, "user.roles_changed") == []
    assert await events(settings, "agency.created") == []
