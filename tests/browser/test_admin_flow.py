"""The administrator's day in headless Chromium on a real server: the admin's home page
offers the administration tiles (no upload tile), ``/admin`` leads to the people of the
agency, a double click on "Tạo tài khoản" creates one account and shows its temporary
password, the new person signs in with it through the sign-in page; a bad username is
refused in Vietnamese on the page; agencies and one's own keys show. No console error,
no horizontal scrolling at 375 px. Screenshots at 1280 and 375 px go to
``test-artifacts/browser/admin-*.png``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.test_web_flow import browser, origin, person, shot  # noqa: F401
from tests.browser.web_support import Watch

pytestmark = pytest.mark.slow

NAME = "Nguyễn Thị Hồng Nhung"
WIDTHS = {"1280": {"width": 1280, "height": 900}, "375": {"width": 375, "height": 812}}


ENROL = """async () => {
  const key = await import('/static/js/webkey.js');
  const { api } = await import('/static/js/api.js');
  const name = document.querySelector('.me').textContent.split(' · ')[0].trim();
  const pair = await key.newKeyPair();
  const csr = await key.buildCsr(pair, name);
  const cert = await api('POST', '/api/v1/me/certificates', { csr });
  return cert.id;
}"""


WIDEST = """() => [...document.querySelectorAll('main *')]
  .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1)
  .map((e) => e.tagName + '#' + e.id + '.' + e.className).slice(0, 8)"""


def fits(page: Any) -> bool:
    """Nothing sticks out sideways (no horizontal scrolling)."""
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


def sign_in_as(browser: Any, watch: Watch, username: str, password: str) -> Any:  # noqa: F811
    context = browser.new_context(locale="vi-VN", viewport=WIDTHS["375"])
    page = watch.attach(context.new_page())
    page.goto(f"{watch.origin}/sign-in")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{watch.origin}/")
    return page


@pytest.fixture()
def watch(origin: str) -> Iterator[Watch]:  # noqa: F811
    found = Watch(origin)
    yield found
    assert not found.console_errors, found.console_errors
    assert not found.pages_without_csp, found.pages_without_csp


def test_an_admin_creates_a_person_who_then_signs_in(
    origin: str, browser: Any, watch: Watch  # noqa: F811
) -> None:
    page = person(browser, watch, "stttt.admin", viewport=WIDTHS["1280"])
    tiles = page.locator("ul.tiles a")
    assert "/upload" not in [tiles.nth(i).get_attribute("href") for i in range(tiles.count())]
    page.get_by_role("link", name="Người dùng").first.wait_for()
    shot(page, "admin-home-1280")
    page.goto(f"{origin}/admin")
    page.wait_for_url(f"{origin}/admin/users")
    assert page.locator('tr[data-user="stttt.clerk"]').count() == 1
    shot(page, "admin-users-1280")
    secret = _refuse_then_create(page, watch)
    # The new person signs in with the temporary password, on a phone.
    nhung = sign_in_as(browser, watch, "stttt.nhung", secret)
    assert NAME in nhung.locator("main h1").inner_text()
    shot(nhung, "admin-new-user-home-375")
    _on_a_phone(page, origin)
    _province_admin(person(browser, watch, "province.admin", viewport=WIDTHS["1280"]), origin)
    _leader_keys(person(browser, watch, "stttt.leader", viewport=WIDTHS["375"]), origin)


def _refuse_then_create(page: Any, watch: Watch) -> str:
    """A bad username is refused in Vietnamese (what was typed stays); then a double
    click creates one account. Its temporary password."""
    site = watch.origin
    watch.provoked.add((422, f"{site}/admin/users"))  # the refusal page: Chromium logs it
    page.fill("#full_name", NAME)
    page.fill("#username", "Nhung Nguyễn")
    page.check('input[name=roles][value=specialist]')
    page.click("#create-user button[type=submit]")
    page.locator("#admin-error").wait_for()
    assert "Tên đăng nhập không hợp lệ" in page.locator("#admin-error").inner_text()
    assert page.input_value("#full_name") == NAME
    shot(page, "admin-users-error-1280")
    page.fill("#username", "stttt.nhung")
    page.fill("#email", "nhung@stttt.haugiang.gov.vn")
    page.check('input[name=roles][value=leader]')
    posts = watch.posts_to("/admin/users")
    page.dblclick("#create-user button[type=submit]")
    page.wait_for_url(f"{site}/admin/users")
    secret = str(page.locator("#temporary-password").inner_text()).strip()
    assert re.fullmatch(r"[A-Za-z0-9]{4}(-[A-Za-z0-9]{4}){3}", secret), secret
    assert watch.posts_to("/admin/users") == posts + 1
    assert "Đã tạo tài khoản" in page.locator("#admin-flash").inner_text()
    shot(page, "admin-user-created-1280")
    return secret


def _on_a_phone(page: Any, site: str) -> None:
    page.set_viewport_size(WIDTHS["375"])
    for path, name in (("/admin/users", "admin-users-375"),
                       ("/admin/agencies", "admin-agencies-375")):
        page.goto(f"{site}{path}")
        assert fits(page), (path, page.evaluate(WIDEST))
        shot(page, name)
    page.goto(f"{site}/admin/users")
    page.locator('tr[data-user="stttt.nhung"] a').click()
    page.wait_for_url(re.compile(r"/admin/users/\d+$"))
    assert fits(page), page.evaluate(WIDEST)
    shot(page, "admin-user-375")
    page.set_viewport_size(WIDTHS["1280"])
    page.goto(f"{site}/admin/agencies")
    page.locator('tr[data-agency="STTTT"] a').click()
    page.wait_for_url(re.compile(r"/admin/agencies/\d+$"))
    shot(page, "admin-agency-1280")


def _province_admin(province: Any, site: str) -> None:
    """Every agency, an agency form, the people filtered by agency."""
    province.goto(f"{site}/admin/agencies")
    assert province.locator("#create-agency").count() == 1
    assert province.locator('tr[data-agency="STC"]').count() == 1
    shot(province, "admin-agencies-province-1280")
    province.goto(f"{site}/admin/users")
    stc = province.locator("#filter-agency option", has_text="STC ·").get_attribute("value")
    province.select_option("#filter-agency", value=stc)
    province.click(".admin-filter button")
    province.wait_for_url(re.compile(r"/admin/users\?agency=\d+$"))
    assert province.locator('tr[data-user="stc.clerk"]').count() == 1
    assert province.locator('tr[data-user="stttt.clerk"]').count() == 0
    shot(province, "admin-users-province-1280")
    province.set_viewport_size(WIDTHS["375"])
    shot(province, "admin-users-province-375")
    assert fits(province), province.evaluate(WIDEST)


def _leader_keys(leader: Any, site: str) -> None:
    """A leader's browser key: named, then revoked, on their own keys page."""
    leader.goto(f"{site}/account/keys")
    cert_id = leader.evaluate(ENROL)  # a WebCrypto key, as the document page makes one
    leader.reload()
    row = f'tr[data-certificate="{cert_id}"]'
    leader.fill(f"{row} input[name=device_name]", "Máy tính phòng làm việc")
    leader.click(f"{row} form.inline button")
    leader.wait_for_url(f"{site}/account/keys?done=named")
    assert fits(leader), leader.evaluate(WIDEST)
    shot(leader, "account-keys-375")
    leader.click(f"{row} form.retry button")
    leader.wait_for_url(f"{site}/account/keys?done=revoked")
    assert leader.get_attribute(row, "data-state") == "revoked"
    leader.set_viewport_size(WIDTHS["1280"])
    shot(leader, "account-keys-revoked-1280")
