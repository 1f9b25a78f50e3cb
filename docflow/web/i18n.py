"""The pages' strings: Vietnamese (default) and English, chosen by the ``lang`` cookie.

Dates show as dd/mm/yyyy in Vietnam time (UTC+07:00, no daylight saving).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from docflow.web.i18n_deliveries import DELIVERY_STRINGS
from docflow.web.i18n_notifications import NOTIFICATION_STRINGS

__all__ = ["CATALOGUE", "DEFAULT_LANG", "LANGS", "VIETNAM", "translator", "vn_date", "vn_datetime"]

DEFAULT_LANG = "vi"
LANGS = ("vi", "en")
VIETNAM = timezone(timedelta(hours=7), "ICT")

CATALOGUE: dict[str, dict[str, str]] = {
    "vi": {
        "app": "docflow — Văn bản điện tử",
        "skip": "Bỏ qua đến nội dung",
        "nav.inbox": "Văn bản đến",
        "nav.outbox": "Văn bản đi",
        "nav.drafts": "Dự thảo",
        "nav.upload": "Tải lên dự thảo",
        "nav.to_sign": "Chờ tôi ký",
        "nav.registers": "Sổ đăng ký",
        "nav.verify": "Kiểm tra chữ ký",
        "nav.menu": "Danh mục",
        "sign_in": "Đăng nhập",
        "sign_out": "Đăng xuất",
        "username": "Tên đăng nhập",
        "password": "Mật khẩu",
        "sign_in.expired": (
            "Phiên làm việc đã hết hạn hoặc bạn chưa đăng nhập. Vui lòng đăng nhập lại."
        ),
        "sign_in.failed": "Không đăng nhập được",
        "lang.switch": "English",
        "home.welcome": "Xin chào",
        "home.roles": "Vai trò",
        "role.clerk": "Văn thư",
        "role.leader": "Lãnh đạo",
        "role.specialist": "Chuyên viên",
        "role.auditor": "Kiểm soát viên",
        "role.admin": "Quản trị viên",
        "col.symbol": "Số, ký hiệu",
        "col.subject": "Trích yếu",
        "col.sender": "Nơi gửi",
        "col.arrived": "Ngày đến",
        "col.deadline": "Hạn xử lý",
        "col.status": "Trạng thái",
        "col.verification": "Kiểm tra chữ ký",
        "col.urgency": "Độ khẩn",
        "col.type": "Loại văn bản",
        "col.signer": "Người ký",
        "col.created": "Ngày tạo",
        "col.issued": "Ngày ban hành",
        "col.recipients": "Nơi nhận",
        "col.incoming_number": "Số đến",
        "empty": "Không có văn bản nào.",
        "overdue": "Quá hạn",
        "urgency.normal": "Thường",
        "urgency.khan": "Khẩn",
        "urgency.thuong_khan": "Thượng khẩn",
        "urgency.hoa_toc": "Hỏa tốc",
        "conf.none": "Không mật",
        "conf.mat": "Mật",
        "conf.toi_mat": "Tối mật",
        "conf.tuyet_mat": "Tuyệt mật",
        "state.draft": "Dự thảo",
        "state.signed": "Đã ký, chờ ban hành",
        "state.issued": "Đã ban hành",
        "verdict.passed": "Chữ ký hợp lệ",
        "verdict.failed": "Chữ ký không hợp lệ",
        "verdict.indeterminate": "Chưa xác định",
        "verdict.pending": "Đang kiểm tra",
        "upload.title": "Tải lên dự thảo văn bản",
        "upload.file": "Tệp PDF dự thảo",
        "upload.submit": "Tải lên",
        "upload.progress": "Tiến độ tải lên",
        "upload.done": "Đã tải lên dự thảo.",
        "upload.not_pdf": "Tệp đã chọn không phải PDF. Hãy chọn một tệp .pdf.",
        "upload.no_file": "Hãy chọn tệp PDF dự thảo.",
        "upload.no_subject": "Hãy nhập trích yếu.",
        "upload.no_signer": "Hãy chọn người ký.",
        "upload.recipients": "Nơi nhận (cơ quan)",
        "upload.drafting_unit": "Đơn vị soạn thảo (viết tắt, cho công văn)",
        "field.type": "Loại văn bản",
        "field.subject": "Trích yếu",
        "field.urgency": "Độ khẩn",
        "field.confidentiality": "Độ mật",
        "field.signer": "Người ký",
        "field.place": "Địa danh",
        "doc.title": "Văn bản",
        "doc.state": "Tình trạng",
        "doc.download": "Tải tệp PDF",
        "doc.pdf": "Nội dung văn bản",
        "doc.page": "Trang",
        "doc.versions": "Các phiên bản",
        "doc.sign": "Ký số",
        "doc.signing": "Đang ký…",
        "doc.signed": "Đã ký số văn bản.",
        "doc.enrolling": "Đang tạo khóa và chứng thư số trên trình duyệt…",
        "doc.issue": "Ban hành (cấp số, đóng dấu)",
        "doc.issuing": "Đang ban hành…",
        "doc.issued": "Đã ban hành văn bản",
        "doc.key_note": "Khóa bí mật được tạo và giữ trong trình duyệt này, không bao giờ gửi đi.",
        "doc.no_webcrypto": (
            "Trình duyệt không hỗ trợ ký số (WebCrypto). "
            "Hãy dùng trình duyệt mới hơn qua HTTPS."
        ),
        "doc.recipients": "Tình trạng tại nơi nhận",
        "doc.signatures": "Chữ ký số",
        "doc.check": "Kiểm tra chữ ký",
        "doc.events": "Nhật ký sự kiện",
        "doc.chain": "Chuỗi nhật ký",
        "doc.evidence": "Tải gói chứng cứ",
        "doc.etsi": "Tải báo cáo ETSI",
        "sig.signer": "Người ký",
        "sig.agency": "Cơ quan",
        "sig.time": "Thời điểm ký",
        "sig.timestamp": "Dấu thời gian",
        "sig.level": "Mức",
        "sig.changes": "Thay đổi sau khi ký",
        "sig.none": "Văn bản không có chữ ký số.",
        "mod.none": "Không có",
        "mod.form_filling": "Điền trường biểu mẫu (cho phép)",
        "mod.lta_updates": "Bổ sung dữ liệu xác thực dài hạn",
        "mod.other": "Thay đổi khác",
        "chain.ok": "Chuỗi nhật ký nguyên vẹn",
        "chain.broken": "Chuỗi nhật ký bị phá vỡ",
        "transfer.title": "Văn bản đến",
        "transfer.accept": "Tiếp nhận và vào sổ",
        "transfer.reject": "Từ chối, trả lại",
        "transfer.reason": "Lý do trả lại",
        "transfer.no_reason": "Hãy nhập lý do trả lại.",
        "transfer.assign": "Giao xử lý",
        "transfer.assignee": "Người xử lý",
        "transfer.instructions": "Ý kiến chỉ đạo",
        "transfer.deadline": "Hạn xử lý",
        "transfer.complete": "Hoàn thành xử lý",
        "transfer.start": "Bắt đầu xử lý",
        "transfer.timeline": "Diễn biến",
        "transfer.file": "Tải tệp PDF",
        "transfer.report": "Kết quả kiểm tra khi đến",
        "transfer.restricted": "Văn bản mật: chỉ văn thư, lãnh đạo và người được giao xử lý "
        "được xem nội dung.",
        "done": "Đã thực hiện.",
        "registers.title": "Sổ đăng ký văn bản",
        "registers.outgoing": "Sổ văn bản đi",
        "registers.incoming": "Sổ văn bản đến",
        "registers.year": "Năm",
        "registers.show": "Xem",
        "verify.title": "Kiểm tra chữ ký số của tệp PDF",
        "trust.title": "Chứng thư gốc tin cậy",
        "trust.lead": "Chữ ký số trên văn bản của docflow được kiểm tra theo các chứng thư gốc "
        "dưới đây. Nhập chứng thư gốc vào phần mềm đọc PDF để phần mềm đó cũng xác nhận chữ ký.",
        "trust.download": "Tải chứng thư gốc (PEM)",
        "trust.acrobat.title": "Adobe Acrobat / Acrobat Reader",
        "trust.acrobat.steps": "Vào Menu → Tùy chọn (Preferences) → Chữ ký (Signatures) → "
        "Danh tính và chứng thư tin cậy (Identities & Trusted Certificates) → Thêm (More…) → "
        "Chứng thư tin cậy (Trusted Certificates) → Nhập (Import), chọn tệp vừa tải, đánh dấu "
        "“Dùng làm gốc tin cậy” (Use this certificate as a trusted root) rồi xác nhận.",
        "trust.foxit.title": "Foxit PDF Reader",
        "trust.foxit.steps": "Vào Tệp (File) → Tùy chọn (Preferences) → Chữ ký (Signature) → "
        "Chứng thư tin cậy (Trusted Certificates) → Thêm (Add), chọn tệp vừa tải.",
        "trust.other.title": "Công cụ dòng lệnh (pdfsig, NSS)",
        "trust.other.steps": "Thêm chứng thư vào cơ sở dữ liệu NSS: certutil -A -d sql:THƯ_MỤC "
        "-n docflow -t \"CT,C,C\" -a -i docflow-trust-anchors.pem, rồi chạy pdfsig -nssdir "
        "sql:THƯ_MỤC tệp.pdf.",
        "trust.fingerprint": "Dấu vân tay SHA-256 (đối chiếu trước khi tin cậy)",
        "trust.years": "Văn bản có dấu thời gian lưu trữ (B-LTA) vẫn kiểm tra được nhiều năm sau, "
        "không cần mạng: docflow tự gia hạn dấu thời gian trước khi chứng thư của nó hết hạn.",
        "verify.file": "Tệp PDF cần kiểm tra",
        "verify.submit": "Kiểm tra",
        "verify.working": "Đang kiểm tra…",
        "verify.overall": "Kết luận",
        "verify.sha256": "Mã băm SHA-256",
        "error.title": "Không thực hiện được",
        "error.refused": "Bạn không có quyền thực hiện việc này.",
        "error.not_found": "Không tìm thấy.",
        "error.network": "Không kết nối được máy chủ. Hãy thử lại.",
        "error.server": "Máy chủ báo lỗi",
        "back_home": "Về trang chính",
        "loading": "Đang tải…",
    },
    "en": {
        "app": "docflow — Electronic documents",
        "skip": "Skip to content",
        "nav.inbox": "Incoming",
        "nav.outbox": "Outgoing",
        "nav.drafts": "Drafts",
        "nav.upload": "Upload a draft",
        "nav.to_sign": "Awaiting my signature",
        "nav.registers": "Registers",
        "nav.verify": "Verify signatures",
        "nav.menu": "Menu",
        "sign_in": "Sign in",
        "sign_out": "Sign out",
        "username": "Username",
        "password": "Password",
        "sign_in.expired": (
            "Your session has expired or you are not signed in. Please sign in again."
        ),
        "sign_in.failed": "Could not sign in",
        "lang.switch": "Tiếng Việt",
        "home.welcome": "Welcome",
        "home.roles": "Roles",
        "role.clerk": "Clerk",
        "role.leader": "Leader",
        "role.specialist": "Specialist",
        "role.auditor": "Auditor",
        "role.admin": "Administrator",
        "col.symbol": "Number and symbol",
        "col.subject": "Subject",
        "col.sender": "Sender",
        "col.arrived": "Arrived",
        "col.deadline": "Deadline",
        "col.status": "Status",
        "col.verification": "Signature check",
        "col.urgency": "Urgency",
        "col.type": "Type",
        "col.signer": "Signer",
        "col.created": "Created",
        "col.issued": "Issued",
        "col.recipients": "Recipients",
        "col.incoming_number": "Incoming no.",
        "empty": "No documents.",
        "overdue": "Overdue",
        "urgency.normal": "Normal",
        "urgency.khan": "Urgent",
        "urgency.thuong_khan": "Very urgent",
        "urgency.hoa_toc": "Flash",
        "conf.none": "Not confidential",
        "conf.mat": "Confidential",
        "conf.toi_mat": "Secret",
        "conf.tuyet_mat": "Top secret",
        "state.draft": "Draft",
        "state.signed": "Signed, awaiting issue",
        "state.issued": "Issued",
        "verdict.passed": "Signatures valid",
        "verdict.failed": "Signatures invalid",
        "verdict.indeterminate": "Indeterminate",
        "verdict.pending": "Checking",
        "upload.title": "Upload a draft document",
        "upload.file": "Draft PDF file",
        "upload.submit": "Upload",
        "upload.progress": "Upload progress",
        "upload.done": "The draft was uploaded.",
        "upload.not_pdf": "The chosen file is not a PDF. Choose a .pdf file.",
        "upload.no_file": "Choose the draft PDF file.",
        "upload.no_subject": "Enter the subject.",
        "upload.no_signer": "Choose the signer.",
        "upload.recipients": "Recipients (agencies)",
        "upload.drafting_unit": "Drafting unit (abbreviation, for official letters)",
        "field.type": "Document type",
        "field.subject": "Subject",
        "field.urgency": "Urgency",
        "field.confidentiality": "Confidentiality",
        "field.signer": "Signer",
        "field.place": "Place",
        "doc.title": "Document",
        "doc.state": "State",
        "doc.download": "Download PDF",
        "doc.pdf": "The document",
        "doc.page": "Page",
        "doc.versions": "Versions",
        "doc.sign": "Sign",
        "doc.signing": "Signing…",
        "doc.signed": "The document is signed.",
        "doc.enrolling": "Creating a key and certificate in this browser…",
        "doc.issue": "Issue (number and seal)",
        "doc.issuing": "Issuing…",
        "doc.issued": "The document was issued",
        "doc.key_note": "The private key is made and kept in this browser and never sent anywhere.",
        "doc.no_webcrypto": (
            "This browser cannot sign (no WebCrypto). Use a recent browser over HTTPS."
        ),
        "doc.recipients": "Status at each recipient",
        "doc.signatures": "Digital signatures",
        "doc.check": "Check signatures",
        "doc.events": "Audit events",
        "doc.chain": "Audit chain",
        "doc.evidence": "Download evidence bundle",
        "doc.etsi": "Download ETSI report",
        "sig.signer": "Signer",
        "sig.agency": "Agency",
        "sig.time": "Signing time",
        "sig.timestamp": "Timestamp",
        "sig.level": "Level",
        "sig.changes": "Changes after signing",
        "sig.none": "The document carries no digital signature.",
        "mod.none": "None",
        "mod.form_filling": "Form filling (allowed)",
        "mod.lta_updates": "Long-term validation data added",
        "mod.other": "Other changes",
        "chain.ok": "The audit chain is intact",
        "chain.broken": "The audit chain is broken",
        "transfer.title": "Incoming document",
        "transfer.accept": "Accept and register",
        "transfer.reject": "Reject and return",
        "transfer.reason": "Reason for returning",
        "transfer.no_reason": "Enter the reason for returning it.",
        "transfer.assign": "Assign",
        "transfer.assignee": "Assignee",
        "transfer.instructions": "Instructions",
        "transfer.deadline": "Deadline",
        "transfer.complete": "Mark completed",
        "transfer.start": "Start handling",
        "transfer.timeline": "Timeline",
        "transfer.file": "Download PDF",
        "transfer.report": "Check on arrival",
        "transfer.restricted": "Confidential document: only clerks, leaders and the people "
        "it is assigned to may see its content.",
        "done": "Done.",
        "registers.title": "Document registers",
        "registers.outgoing": "Outgoing register",
        "registers.incoming": "Incoming register",
        "registers.year": "Year",
        "registers.show": "Show",
        "verify.title": "Verify the signatures of a PDF file",
        "trust.title": "Trusted root certificates",
        "trust.lead": "docflow checks the signatures of its documents against the root "
        "certificates below. Import them into your PDF reader so it confirms the signatures too.",
        "trust.download": "Download the root certificates (PEM)",
        "trust.acrobat.title": "Adobe Acrobat / Acrobat Reader",
        "trust.acrobat.steps": "Menu → Preferences → Signatures → Identities & Trusted "
        "Certificates → More… → Trusted Certificates → Import, choose the downloaded file, tick "
        "“Use this certificate as a trusted root” and confirm.",
        "trust.foxit.title": "Foxit PDF Reader",
        "trust.foxit.steps": "File → Preferences → Signature → Trusted Certificates → Add, "
        "choose the downloaded file.",
        "trust.other.title": "Command-line tools (pdfsig, NSS)",
        "trust.other.steps": "Add the certificate to an NSS database: certutil -A -d sql:DIR -n "
        "docflow -t \"CT,C,C\" -a -i docflow-trust-anchors.pem, then run pdfsig -nssdir sql:DIR "
        "file.pdf.",
        "trust.fingerprint": "SHA-256 fingerprint (compare it before trusting)",
        "trust.years": "Documents with an archive timestamp (B-LTA) remain verifiable for years, "
        "offline: docflow renews the timestamp before its certificate expires.",
        "verify.file": "PDF file to verify",
        "verify.submit": "Verify",
        "verify.working": "Verifying…",
        "verify.overall": "Verdict",
        "verify.sha256": "SHA-256",
        "error.title": "This could not be done",
        "error.refused": "You are not allowed to do this.",
        "error.not_found": "Not found.",
        "error.network": "The server could not be reached. Try again.",
        "error.server": "The server answered",
        "back_home": "Back to the start page",
        "loading": "Loading…",
    },
}


# The outgoing deliveries page's strings live beside it (this file is long enough).
for _lang, _strings in DELIVERY_STRINGS.items():
    CATALOGUE[_lang].update(_strings)
for _lang, _strings in NOTIFICATION_STRINGS.items():
    CATALOGUE[_lang].update(_strings)


def translator(lang: str) -> Any:
    """``t(key)`` for ``lang``: the string, else the Vietnamese one, else the key."""
    strings = CATALOGUE.get(lang, CATALOGUE[DEFAULT_LANG])
    fallback = CATALOGUE[DEFAULT_LANG]

    def t(key: str) -> str:
        return strings.get(key) or fallback.get(key) or key

    return t


def _as_datetime(value: datetime | str | None) -> datetime | None:
    if value is None or value == "":
        return None
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(VIETNAM)


def vn_date(value: datetime | str | None) -> str:
    """``dd/mm/yyyy`` in Vietnam time; empty for nothing."""
    moment = _as_datetime(value)
    return moment.strftime("%d/%m/%Y") if moment else ""


def vn_datetime(value: datetime | str | None) -> str:
    """``HH:MM dd/mm/yyyy`` in Vietnam time; empty for nothing."""
    moment = _as_datetime(value)
    return moment.strftime("%H:%M %d/%m/%Y") if moment else ""
