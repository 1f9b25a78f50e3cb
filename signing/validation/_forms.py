# mypy: disallow-untyped-calls=False
"""What the form looks like in each revision: fields, values and what their widgets paint.

pyHanko's difference analysis proves that a later revision changed nothing but form
fields, signatures and validation data; it judges filling a field, changing a value or
adding a new signature field with an appearance all "form filling". The rules of a signed
document (``signing.validation._rules``) need to know *which* of those happened, so this
module takes a snapshot of the form per revision and lists the differences.
"""

from __future__ import annotations

import contextlib
import hashlib
from dataclasses import dataclass, field
from typing import Any

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import HistoricalResolver, PdfFileReader

from signing._failures import MALFORMED

__all__ = ["FieldState", "FormEvent", "FormSnapshot", "diff_forms", "snapshot"]

#: Objects followed when digesting one appearance (fonts, images, nested forms).
_MAX_APPEARANCE_OBJECTS = 400
#: Fields read per revision (hostile files may declare millions).
MAX_FIELDS = 5000


@dataclass(frozen=True)
class WidgetState:
    page: int | None
    """0-based page the widget sits on (from ``/P`` or the pages' ``/Annots``)."""
    visible: bool
    """Whether it has an area and is not hidden (``/F`` hidden or no-view)."""
    look: str
    """Digest of everything that decides what it paints: rectangle, flags, appearance."""


@dataclass(frozen=True)
class FieldState:
    name: str
    kind: str
    """``/Tx``, ``/Sig``, ``/Btn``, ``/Ch`` or ``?``."""
    value: str | None
    """Digest of ``/V`` (``None``: empty)."""
    widgets: tuple[WidgetState, ...]

    @property
    def visible(self) -> bool:
        return any(w.visible for w in self.widgets)

    @property
    def pages(self) -> tuple[int, ...]:
        return tuple(sorted({w.page for w in self.widgets if w.page is not None}))


@dataclass
class FormSnapshot:
    fields: dict[str, FieldState] = field(default_factory=dict)
    truncated: bool = False


@dataclass(frozen=True)
class FormEvent:
    """One difference between two revisions' forms."""

    kind: str
    """``new``, ``filled``, ``changed`` (value), ``repainted`` (widgets), ``deleted``."""
    name: str
    before: FieldState | None
    after: FieldState | None

    @property
    def state(self) -> FieldState:
        found = self.after or self.before
        assert found is not None
        return found


def _digest(obj: Any, seen: set[tuple[int, int]], budget: list[int], out: Any) -> None:
    """Feed a canonical serialisation of ``obj`` (following references) into ``out``."""
    if budget[0] <= 0:
        out.update(b"<...>")
        return
    if isinstance(obj, generic.IndirectObject):
        key = (obj.idnum, obj.generation)
        out.update(b"R%d" % obj.idnum)
        if key in seen:
            return
        seen.add(key)
        budget[0] -= 1
        try:
            obj = obj.get_object()
        except MALFORMED:  # a dangling reference digests as such
            out.update(b"<dangling>")
            return
    if isinstance(obj, generic.StreamObject):
        out.update(b"S")
        _digest_dict(obj, seen, budget, out)
        out.update(hashlib.sha256(obj.encoded_data).digest())
    elif isinstance(obj, generic.DictionaryObject):
        _digest_dict(obj, seen, budget, out)
    elif isinstance(obj, generic.ArrayObject):
        out.update(b"[")
        for item in obj:
            _digest(item, seen, budget, out)
        out.update(b"]")
    elif isinstance(obj, generic.TextStringObject | generic.ByteStringObject):
        out.update(b"(" + obj.original_bytes + b")")
    else:
        out.update(repr(obj).encode("utf-8", "replace") + b" ")


def _digest_dict(obj: Any, seen: set[tuple[int, int]], budget: list[int], out: Any) -> None:
    out.update(b"<<")
    for key in sorted(obj.keys()):
        if key in ("/Parent", "/P"):  # back-links: the page itself is not the look
            continue
        out.update(str(key).encode())
        _digest(obj.raw_get(key), seen, budget, out)
    out.update(b">>")


def digest_of(*objs: Any) -> str:
    out = hashlib.sha256()
    budget = [_MAX_APPEARANCE_OBJECTS]
    for obj in objs:
        _digest(obj, set(), budget, out)
    return out.hexdigest()


