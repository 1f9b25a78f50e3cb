"""Coverage and modification facts, and a plain-language list of later changes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import suppress
from typing import Any

from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import DiffResult, ModificationLevel, SuspiciousModification
from pyhanko.sign.validation import EmbeddedPdfSignature
from pyhanko.sign.validation.status import (
    ModificationInfo,
    SignatureCoverageLevel,
)

from signing._failures import MALFORMED
from signing._failures import reason as _reason
from signing.validation._policy import DOCFLOW_DIFF_POLICY
from signing.validation.model import (
    Coverage,
    ModificationKind,
    Modifications,
)


def _coverage(level: SignatureCoverageLevel | None) -> Coverage:
    if level == SignatureCoverageLevel.ENTIRE_FILE:
        return Coverage.ENTIRE_FILE
    if level == SignatureCoverageLevel.ENTIRE_REVISION:
        return Coverage.ENTIRE_REVISION
    if level is None:
        return Coverage.UNKNOWN
    return Coverage.PARTIAL


def _modifications(info: ModificationInfo) -> Modifications:
    diff = info.diff_result
    if isinstance(diff, SuspiciousModification):
        return Modifications(ModificationKind.OTHER, details=(_reason(diff),))
    changed: tuple[str, ...] = ()
    if isinstance(diff, DiffResult):
        changed = tuple(sorted(str(f) for f in diff.changed_form_fields))
    level = info.modification_level
    kind = {
        None: ModificationKind.UNKNOWN,
        ModificationLevel.NONE: ModificationKind.NONE,
        ModificationLevel.LTA_UPDATES: ModificationKind.LTA_UPDATES,
        ModificationLevel.FORM_FILLING: ModificationKind.FORM_FILLING,
    }.get(level, ModificationKind.OTHER)
    details: tuple[str, ...] = ()
    if kind is ModificationKind.OTHER and info.coverage != SignatureCoverageLevel.ENTIRE_REVISION:
        details = ("The signature does not cover the whole revision it belongs to.",)
    return Modifications(kind, changed_form_fields=changed, details=details)


def _mod_sentence(mods: Modifications, summary: list[str] | None = None) -> str:
    if summary:
        return "The document was modified after signing: " + "; ".join(summary) + "."
    what = "; ".join(mods.details) if mods.details else "changes outside the accepted kinds"
    return f"The document was modified after signing: {what}"


_MAX_DESCRIBED = 200
#: What a later revision did, in English and Vietnamese.
_VERBS = {"adds": "thêm", "changes": "thay đổi"}
_THINGS = {
    "page": "trang",
    "a page": "một trang",
    "a form field widget": "một ô hiển thị của trường biểu mẫu",
    "an annotation": "một chú thích",
    "the document catalog": "danh mục gốc của tài liệu",
    "a signature": "một chữ ký",
    "a font": "một phông chữ",
    "a xobject": "một đối tượng đồ họa",
    "form field": "trường biểu mẫu",
    "a content stream": "một luồng nội dung",
}


def _vi(phrase: str) -> str:
    verb, _, thing = phrase.partition(" ")
    for en, vi in sorted(_THINGS.items(), key=lambda kv: -len(kv[0])):
        if thing.startswith(en):
            return f"{_VERBS.get(verb, verb)} {vi}{thing[len(en):]}"
    return f"{_VERBS.get(verb, verb)} {thing}"


def describe_changes(reader: PdfFileReader, signed_revision: int) -> list[str]:
    """Plain-language list of what later revisions changed (pages, annotations, ...)."""
    return [en for en, _vi_text in describe_changes_bilingual(reader, signed_revision)]


def describe_changes_bilingual(
    reader: PdfFileReader, signed_revision: int, only: int | None = None
) -> list[tuple[str, str]]:
    """:func:`describe_changes` as (English, Vietnamese) pairs; ``only``: describe just
    that (0-based) revision, the one the difference analysis refused."""
    out: list[tuple[str, str]] = []
    try:
        page_numbers: dict[tuple[int, int], int] = {}
        with suppress(*MALFORMED):  # changed pages are then named without their number
            for i, (_page, ref) in enumerate(_iter_page_refs(reader)):
                page_numbers[(ref.idnum, ref.generation)] = i + 1
        total = reader.xrefs.total_revisions
        revisions = range(signed_revision + 1, total)
        if only is not None and only in revisions:
            revisions = range(only, only + 1)
        for rev in revisions:
            things: list[str] = []
            refs = sorted(
                reader.xrefs.explicit_refs_in_revision(rev), key=lambda r: (r.idnum, r.generation)
            )[:_MAX_DESCRIBED]
            for ref in refs:
                try:
                    obj = reader.get_object(ref, revision=rev)  # type: ignore[no-untyped-call]
                except MALFORMED:
                    continue
                what = _classify(
                    obj,
                    page_numbers.get((ref.idnum, ref.generation)),
                    reader.xrefs.get_introducing_revision(ref) == rev,
                )
                if what and what not in things:
                    things.append(what)
            ltv_only = {
                "changes the document catalog",
                "adds a content stream",
                "changes a content stream",
                "adds a signature",
            }
            if things and set(things) <= ltv_only and _has_dss(reader, rev):
                continue  # validation data (DSS) and document timestamps: LTA updates
            if things:
                out.append(
                    (
                        f"revision {rev + 1} " + ", ".join(things),
                        f"bản sửa đổi {rev + 1} " + ", ".join(_vi(t) for t in things),
                    )
                )
    except MALFORMED:  # what was described up to the unreadable part
        return out
    return out


def refused_revision(emb: EmbeddedPdfSignature) -> int | None:
    """The first (0-based) revision pyHanko's difference analysis refuses after ``emb``:
    the one to describe (the ones before it only added signatures and validation data)."""
    reader = emb.reader
    try:
        base = reader.get_historical_resolver(emb.signed_revision)
        for rev in range(emb.signed_revision + 1, reader.xrefs.total_revisions):
            try:
                DOCFLOW_DIFF_POLICY.apply(
                    base,
                    reader.get_historical_resolver(rev),
                    field_mdp_spec=emb.fieldmdp,
                    doc_mdp=emb.docmdp_level,
                )
            except SuspiciousModification:
                return rev
    except MALFORMED:  # then every later revision is described
        return None
    return None


def _has_dss(reader: PdfFileReader, revision: int) -> bool:
    try:
        root = reader.get_historical_root(revision)
        return "/DSS" in root
    except MALFORMED:
        return False


def _iter_page_refs(reader: PdfFileReader) -> Iterator[tuple[Any, Any]]:
    def walk(node_ref: Any, depth: int = 0) -> Iterator[tuple[Any, Any]]:
        node = node_ref.get_object()
        if depth > 50:
            return
        if node.get("/Type") == "/Pages":
            for kid in node.get("/Kids", []):
                yield from walk(kid, depth + 1)
        else:
            yield node, node_ref.reference

    yield from walk(reader.root.raw_get("/Pages"))


def _classify(obj: Any, page_no: int | None, new: bool) -> str | None:
    verb = "adds" if new else "changes"
    try:
        typ = obj.get("/Type") if hasattr(obj, "get") else None
        subtype = obj.get("/Subtype") if hasattr(obj, "get") else None
        if typ == "/Page":
            return f"{verb} page {page_no}" if page_no else f"{verb} a page"
        if typ == "/Annot" or (subtype is not None and "/Rect" in obj):
            if subtype == "/Widget":
                return f"{verb} a form field widget"
            return f"{verb} an annotation ({str(subtype).lstrip('/')})"
        if typ == "/Catalog":
            return f"{verb} the document catalog"
        if typ in ("/Sig", "/DocTimeStamp"):
            return f"{verb} a signature"
        if typ == "/Font" or typ == "/XObject" and subtype == "/Form":
            return f"{verb} a {str(typ).lstrip('/').lower()}"
        if "/FT" in obj:
            return f"{verb} form field {obj.get('/T', '')}".rstrip()
        if hasattr(obj, "data") and typ is None:
            return f"{verb} a content stream"
    except MALFORMED:
        return None
    return None
