"""The strings of the everyday working views: the PDF viewer's toolbar, the transfer
page's assignment and completion, the upload page's recipients rule; merged into the
catalogue by ``docflow.web.i18n``."""

from __future__ import annotations

__all__ = ["WORKPLACE_STRINGS"]

WORKPLACE_STRINGS: dict[str, dict[str, str]] = {
    "vi": {
        "pdf.toolbar": "Xem văn bản",
        "pdf.prev": "Trang trước",
        "pdf.next": "Trang sau",
        "pdf.page_of": "Trang {page}/{pages}",
        "pdf.zoom_in": "Phóng to",
        "pdf.zoom_out": "Thu nhỏ",
        "pdf.fit_width": "Vừa chiều rộng",
        "transfer.assigned_to": "Đã giao cho {name}, hạn {deadline}",
        "transfer.assigned_to_no_deadline": "Đã giao cho {name}, không đặt hạn",
        "transfer.no_assignees": "Cơ quan chưa có ai (văn thư, lãnh đạo, chuyên viên đang "
        "làm việc) để giao xử lý.",
        "transfer.complete_after_assign": "Lãnh đạo giao xử lý trước, rồi mới hoàn thành.",
        "err.not_assigned": "Văn bản đến này chưa được giao cho ai xử lý: lãnh đạo giao "
        "xử lý trước, rồi người được giao (hoặc văn thư) mới báo hoàn thành.",
        "err.assignee_not_handler": "Người này không nhận giao xử lý được: hãy chọn một "
        "văn thư, lãnh đạo hoặc chuyên viên đang làm việc ở cơ quan.",
        "upload.recipients_required": "Chưa chọn nơi nhận: dự thảo chưa được tải lên. Hãy "
        "chọn ít nhất một nơi nhận; nếu là văn bản nội bộ, không gửi cơ quan nào, hãy đánh "
        "dấu ô “Văn bản nội bộ” rồi bấm “Tải lên”.",
        "upload.internal_only": "Văn bản nội bộ: chỉ lưu tại cơ quan, không gửi cơ quan nào",
    },
    "en": {
        "pdf.toolbar": "Document viewer",
        "pdf.prev": "Previous page",
        "pdf.next": "Next page",
        "pdf.page_of": "Page {page}/{pages}",
        "pdf.zoom_in": "Zoom in",
        "pdf.zoom_out": "Zoom out",
        "pdf.fit_width": "Fit width",
        "transfer.assigned_to": "Assigned to {name}, due {deadline}",
        "transfer.assigned_to_no_deadline": "Assigned to {name}, no deadline set",
        "transfer.no_assignees": "Your agency has nobody (an active clerk, leader or "
        "specialist) to assign it to.",
        "transfer.complete_after_assign": "A leader assigns it first; it is completed "
        "after that.",
        "err.not_assigned": "Nobody has been assigned this incoming document yet: a "
        "leader assigns it first, then the assignee (or a clerk) completes it.",
        "err.assignee_not_handler": "This person cannot be assigned documents: choose an "
        "active clerk, leader or specialist of your agency.",
        "upload.recipients_required": "No recipient chosen: the draft was not uploaded. "
        "Choose at least one recipient; for an internal document sent to no other agency, "
        "tick “Internal document” and press “Upload”.",
        "upload.internal_only": "Internal document: kept by the agency, sent to no other agency",
    },
}
