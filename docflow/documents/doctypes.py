"""The 29 kinds of administrative document of Decree 30/2020 (Article 7, Appendix III),
kept as data: key, Vietnamese name, English name, abbreviation used in the symbol.

``cong_van`` and ``thu_cong`` have no abbreviation: their symbol is built from the
issuing agency and the drafting unit (``125/UBND-VP``).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DOCUMENT_TYPES", "DocumentType", "document_type"]


@dataclass(frozen=True)
class DocumentType:
    key: str
    """Identifier used in the API (``quyet_dinh``)."""
    name: str
    """Vietnamese name (``Quyết định``)."""
    english: str
    """English translation, for documentation and logs."""
    abbreviation: str | None
    """Abbreviation in the number and symbol (``QĐ``); ``None`` for letters."""


_TYPES: tuple[tuple[str, str, str, str | None], ...] = (
    ("nghi_quyet", "Nghị quyết", "Resolution", "NQ"),
    ("quyet_dinh", "Quyết định", "Decision", "QĐ"),
    ("chi_thi", "Chỉ thị", "Directive", "CT"),
    ("quy_che", "Quy chế", "Regulation", "QC"),
    ("quy_dinh", "Quy định", "Rules", "QyĐ"),
    ("thong_cao", "Thông cáo", "Communiqué", "TC"),
    ("thong_bao", "Thông báo", "Notice", "TB"),
    ("huong_dan", "Hướng dẫn", "Guidance", "HD"),
    ("chuong_trinh", "Chương trình", "Programme", "CTr"),
    ("ke_hoach", "Kế hoạch", "Plan", "KH"),
    ("phuong_an", "Phương án", "Scheme", "PA"),
    ("de_an", "Đề án", "Proposal scheme", "ĐA"),
    ("du_an", "Dự án", "Project", "DA"),
    ("bao_cao", "Báo cáo", "Report", "BC"),
    ("bien_ban", "Biên bản", "Minutes", "BB"),
    ("to_trinh", "Tờ trình", "Submission", "TTr"),
    ("hop_dong", "Hợp đồng", "Contract", "HĐ"),
    ("cong_van", "Công văn", "Official letter", None),
    ("cong_dien", "Công điện", "Telegram", "CĐ"),
    ("ban_ghi_nho", "Bản ghi nhớ", "Memorandum of understanding", "GN"),
    ("ban_thoa_thuan", "Bản thỏa thuận", "Agreement", "TTh"),
    ("giay_uy_quyen", "Giấy ủy quyền", "Authorization", "GUQ"),
    ("giay_moi", "Giấy mời", "Invitation", "GM"),
    ("giay_gioi_thieu", "Giấy giới thiệu", "Introduction letter", "GGT"),
    ("giay_nghi_phep", "Giấy nghỉ phép", "Leave permit", "GNP"),
    ("phieu_gui", "Phiếu gửi", "Dispatch slip", "PG"),
    ("phieu_chuyen", "Phiếu chuyển", "Transfer slip", "PC"),
    ("phieu_bao", "Phiếu báo", "Notification slip", "PB"),
    ("thu_cong", "Thư công", "Official correspondence", None),
)

#: Every document type by key, in the order of the decree.
DOCUMENT_TYPES: dict[str, DocumentType] = {
    key: DocumentType(key, name, english, abbrev) for key, name, english, abbrev in _TYPES
}


def document_type(key: str) -> DocumentType:
    """The type named ``key``; ``KeyError`` naming the valid keys otherwise."""
    try:
        return DOCUMENT_TYPES[key]
    except KeyError:
        raise KeyError(
            f"{key!r} is not a document type of Decree 30; use one of " + ", ".join(DOCUMENT_TYPES)
        ) from None
