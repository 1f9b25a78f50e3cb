"""The rules of a signed document, on top of pyHanko's difference analysis.

pyHanko proves that the revisions after a signature changed only form fields, signatures
and validation data, and enforces each signature's FieldMDP lock. It still judges as
"form filling" a value changed after signing, an empty field filled with text that covers
the page, and a new signature field whose appearance paints on the page. A document means
what its signatures vouched for, so after a signature docflow accepts only:

- validation data and document timestamps (pyHanko's LTA updates);
- a signature in its own field: an existing empty one, or a new field filled in the same
  revision; when the field is visible, that signature must itself validate (an incoming
  "ĐẾN" stamp is a recipient agency's seal in a new visible field);
- filling an *empty* field the signature does not lock, in a revision that also carries
  a signature that validates (the number and date, filled in the seal's own revision).

Everything else is a named change that fails the signature: a changed value, an appearance
repainted, a field filled without a signature, a new unsigned field that paints, a field
removed. Findings come in Vietnamese and English (``signing.validation.messages``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import BinaryIO

from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.fields import FieldMDPSpec

from signing._failures import MALFORMED
from signing.validation._forms import FormEvent, FormSnapshot, diff_forms, snapshot
from signing.validation.messages import Finding, finding

__all__ = ["MAX_REVISIONS_CHECKED", "SignedField", "judge_later_changes", "trailing_garbage"]

#: Revisions after the first signature whose forms are compared (docflow makes < 20).
MAX_REVISIONS_CHECKED = 200


@dataclass(frozen=True)
class SignedField:
    """A signature as the rules see it."""

    field: str
    revision: int
    """0-based revision that filled the field (pyHanko's ``signed_revision``)."""
    lock: FieldMDPSpec | None
    valid: bool
    """Whether the signature itself (integrity, signer, trust) passed, before these rules."""


def _page(event: FormEvent) -> int:
    pages = event.state.pages
    return pages[0] + 1 if pages else 1


def _judge_revision(
    sig: SignedField,
    revision: int,
    events: list[FormEvent],
    signed_here: dict[str, SignedField],
) -> list[Finding]:
    out: list[Finding] = []
    rev = revision + 1
    vouched = any(s.valid for s in signed_here.values())
    for ev in events:
        st = ev.state
        if ev.kind == "deleted":
            out.append(finding("field_deleted", field=ev.name, revision=rev))
        elif ev.kind == "new" and st.kind != "/Sig":
            out.append(finding("new_field", field=ev.name, revision=rev))
        elif ev.kind in ("new", "filled") and st.kind == "/Sig":
            filler = signed_here.get(ev.name)
            if not st.visible:
                continue  # an approval or a document timestamp: paints nothing
            if filler is None:
                if ev.kind == "new":
                    out.append(
                        finding("new_field_paints", field=ev.name, page=_page(ev), revision=rev)
                    )
                else:  # a value that is no signature (or an unreadable one) in a visible field
                    out.append(finding("field_changed", field=ev.name, revision=rev))
            elif not filler.valid:
                code = "new_field_bad_signature" if ev.kind == "new" else "field_bad_signature"
                out.append(finding(code, field=ev.name, page=_page(ev), revision=rev))
        elif ev.kind == "filled":
            if sig.lock is not None and sig.lock.is_locked(ev.name):
                out.append(finding("field_filled_locked", field=ev.name, revision=rev))
            elif not vouched:
                out.append(finding("field_filled_unsigned", field=ev.name, revision=rev))
        elif ev.kind == "changed":
            code = "signature_replaced" if st.kind == "/Sig" else "field_changed"
            out.append(finding(code, field=ev.name, revision=rev))
        elif ev.kind == "repainted":
            out.append(finding("field_repainted", field=ev.name, page=_page(ev), revision=rev))
    return out


def judge_later_changes(
    reader: PdfFileReader, signatures: Sequence[SignedField]
) -> dict[str, list[Finding]]:
    """For every signature, the changes after it that the document's rules forbid."""
    if not signatures:
        return {}
    total = int(reader.xrefs.total_revisions)
    first = min(s.revision for s in signatures)
    results: dict[str, list[Finding]] = {s.field: [] for s in signatures}
    if total - 1 - first > MAX_REVISIONS_CHECKED:
        for s in signatures:
            results[s.field].append(
                finding(
                    "too_many_revisions",
                    count=total - 1 - s.revision,
                    limit=MAX_REVISIONS_CHECKED,
                )
            )
        return results
    snaps: dict[int, FormSnapshot] = {}

    def snap(rev: int) -> FormSnapshot:
        if rev not in snaps:
            snaps[rev] = snapshot(reader.get_historical_resolver(rev))
        return snaps[rev]

    by_revision: dict[int, dict[str, SignedField]] = {}
    for s in signatures:
        by_revision.setdefault(s.revision, {})[s.field] = s
    diffs: dict[int, list[FormEvent]] = {}
    unreadable: set[int] = set()
    for rev in range(first + 1, total):
        before, after = snap(rev - 1), snap(rev)
        diffs[rev] = diff_forms(before, after)
        if after.truncated:
            unreadable.add(rev)
        snaps.pop(rev - 1, None)
    for s in signatures:
        for rev in range(s.revision + 1, total):
            if rev in unreadable:
                results[s.field].append(finding("form_unreadable", revision=rev + 1))
            results[s.field] += _judge_revision(s, rev, diffs[rev], by_revision.get(rev, {}))
    return results


_WHITESPACE = b" \t\r\n\f\x00"
#: Bytes after the furthest cross-reference data searched for its ``%%EOF``.
_TAIL_WINDOW = 1 << 16


def trailing_garbage(reader: PdfFileReader, stream: BinaryIO, size: int) -> int:
    """How many bytes lie after the end of the file's last revision that belong to no
    revision (0: none). The end is the first ``%%EOF`` after the furthest cross-reference
    data any revision declares, so an object appended after it — even one followed by a
    ``startxref`` that points back at the old cross-reference section — is counted."""
    try:
        xrefs = reader.xrefs
        end = max(
            xrefs.get_xref_container_info(rev).end_location
            for rev in range(int(xrefs.total_revisions))
        )
    except MALFORMED:  # no usable xref metadata: nothing to say
        return 0
    if end >= size:
        return 0
    stream.seek(end)
    tail = stream.read(min(size - end, _TAIL_WINDOW))
    stream.seek(0)
    at = tail.find(b"%%EOF")
    if at < 0:
        return 0 if size - end <= _TAIL_WINDOW else size - end
    rest = tail[at + 5 :]
    beyond = size - end - len(tail)  # not read: counted as they are
    return len(rest.strip(_WHITESPACE)) + beyond