def _annot_pages(root: Any) -> dict[tuple[int, int], int]:
    """Which page lists which annotation, by reference."""
    pages: dict[tuple[int, int], int] = {}
    index = [0]

    def walk(node_ref: Any, depth: int) -> None:
        if depth > 64 or index[0] > 100_000:
            return
        node = node_ref.get_object()
        kids = node.get("/Kids") if hasattr(node, "get") else None
        if node.get("/Type") == "/Pages" and kids is not None:
            for kid in kids:
                walk(kid, depth + 1)
            return
        for annot in node.get("/Annots", ()) or ():
            if isinstance(annot, generic.IndirectObject):
                pages.setdefault((annot.idnum, annot.generation), index[0])
        index[0] += 1

    # an odd page tree leaves widgets without a known page, nothing worse
    with contextlib.suppress(*MALFORMED):
        walk(root.raw_get("/Pages"), 0)
    return pages


def _widget(ref: Any, obj: Any, pages: dict[tuple[int, int], int]) -> WidgetState:
    page = None
    if isinstance(ref, generic.IndirectObject):
        page = pages.get((ref.idnum, ref.generation))
    try:
        x1, y1, x2, y2 = (float(v) for v in obj.get("/Rect", (0, 0, 0, 0)))
        area = abs(x2 - x1) * abs(y2 - y1)
    except (TypeError, ValueError):
        area = 0.0
    try:
        flags = int(obj.get("/F", 0))
    except (TypeError, ValueError):
        flags = 0
    hidden = bool(flags & 0b100010)  # Hidden (2) or NoView (32)
    look = digest_of(obj.raw_get("/Rect") if "/Rect" in obj else None, flags, obj.get("/AP"))
    return WidgetState(page=page, visible=area > 0 and not hidden, look=look)


def snapshot(resolver: HistoricalResolver | PdfFileReader) -> FormSnapshot:
    """The form of one revision (``reader.get_historical_resolver(rev)``)."""
    snap = FormSnapshot()
    try:
        root = resolver.root  # resolved within the revision, references too
        fields = root["/AcroForm"]["/Fields"]
    except MALFORMED:  # no form, or an unreadable one: nothing to compare
        return snap
    pages = _annot_pages(root)
    count = [0]

    def walk(ref: Any, prefix: str, inherited_ft: str | None, depth: int) -> None:
        if depth > 32 or count[0] >= MAX_FIELDS:
            snap.truncated = snap.truncated or count[0] >= MAX_FIELDS
            return
        obj = ref.get_object()
        if not isinstance(obj, generic.DictionaryObject):
            return
        count[0] += 1
        part = obj.get("/T")
        name = f"{prefix}.{part}" if prefix and part is not None else str(part or prefix)
        ft = str(obj.get("/FT", inherited_ft or "?"))
        kids = list(obj.get("/Kids", ()) or ())
        named_kids = [k for k in kids if "/T" in k.get_object()]
        if named_kids:
            for kid in named_kids:
                walk(kid, name, ft, depth + 1)
            return
        widget_refs = kids or [ref]
        widgets = tuple(_widget(w, w.get_object(), pages) for w in widget_refs)
        value = obj.raw_get("/V") if "/V" in obj else None
        value_digest = None
        if value is not None and not isinstance(value, generic.NullObject):
            # a signature value is identified by where it lives, not its (huge) contents
            if isinstance(value, generic.IndirectObject) and ft == "/Sig":
                value_digest = f"ref {value.idnum} {value.generation}"
            else:
                value_digest = digest_of(value)
        snap.fields[name] = FieldState(name, ft, value_digest, widgets)

    try:
        for ref in fields:
            walk(ref, "", None, 0)
    except MALFORMED:  # a broken field tree: compare what was read
        snap.truncated = True
    return snap


def diff_forms(old: FormSnapshot, new: FormSnapshot) -> list[FormEvent]:
    """What changed in the form from ``old`` to ``new``."""
    events: list[FormEvent] = []
    for name, after in new.fields.items():
        before = old.fields.get(name)
        if before is None:
            events.append(FormEvent("new", name, None, after))
            continue
        if before.value != after.value:
            kind = "filled" if before.value is None else "changed"
            events.append(FormEvent(kind, name, before, after))
        elif [w.look for w in before.widgets] != [w.look for w in after.widgets]:
            events.append(FormEvent("repainted", name, before, after))
    for name, before in old.fields.items():
        if name not in new.fields:
            events.append(FormEvent("deleted", name, before, None))
    return events
