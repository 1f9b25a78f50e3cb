"""What each kind of notice says, in Vietnamese and English (the page's catalogue,
``docflow.web.i18n_notifications``, takes its titles from here, and so do e-mails)."""

from __future__ import annotations

__all__ = ["EMAIL_TEXTS", "KIND_TITLES", "title"]

KIND_TITLES: dict[str, dict[str, str]] = {
    "vi": {
        "to_sign": "Dự thảo chờ ký",
        "to_issue": "Văn bản đã ký chờ ban hành",
        "arrived": "Văn bản đến mới",
        "assigned": "Văn bản được phân công xử lý",
        "refused": "Văn bản bị từ chối",
        "recalled": "Văn bản bị thu hồi",
        "delivery_failed": "Gửi liên thông không thành công",
        "due_soon": "Văn bản sắp đến hạn xử lý",
        "overdue": "Văn bản quá hạn xử lý",
        "returned": "Dự thảo bị trả lại",
        "audit_broken": "Nhật ký kiểm tra bị phá vỡ",
    },
    "en": {
        "to_sign": "Draft awaiting your signature",
        "to_issue": "Signed document awaiting issuance",
        "arrived": "New incoming document",
        "assigned": "Document assigned to you",
        "refused": "Document refused",
        "recalled": "Document recalled",
        "delivery_failed": "Delivery to another system failed",
        "due_soon": "Handling deadline approaching",
        "overdue": "Handling deadline passed",
        "returned": "Draft returned to you",
        "audit_broken": "The audit trail is broken",
    },
}

EMAIL_TEXTS: dict[str, dict[str, str]] = {
    "vi": {
        "greeting": "Kính gửi {name},",
        "document": "Văn bản: {what}",
        "confidential": "(văn bản mật: trích yếu không gửi qua thư điện tử)",
        "no_symbol": "chưa có số",
        "note": "Ý kiến: {note}",
        "open": "Xem văn bản: {link}",
        "open_audit": "Xem nhật ký kiểm tra: {link}",
        "settings": "Chọn loại thông báo nhận qua thư điện tử: {link}",
        "footer": "Thư gửi tự động từ hệ thống quản lý văn bản docflow; vui lòng không trả lời.",
    },
    "en": {
        "greeting": "Dear {name},",
        "document": "Document: {what}",
        "confidential": "(confidential document: its subject is not sent by e-mail)",
        "no_symbol": "not numbered yet",
        "note": "Comment: {note}",
        "open": "Open the document: {link}",
        "open_audit": "Open the audit trail: {link}",
        "settings": "Choose which notifications you receive by e-mail: {link}",
        "footer": "Sent automatically by docflow, the document management system; "
        "please do not reply.",
    },
}


def title(kind: str, lang: str) -> str:
    titles = KIND_TITLES.get(lang, KIND_TITLES["vi"])
    return titles.get(kind, kind)
