"""Findings about changes after signing, in Vietnamese and English from one catalogue.

A finding has a stable ``code`` (for clients and tests), the facts it is about (field,
page, revision) and its sentence in both languages. Revision and page numbers are
1-based, as a reader counts them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["Finding", "field_label", "finding"]

# code -> (English, Vietnamese); {field} is a label from field_label()
_CATALOGUE: dict[str, tuple[str, str]] = {
    "field_changed": (
        "{Field} was changed after this signature (revision {revision}).",
        "{Field_vi} đã bị thay đổi sau chữ ký này (bản sửa đổi {revision}).",
    ),
    "field_filled_locked": (
        "{Field} was filled in after this signature, which locks it (revision {revision}).",
        "{Field_vi} đã được điền sau chữ ký này, trong khi chữ ký này đã khóa trường đó "
        "(bản sửa đổi {revision}).",
    ),
    "field_filled_unsigned": (
        "{Field} was filled in revision {revision}, which carries no valid signature: a "
        "field may be filled only together with the signature that vouches for it.",
        "{Field_vi} đã được điền ở bản sửa đổi {revision}, bản này không kèm chữ ký hợp lệ "
        "nào: một trường chỉ được điền cùng với chữ ký xác nhận nó.",
    ),
    "field_repainted": (
        "What {field} shows on page {page} was changed after this signature (revision {revision}).",
        "Nội dung hiển thị của {field_vi} trên trang {page} đã bị thay đổi sau chữ ký này "
        "(bản sửa đổi {revision}).",
    ),
    "field_deleted": (
        "{Field} was removed after this signature (revision {revision}).",
        "{Field_vi} đã bị xóa sau chữ ký này (bản sửa đổi {revision}).",
    ),
    "new_field": (
        "A new form field {name} was added after this signature (revision {revision}).",
        "Một trường biểu mẫu mới {name} đã được thêm sau chữ ký này (bản sửa đổi {revision}).",
    ),
    "new_field_paints": (
        "A new signature field {name} paints on page {page} without a signature "
        "(revision {revision}).",
        "Một trường chữ ký mới {name} hiển thị trên trang {page} mà không có chữ ký "
        "(bản sửa đổi {revision}).",
    ),
    "new_field_bad_signature": (
        "A new signature field {name} paints on page {page}, but the signature in it does "
        "not validate (revision {revision}).",
        "Một trường chữ ký mới {name} hiển thị trên trang {page}, nhưng chữ ký trong đó "
        "không hợp lệ (bản sửa đổi {revision}).",
    ),
    "field_bad_signature": (
        "{Field} was signed on page {page} with a signature that does not validate "
        "(revision {revision}).",
        "{Field_vi} trên trang {page} đã được ký bằng một chữ ký không hợp lệ "
        "(bản sửa đổi {revision}).",
    ),
    "signature_replaced": (
        "The signature in {field} was replaced after this signature (revision {revision}).",
        "Chữ ký trong {field_vi} đã bị thay thế sau chữ ký này (bản sửa đổi {revision}).",
    ),
    "form_unreadable": (
        "The form fields of revision {revision} could not all be read, so what it changed "
        "cannot be confirmed.",
        "Không đọc được toàn bộ các trường biểu mẫu của bản sửa đổi {revision}, nên không "
        "xác nhận được những gì đã thay đổi.",
    ),
    "too_many_revisions": (
        "The document has {count} revisions after this signature; at most {limit} are "
        "checked, so later changes cannot be confirmed.",
        "Tài liệu có {count} bản sửa đổi sau chữ ký này; chỉ kiểm tra tối đa {limit}, nên "
        "không xác nhận được các thay đổi về sau.",
    ),
    "modified": (
        "The document was modified after signing: {what}.",
        "Tài liệu đã bị sửa đổi sau khi ký: {what_vi}.",
    ),
    "trailing_bytes": (
        "{count} bytes after the end of the last revision (%%EOF) are not part of any "
        "revision: something was appended without a cross-reference section.",
        "{count} byte sau điểm kết thúc của bản sửa đổi cuối cùng (%%EOF) không thuộc bản "
        "sửa đổi nào: có nội dung được nối thêm mà không có bảng tham chiếu chéo.",
    ),
}

#: Fields docflow names, as a clerk calls them.
_KNOWN_FIELDS: dict[str, tuple[str, str]] = {
    "so_van_ban": ("the number field", "trường số văn bản"),
    "ngay_ban_hanh": ("the date field", "trường ngày ban hành"),
    "DauCoQuan": ("the agency seal field", "trường chữ ký số của cơ quan"),
    "ChuKyLanhDao": ("the signer's signature field", "trường chữ ký của người ký"),
    "DauDen": ("the incoming stamp field", "trường dấu đến"),
}


def field_label(name: str) -> tuple[str, str]:
    """How a field is called in a sentence (English, Vietnamese)."""
    known = _KNOWN_FIELDS.get(name)
    if known is not None:
        return known[0] + f" ({name})", known[1] + f" ({name})"
    return f"the field {name}", f"trường {name}"


@dataclass(frozen=True)
class Finding:
    """One named change (or problem) with its sentence in both languages."""

    code: str
    en: str
    vi: str
    revision: int | None = None
    field: str | None = None
    page: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "en": self.en,
            "vi": self.vi,
            "revision": self.revision,
            "field": self.field,
            "page": self.page,
        }


def finding(code: str, *, field: str | None = None, **facts: Any) -> Finding:
    """The finding ``code`` about ``field`` with ``facts`` (revision, page, ...)."""
    en, vi = _CATALOGUE[code]
    params = dict(facts)
    if field is not None:
        label_en, label_vi = field_label(field)
        params.update(
            field=label_en,
            field_vi=label_vi,
            Field=label_en[0].upper() + label_en[1:],
            Field_vi=label_vi[0].upper() + label_vi[1:],
            name=field,
        )
    params.setdefault("what_vi", params.get("what", ""))
    return Finding(
        code=code,
        en=en.format(**params),
        vi=vi.format(**params),
        revision=facts.get("revision"),
        field=field,
        page=facts.get("page"),
    )
