"""The administrators' page of background work (``/admin/jobs``): pending and failed
jobs of the whole deployment (deliveries, stamps, edXML packages, periodic work) with
their attempts, next try and why the last attempt failed; a failed one is queued again
with a form (``POST /admin/jobs/retry``, CSRF token and the job's key in the form).

Jobs are the deployment's, not one agency's: province-level administrators only, like
``docflow jobs list|retry`` on the server.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromQuery
from litestar.response import Redirect, Template

from docflow.accounts.access import deny
from docflow.accounts.auth import SESSION_COOKIE
from docflow.accounts.permissions import can_manage_province
from docflow.core.db import AsyncSession
from docflow.core.errors import NotFoundError
from docflow.core.runtime import Runtime
from docflow.web.form_csrf import CSRF_FIELD, check_csrf, csrf_for
from docflow.web.i18n import CATALOGUE
from docflow.web.pages import SignInRequired, Viewer, page, provide_viewer

__all__ = ["JOB_PAGES"]

PageRequest = Request[Any, Any, Any]
LIST_PATH = "/admin/jobs"
SHOWN = ("failed", "pending", "running")

JOB_STRINGS: dict[str, dict[str, str]] = {
    "vi": {
        "nav.jobs": "Công việc nền",
        "jobs.title": "Công việc nền",
        "jobs.lead": "Các việc hệ thống làm sau khi giao dịch hoàn tất (gửi văn bản, đóng dấu "
        "đến, gói tin liên thông, ký điểm kiểm tra nhật ký, gia hạn dấu thời gian). Việc lỗi "
        "được thử lại tự động; khi hết số lần thử, quản trị viên có thể cho chạy lại.",
        "jobs.empty": "Không có việc nào đang chờ hoặc bị lỗi.",
        "jobs.kind": "Loại việc",
        "jobs.key": "Mã việc",
        "jobs.state": "Trạng thái",
        "jobs.attempts": "Số lần thử",
        "jobs.error": "Lỗi gần nhất",
        "jobs.when": "Lần thử tiếp",
        "jobs.action": "Thao tác",
        "jobs.state.pending": "Đang chờ",
        "jobs.state.running": "Đang chạy",
        "jobs.state.failed": "Lỗi, đã dừng thử",
        "jobs.retry": "Chạy lại",
        "jobs.retried": "Đã đặt chạy lại:",
        "jobs.stale": "Việc này không còn ở trạng thái lỗi (đã được chạy lại):",
    },
    "en": {
        "nav.jobs": "Background jobs",
        "jobs.title": "Background jobs",
        "jobs.lead": "Work the system does after a change commits (deliveries, incoming "
        "stamps, edXML packages, audit checkpoints, archive renewals). Failed work is retried "
        "on its own; once out of attempts, an administrator may run it again.",
        "jobs.empty": "No job is pending or failed.",
        "jobs.kind": "Kind",
        "jobs.key": "Job",
        "jobs.state": "State",
        "jobs.attempts": "Attempts",
        "jobs.error": "Last error",
        "jobs.when": "Next attempt",
        "jobs.action": "Action",
        "jobs.state.pending": "Pending",
        "jobs.state.running": "Running",
        "jobs.state.failed": "Failed (no more attempts)",
        "jobs.retry": "Run again",
        "jobs.retried": "Queued again:",
        "jobs.stale": "This job is no longer failed (it was queued again already):",
    },
}
for _lang, _strings in JOB_STRINGS.items():
    CATALOGUE[_lang].update(_strings)


async def _province_admin_only(db_session: AsyncSession, viewer: Viewer) -> None:
    me = viewer.principal
    if not can_manage_province(me):
        await deny(db_session, me, action="jobs.list", subject_type="jobs", subject_id=None,
                   message="Only a province administrator sees the background jobs.")


@get(LIST_PATH, include_in_schema=False)
async def jobs_page(
    request: PageRequest,
    viewer: NamedDependency[Viewer],
    db_session: NamedDependency[AsyncSession],
    retried: FromQuery[str | None] = None,
    stale: FromQuery[str | None] = None,
) -> Template:
    await _province_admin_only(db_session, viewer)
    runtime: Runtime = request.app.state.runtime
    rows = [
        info
        for info in await runtime.jobs.jobs(db_session, limit=500)
        if info.state in SHOWN
    ]
    rows.sort(key=lambda info: SHOWN.index(info.state))
    flash = ("retried", retried) if retried else ("stale", stale) if stale else None
    return page(request, "admin_jobs.html", viewer, rows=rows, csrf=csrf_for(request),
                csrf_field=CSRF_FIELD, flash=flash)


@post(f"{LIST_PATH}/retry", include_in_schema=False, request_max_body_size=4096)
async def retry_job_from_page(
    request: PageRequest, db_session: NamedDependency[AsyncSession]
) -> Redirect:
    """Queue a failed job again, then back to the list, which says so (303)."""
    try:
        viewer = await provide_viewer(request)
    except SignInRequired:
        ended = "&expired=1" if request.cookies.get(SESSION_COOKIE) else ""
        return Redirect(f"/sign-in?next=%2Fadmin%2Fjobs{ended}", status_code=303)
    await _province_admin_only(db_session, viewer)
    form = await request.form()
    check_csrf(request, form.get(CSRF_FIELD))
    ref = str(form.get("ref") or "")[:300]
    runtime: Runtime = request.app.state.runtime
    info = await runtime.jobs.retry(db_session, ref) if ref else None
    await db_session.commit()
    if info is None and (not ref or await runtime.jobs.info(db_session, ref) is None):
        raise NotFoundError("There is no such job; reload the list of background jobs.")
    # Not failed any more (pressed twice, or queued again meanwhile): the list says so.
    outcome = "retried" if info is not None else "stale"
    return Redirect(f"{LIST_PATH}?{outcome}={quote(ref, safe='')}", status_code=303)


JOB_PAGES = [jobs_page, retry_job_from_page]
