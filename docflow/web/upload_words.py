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
