"""The refusal of a received package: every coded problem, in the error and its answer."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from docflow.core.errors import InvalidInput
from docflow.exchange import edxml

__all__ = ["PackageRejected", "PackageUnreadable", "refusal"]


def refusal(code: str, en: str, vi: str, where: str | None = None) -> edxml.Problem:
    """A problem of the receiving side (not in the edXML library's catalogue)."""
    return edxml.Problem(code=code, en=en, vi=vi, severity=edxml.Severity.ERROR, where=where)


def _line(p: edxml.Problem) -> str:
    return f"{p.code}{' ' + p.where if p.where else ''}: {p.en}"


class PackageRejected(InvalidInput):
    """422: the package is refused; ``problems`` says why (``extra`` in the answer)."""

    def __init__(self, lead: str, problems: Iterable[edxml.Problem]) -> None:
        self.problems: tuple[edxml.Problem, ...] = tuple(problems)
        lines = "; ".join(_line(p) for p in self.problems)
        super().__init__(f"{lead}: {lines}" if lines else f"{lead}.")

    @property
    def codes(self) -> list[str]:
        return [p.code for p in self.problems]

    @property
    def extra(self) -> list[dict[str, Any]]:
        return [p.to_dict() for p in self.problems]

    def lines(self) -> list[str]:
        """One line per problem, ``<code> <where>: <sentence>``."""
        return [_line(p) for p in self.problems]


class PackageUnreadable(PackageRejected):
    """422: not a readable edXML package at all (malformed XML, DOCTYPE, limits, ...)."""
