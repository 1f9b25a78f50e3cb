"""The notifications page's and the bell's strings (``/notifications``), Vietnamese and
English; ``docflow.web.i18n`` adds them to its catalogue. Each kind's title comes
from ``docflow.notifications.texts`` (the e-mails say the same)."""

from __future__ import annotations

from docflow.notifications.texts import KIND_TITLES

__all__ = ["NOTIFICATION_STRINGS"]

_PAGE: dict[str, dict[str, str]] = {
    "vi": {
        "notices.title": "Thông báo",
        "notices.bell": "Thông báo",
        "notices.unread": "{n} thông báo chưa đọc",
        "notices.empty": "Chưa có thông báo nào.",
        "notices.confidential": "Văn bản mật (không hiển thị trích yếu)",
        "notices.no_symbol": "Chưa có số",
        "notices.new": "Mới",
        "notices.mark_read": "Đánh dấu đã đọc",
        "notices.mark_all": "Đánh dấu tất cả đã đọc",
        "notices.open": "Mở văn bản",
        "notices.when": "Thời điểm",
        "notices.what": "Nội dung",
        "notices.older": "Cũ hơn",
        "notices.newer": "Mới hơn",
        "notices.prefs": "Chọn cách nhận thông báo",
        "notices.prefs_lead": "Với mỗi loại thông báo, chọn hiển thị trong trang và/hoặc gửi "
        "thư điện tử tới địa chỉ dưới đây.",
        "notices.kind": "Loại thông báo",
        "notices.in_page": "Trong trang",
        "notices.by_email": "Thư điện tử",
        "notices.email": "Địa chỉ thư điện tử",
        "notices.language": "Ngôn ngữ của thư",
        "notices.save": "Lưu lựa chọn",
        "notices.saved": "Đã lưu lựa chọn nhận thông báo.",
        "notices.no_smtp": "Máy chủ chưa cấu hình gửi thư điện tử: hiện chỉ có thông báo trong "
        "trang.",
        "notices.due_date": "Hạn xử lý (không bắt buộc)",
        "notices.due": "Hạn xử lý",
        "lang.vi": "Tiếng Việt",
        "lang.en": "Tiếng Anh",
    },
    "en": {
        "notices.title": "Notifications",
        "notices.bell": "Notifications",
        "notices.unread": "{n} unread notifications",
        "notices.empty": "No notifications yet.",
        "notices.confidential": "Confidential document (subject not shown)",
        "notices.no_symbol": "Not numbered yet",
        "notices.new": "New",
        "notices.mark_read": "Mark as read",
        "notices.mark_all": "Mark all as read",
        "notices.open": "Open the document",
        "notices.when": "When",
        "notices.what": "What",
        "notices.older": "Older",
        "notices.newer": "Newer",
        "notices.prefs": "How you receive notifications",
        "notices.prefs_lead": "For each kind, choose to see it in the page and/or receive an "
        "e-mail at the address below.",
        "notices.kind": "Kind",
        "notices.in_page": "In the page",
        "notices.by_email": "E-mail",
        "notices.email": "E-mail address",
        "notices.language": "Language of the e-mails",
        "notices.save": "Save choices",
        "notices.saved": "Your notification choices are saved.",
        "notices.no_smtp": "This server sends no e-mail yet: notifications appear in the page "
        "only.",
        "notices.due_date": "Handling due date (optional)",
        "notices.due": "Handling due date",
        "lang.vi": "Vietnamese",
        "lang.en": "English",
    },
}

NOTIFICATION_STRINGS: dict[str, dict[str, str]] = {
    lang: {**strings, **{f"notices.kind.{k}": v for k, v in KIND_TITLES[lang].items()}}
    for lang, strings in _PAGE.items()
}
