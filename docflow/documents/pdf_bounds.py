"""Bounds on an uploaded PDF, checked at upload (in a signing worker, with a time limit)
before it can reach any step that holds a lock: how many pages, and whether its page
tree is a tree at all.

A page tree that names one page 300,000 times, loops back on itself, is missing or is
not made of dictionaries is refused here with a reason; otherwise the work it causes
would surface at issuance, after the leader signed, inside the register's lock.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from docflow.core.keys import JobRefused
from docflow.documents.signing_jobs import job_add_fields

if TYPE_CHECKING:
    from pyhanko.pdf_utils import generic

__all__ = ["MAX_PAGES", "MAX_TREE_NODES", "job_check_attachment", "job_check_page_tree"]

#: Pages accepted in one file (a long report with annexes stays far below).
MAX_PAGES = 3000
#: Page-tree nodes visited at most (intermediate nodes and pages together).
MAX_TREE_NODES = 2 * MAX_PAGES


def _refuse(reason: str) -> JobRefused:
    return JobRefused(f"The PDF cannot be accepted: {reason}.", "pdf_structure")


def _deref(ref: generic.IndirectObject) -> generic.PdfObject:
    """The object an ``IndirectObject`` points to, through its typed ``Reference`` (whose
    ``get_object`` follows chains of references like ``IndirectObject.get_object``,
    which pyHanko leaves unannotated)."""
    reference: generic.Reference = ref.reference
    return reference.get_object()


def _count_pages(root: Any) -> int:
    from pyhanko.pdf_utils import generic

    pages_ref = root.raw_get("/Pages") if "/Pages" in root else None
    if pages_ref is None:
        raise _refuse("it has no page tree (/Pages)")
    count = root["/Pages"].get("/Count") if isinstance(root["/Pages"], dict) else None
    if isinstance(count, int) and count > MAX_PAGES:
        raise _refuse(f"it declares {count} pages; at most {MAX_PAGES} are accepted")
    seen: set[tuple[int, int]] = set()
    stack: list[Any] = [pages_ref]
    pages = nodes = 0
    while stack:
        ref = stack.pop()
        if isinstance(ref, generic.IndirectObject):
            key = (ref.idnum, ref.generation)
            if key in seen:
                raise _refuse("its page tree refers to the same node twice (a loop or a "
                              "shared page)")
            seen.add(key)
            ref = _deref(ref)
        nodes += 1
        if nodes > MAX_TREE_NODES:
            raise _refuse(f"its page tree has more than {MAX_TREE_NODES} nodes")
        if not isinstance(ref, generic.DictionaryObject):
            raise _refuse("its page tree holds something that is not a dictionary")
        if ref.get("/Type") == "/Pages" or "/Kids" in ref:
            kids = ref.raw_get("/Kids") if "/Kids" in ref else None
            kids = _deref(kids) if isinstance(kids, generic.IndirectObject) else kids
            if not isinstance(kids, generic.ArrayObject):
                raise _refuse("a node of its page tree has no list of kids")
            if len(kids) > MAX_TREE_NODES:
                raise _refuse(f"a node of its page tree has {len(kids)} kids")
            stack.extend(reversed(kids))
        else:
            pages += 1
            if pages > MAX_PAGES:
                raise _refuse(f"it has more than {MAX_PAGES} pages")
    if pages == 0:
        raise _refuse("it has no pages")
    return pages


def job_check_page_tree(src: str) -> int:
    """The number of pages of ``src``; ``JobRefused`` when its page tree is missing,
    malformed, loops, or is beyond ``MAX_PAGES``."""
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader

    try:
        with open(src, "rb") as handle:
            return _count_pages(PdfFileReader(handle, strict=False).root)
    except JobRefused:
        raise
    except (PdfError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        raise _refuse(f"its structure cannot be read ({type(exc).__name__}: {exc})") from None


def job_check_attachment(src: str, scratch: str) -> int:
    """An attachment gets the main file's checks: the page tree, and a trial of the
    revision the agency's signature will add at issuance (written to ``scratch``)."""
    pages = job_check_page_tree(src)
    job_add_fields(src, scratch, {})
    return pages
