"""Words of the upload page and of a draft's confirmation and warnings (vi, en).

Kept beside the pages that use them until the message catalogue takes them over:
``{limit}``, ``{size}``, ``{subject}`` and ``{symbol}`` are filled in by the page (the
upload script fills ``{size}`` and ``{limit}`` itself).
"""

from __future__ import annotations

from typing import Any

__all__ = ["DONE_KEYS", "UPLOAD_WORDS", "done_message", "words"]

UPLOAD_WORDS: dict[str, dict[str, str]] = {
    "vi": {
        "upload.limit": "Dung lượng tối đa của một lần tải lên: {limit} MB.",
        "upload.too_large": (
            "Tệp quá lớn: {size} MB, vượt giới hạn {limit} MB của một lần tải lên. Tệp "
            "chưa được gửi đi. Hãy giảm dung lượng (ví dụ nén ảnh trong PDF) rồi tải lên lại."
        ),
        "upload.no_recipients": (
            "Chưa chọn nơi nhận: khi ban hành, văn bản sẽ không được gửi đến cơ quan nào. "
            "Hãy chọn nơi nhận, hoặc bấm “Tải lên” lần nữa để vẫn tải lên."
        ),
        "doc.no_recipients": (
            "Dự thảo này chưa có nơi nhận: khi ban hành, văn bản chỉ được lưu tại cơ quan "
            "và không được gửi đến cơ quan nào."
        ),
        "done.uploaded": "Đã tải lên dự thảo “{subject}”.",
        "done.signed": "Đã ký số văn bản “{subject}”.",
        "done.issued": "Đã ban hành văn bản số {symbol}.",
        "upload.approvers": "Người duyệt, ký trước lãnh đạo (theo thứ tự)",
        "upload.approvers_hint": (
            "Không bắt buộc. Đánh dấu theo thứ tự ký: người được đánh dấu trước ký trước; "
            "lãnh đạo ký sau cùng."
        ),
        "upload.approver_is_signer": (
            "{name} là người ký nên ký sau cùng, không thể đồng thời là người duyệt. Hãy "
            "bỏ đánh dấu người này trong danh sách người duyệt."
        ),
        "upload.readers": "Người được đọc văn bản mật",
        "upload.readers_hint": (
            "Chọn những người trong cơ quan được đọc văn bản mật này (không bắt buộc)."
        ),
        "upload.attachments": "Phụ lục (các tệp PDF, không bắt buộc)",
        "upload.attachments_hint": "Có thể chọn nhiều tệp PDF cùng lúc, tối đa {count} tệp.",
        "upload.attachment_not_pdf": (
            "Phụ lục “{name}” không phải tệp PDF. Hãy chọn lại các phụ lục, chỉ gồm tệp .pdf."
        ),
        "upload.too_many_attachments": (
            "Đã chọn {n} phụ lục, nhiều hơn {count} tệp cho phép. Hãy chọn lại ít phụ lục hơn."
        ),
        "upload.total_too_large": (
            "Tệp dự thảo và phụ lục cộng lại {size} MB, vượt giới hạn {limit} MB của một lần "
            "tải lên. Chưa có gì được gửi đi. Hãy bớt phụ lục hoặc giảm dung lượng tệp."
        ),
        "place.title": "Vị trí số, ngày tháng và chữ ký",
        "place.hint": (
            "Kéo các ô đến chỗ trống trên trang 1, hoặc bấm vào một ô rồi dùng phím mũi tên "
            "(giữ Shift để đi xa hơn). Nếu không di chuyển ô nào, hệ thống tự đặt các ô vào "
            "chỗ không có chữ."
        ),
        "place.number": "Số/ký hiệu",
        "place.date": "Ngày tháng",
        "place.signature": "Chữ ký",
        "place.move": "{name}: kéo hoặc dùng phím mũi tên để di chuyển",
        "place.reset": "Đặt lại vị trí mặc định",
        "place.unreadable": (
            "Không xem trước được trang 1 của tệp này: các ô số, ngày tháng và chữ ký sẽ "
            "được đặt ở vị trí mặc định."
        ),
    },
    "en": {
        "upload.limit": "Largest upload: {limit} MB.",
        "upload.too_large": (
            "The file is too large: {size} MB, over the {limit} MB limit of one upload. "
            "Nothing was sent. Make it smaller (e.g. compress the PDF's images) and upload "
            "it again."
        ),
        "upload.no_recipients": (
            "No recipient chosen: once issued, the document goes to no agency. Choose the "
            "recipients, or press “Upload” again to upload it anyway."
        ),
        "doc.no_recipients": (
            "This draft has no recipients: once issued, it is kept by the agency and sent "
            "to no one."
        ),
        "done.uploaded": "The draft “{subject}” was uploaded.",
        "done.signed": "The document “{subject}” is signed.",
        "done.issued": "Document {symbol} was issued.",
        "upload.approvers": "Approvers, signing before the leader (in order)",
        "upload.approvers_hint": (
            "Optional. Tick them in signing order: the first ticked signs first; the "
            "leader signs last."
        ),
        "upload.approver_is_signer": (
            "{name} is the signer and signs last, so cannot also approve. Untick this "
            "person in the list of approvers."
        ),
        "upload.readers": "Named readers of the confidential document",
        "upload.readers_hint": (
            "Choose the people of your agency who may read this confidential document "
            "(optional)."
        ),
        "upload.attachments": "Attachments (PDF files, optional)",
        "upload.attachments_hint": "You may choose several PDF files at once, at most {count}.",
        "upload.attachment_not_pdf": (
            "The attachment “{name}” is not a PDF. Choose the attachments again, .pdf files only."
        ),
        "upload.too_many_attachments": (
            "{n} attachments chosen, more than the {count} allowed. Choose fewer attachments."
        ),
        "upload.total_too_large": (
            "The draft and its attachments together are {size} MB, over the {limit} MB limit "
            "of one upload. Nothing was sent. Leave out attachments or make the files smaller."
        ),
        "place.title": "Where the number, date and signature go",
        "place.hint": (
            "Drag the boxes to a free place on page 1, or click a box and use the arrow "
            "keys (hold Shift to move further). If no box is moved, the system puts them "
            "where the page has no text."
        ),
        "place.number": "Number",
        "place.date": "Date",
        "place.signature": "Signature",
        "place.move": "{name}: drag or use the arrow keys to move",
        "place.reset": "Reset to the default places",
        "place.unreadable": (
            "Page 1 of this file cannot be previewed: the number, date and signature "
            "boxes go to their default places."
        ),
    },
}

DONE_KEYS = ("uploaded", "signed", "issued")
"""What ``?done=`` may name on a document's page (the confirmation after the reload)."""


def words(lang: str) -> dict[str, str]:
    return UPLOAD_WORDS.get(lang, UPLOAD_WORDS["vi"])


def done_message(lang: str, done: str | None, doc: dict[str, Any]) -> str | None:
    """The confirmation for ``?done=…`` once the action is visible in ``doc`` (a view of
    the document), else ``None``: a stale or hand-typed flag confirms nothing."""
    if done not in DONE_KEYS:
        return None
    reached = {"uploaded": True, "signed": doc["state"] != "draft", "issued": doc["symbol"]}
    if not reached[done]:
        return None
    subject = doc["subject"] if len(doc["subject"]) <= 120 else doc["subject"][:119] + "…"
    return words(lang)[f"done.{done}"].format(subject=subject, symbol=doc["symbol"])
