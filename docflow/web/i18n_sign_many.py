"""The strings of signing several drafts at once (the "to sign" list's ticks, the
confirmation page ``/to-sign/confirm``, its per-document steps and summary) and of the
steps the document page shows while it signs; merged into the catalogue by
``docflow.web.i18n``."""

from __future__ import annotations

__all__ = ["SIGN_MANY_STRINGS"]

SIGN_MANY_STRINGS: dict[str, dict[str, str]] = {
    "vi": {
        "signmany.select": "Chọn",
        "signmany.select_row": "Chọn để ký văn bản",
        "signmany.choose": "Ký các văn bản đã chọn",
        "signmany.title": "Xác nhận ký số nhiều văn bản",
        "signmany.lead": "Các dự thảo sau sẽ được ký lần lượt bằng khóa trên máy này. Hãy "
        "xem lại từng văn bản trước khi ký.",
        "signmany.confirm": "Ký số {n} văn bản: {names}",
        "signmany.preview": "Xem trước",
        "signmany.open": "Mở trang văn bản (tab mới)",
        "signmany.hide": "Ẩn bản xem trước",
        "signmany.none": "Chưa chọn văn bản nào. Hãy quay lại danh sách chờ ký và đánh dấu "
        "các dự thảo cần ký.",
        "signmany.too_many": "Chọn quá nhiều văn bản: mỗi lần ký tối đa {max} văn bản.",
        "signmany.skipped_h": "Không ký được lúc này",
        "signmany.not_signer": "Bạn không phải người ký văn bản này; văn bản đã được bỏ ra.",
        "signmany.not_draft": "Văn bản không còn chờ ký (đã ký, bị trả lại hoặc đã rút); "
        "văn bản đã được bỏ ra.",
        "signmany.waits_for": "Văn bản đang chờ {name} ký trước (thứ tự ký); văn bản đã "
        "được bỏ ra.",
        "signmany.nothing": "Không có văn bản nào ký được trong các văn bản đã chọn.",
        "signmany.back": "Quay lại danh sách chờ ký",
        "err.sign_many_leaders": "Chỉ lãnh đạo ký số các dự thảo được giao cho mình.",
        "signmany.working": "Đang ký…",
        "signmany.summary": "Đã ký {ok} văn bản; {failed} văn bản không ký được.",
        "signmany.all_done": "Đã ký tất cả {ok} văn bản.",
        "signmany.finished": "Đã ký xong",
        "sign.step.prepare": "Chuẩn bị",
        "sign.step.sign": "Ký bằng khóa trên máy",
        "sign.step.complete": "Hoàn tất",
        "sign.step.failed": "Lỗi",
        "sign.steps": "Các bước ký",
        "issue.steps": "Các bước ban hành",
        "issue.step.seal": "Kiểm tra chữ ký, lấy số và đóng dấu cơ quan",
        "issue.step.send": "Gửi tới nơi nhận",
        "issue.send_later": "Văn bản đã ban hành; hệ thống sẽ tự gửi lại tới nơi nhận.",
    },
    "en": {
        "signmany.select": "Select",
        "signmany.select_row": "Select for signing",
        "signmany.choose": "Sign the selected documents",
        "signmany.title": "Confirm signing several documents",
        "signmany.lead": "The drafts below will be signed one after the other with the key "
        "in this browser. Review each document before signing.",
        "signmany.confirm": "Sign {n} documents: {names}",
        "signmany.preview": "Preview",
        "signmany.open": "Open the document page (new tab)",
        "signmany.hide": "Hide the preview",
        "signmany.none": "No document was selected. Go back to the list to sign and tick the "
        "drafts to sign.",
        "signmany.too_many": "Too many documents selected: at most {max} at a time.",
        "signmany.skipped_h": "Cannot be signed now",
        "signmany.not_signer": "You are not the signer of this document; it was left out.",
        "signmany.not_draft": "The document no longer waits for a signature (signed, returned "
        "or withdrawn); it was left out.",
        "signmany.waits_for": "The document waits for {name} to sign first (signing order); "
        "it was left out.",
        "signmany.nothing": "None of the selected documents can be signed.",
        "signmany.back": "Back to the list to sign",
        "err.sign_many_leaders": "Only leaders sign the drafts given to them.",
        "signmany.working": "Signing…",
        "signmany.summary": "{ok} documents signed; {failed} could not be signed.",
        "signmany.all_done": "All {ok} documents are signed.",
        "signmany.finished": "Signing finished",
        "sign.step.prepare": "Preparing",
        "sign.step.sign": "Signing with the key in this browser",
        "sign.step.complete": "Done",
        "sign.step.failed": "Failed",
        "sign.steps": "Signing steps",
        "issue.steps": "Issuing steps",
        "issue.step.seal": "Checking the signature, numbering and sealing",
        "issue.step.send": "Sending to the recipients",
        "issue.send_later": (
            "The document is issued; docflow will send it to the recipients again by itself."
        ),
    },
}
