"""Hand-built hostile PDFs for the upload bounds: a page tree with hundreds of thousands
of page references, a page-tree cycle, no ``/Pages``, a malformed dictionary."""

from __future__ import annotations


def assemble(objects: list[bytes], root: int = 1) -> bytes:
    """A classic-xref PDF of ``objects`` (object n is ``objects[n-1]``)."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, root, xref,
    )
    return bytes(out)


_PAGE = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>"
_CONTENT = b"<< /Length 0 >>\nstream\n\nendstream"


def many_page_references(count: int = 300_000) -> bytes:
    """One page object referenced ``count`` times from the page tree (~6 bytes each)."""
    kids = b" ".join([b"3 0 R"] * count)
    return assemble([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % count,
        _PAGE,
        _CONTENT,
    ])


def page_tree_cycle() -> bytes:
    """The root's kid is an intermediate node whose kid is the root again."""
    return assemble([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Pages /Parent 2 0 R /Kids [2 0 R] /Count 1 >>",
        _CONTENT,
    ])


def no_pages() -> bytes:
    return assemble([b"<< /Type /Catalog >>", _CONTENT])


def malformed_dictionary() -> bytes:
    """The page dictionary is cut off (no closing ``>>``)."""
    return assemble([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R",
        _CONTENT,
    ])
