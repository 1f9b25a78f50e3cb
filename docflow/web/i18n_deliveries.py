"""The outgoing deliveries page's strings (``/deliveries``), Vietnamese and English;
``docflow.web.i18n`` adds them to its catalogue."""

from __future__ import annotations

__all__ = ["DELIVERY_STRINGS"]

DELIVERY_STRINGS: dict[str, dict[str, str]] = {
    "vi": {
        "deliveries.title": "Gửi liên thông: gói tin đi",
        "deliveries.lead": "Văn bản đã ban hành gửi tới cơ quan ngoài hệ thống qua trục liên "
        "thông. Giờ theo giờ Việt Nam.",
        "deliveries.empty": "Chưa có gói tin nào gửi đi.",
        "deliveries.peer": "Hệ thống nhận",
        "deliveries.attempts": "Số lần gửi",
        "deliveries.error": "Lỗi gần nhất",
        "deliveries.when": "Thời điểm",
        "deliveries.action": "Thao tác",
        "deliveries.next_at": "Gửi tiếp lúc",
        "deliveries.delivered_at": "Đã gửi lúc",
        "deliveries.state.pending": "Đang chờ gửi",
        "deliveries.state.delivered": "Đã gửi thành công",
        "deliveries.state.failed": "Gửi không thành công",
        "deliveries.retry": "Gửi lại",
        "deliveries.retried": "Đã đặt gửi lại; hệ thống sẽ gửi trong giây lát:",
        "deliveries.stale": "Gói tin này không còn ở trạng thái gửi không thành công "
        "(đã được gửi lại hoặc đã gửi được):",
        "deliveries.peer_said": "Hệ thống nhận trả lời:",
        "deliveries.details": "Chi tiết kỹ thuật (cho quản trị viên)",
        "deliveries.err.unreachable": "Không kết nối được với hệ thống nhận (máy chủ không trả "
        "lời hoặc địa chỉ kết nối sai).",
        "deliveries.err.timeout": "Hệ thống nhận không trả lời trong thời gian chờ.",
        "deliveries.err.busy": "Hệ thống nhận đang bận hoặc gặp sự cố (mã {status}).",
        "deliveries.err.auth": "Hệ thống nhận không chấp nhận quyền gửi của cơ quan (mã "
        "{status}): quản trị viên cần kiểm tra mã truy cập của kết nối.",
        "deliveries.err.address": "Địa chỉ nhận của hệ thống kia không đúng (mã 404): quản trị "
        "viên cần kiểm tra địa chỉ kết nối.",
        "deliveries.err.conflict": "Hệ thống nhận đã có một văn bản cùng mã định danh nhưng "
        "nội dung khác (mã 409).",
        "deliveries.err.too_large": "Gói tin lớn hơn mức hệ thống nhận chấp nhận (mã 413).",
        "deliveries.err.refused": "Hệ thống nhận từ chối gói tin (mã {status}).",
        "deliveries.todo.wait": "Hệ thống sẽ tự gửi lại vào thời điểm ghi bên cạnh.",
        "deliveries.todo.retry": "Khắc phục nguyên nhân (hoặc báo quản trị viên) rồi bấm "
        "“Gửi lại”.",
        "deliveries.status_report": "Báo trạng thái xử lý:",
        "nav.deliveries": "Gửi liên thông",
    },
    "en": {
        "deliveries.title": "Outgoing packages to other systems",
        "deliveries.lead": "Issued documents sent to agencies outside this system over the "
        "exchange axis. Times are Vietnam time.",
        "deliveries.empty": "No package has been sent yet.",
        "deliveries.peer": "Receiving system",
        "deliveries.attempts": "Attempts",
        "deliveries.error": "Last error",
        "deliveries.when": "When",
        "deliveries.action": "Action",
        "deliveries.next_at": "Next attempt at",
        "deliveries.delivered_at": "Delivered at",
        "deliveries.state.pending": "Waiting to be sent",
        "deliveries.state.delivered": "Delivered",
        "deliveries.state.failed": "Failed",
        "deliveries.retry": "Send again",
        "deliveries.retried": "It will be sent again in a moment:",
        "deliveries.stale": "This package is no longer failed (it was sent again or got through):",
        "deliveries.peer_said": "The receiving system answered:",
        "deliveries.details": "Technical details (for the administrator)",
        "deliveries.err.unreachable": "The receiving system could not be reached (no answer, "
        "or a wrong address).",
        "deliveries.err.timeout": "The receiving system did not answer in time.",
        "deliveries.err.busy": "The receiving system is busy or has a problem (code {status}).",
        "deliveries.err.auth": "The receiving system does not accept our credentials (code "
        "{status}): the administrator must check the connection's access token.",
        "deliveries.err.address": "The receiving address is wrong (code 404): the "
        "administrator must check the connection's address.",
        "deliveries.err.conflict": "The receiving system already has a document with the same "
        "identifier but other content (code 409).",
        "deliveries.err.too_large": "The package is larger than the receiving system accepts "
        "(code 413).",
        "deliveries.err.refused": "The receiving system refused the package (code {status}).",
        "deliveries.todo.wait": "It will be sent again automatically at the time shown.",
        "deliveries.todo.retry": "Fix the cause (or tell the administrator), then press "
        "“Send again”.",
        "deliveries.status_report": "Status report:",
        "nav.deliveries": "Deliveries",
    },
}
