"""Errors this package raises, rooted in one base error that carries coded problems."""

from __future__ import annotations

from collections.abc import Iterable

from docflow.exchange.edxml.messages import Problem

__all__ = ["EdxmlError", "PackageInvalid", "PackageRefused", "PackageTooLarge", "SigningFailed"]


class EdxmlError(Exception):
    """Root of every error raised on purpose; ``problems`` says why, in both languages.

    ``str(error)`` is the English sentence(s); ``code`` is the first problem's code.
    """

    def __init__(self, problems: Problem | Iterable[Problem]) -> None:
        found = (problems,) if isinstance(problems, Problem) else tuple(problems)
        if not found:
            raise ValueError("an EdxmlError needs at least one problem")
        self.problems: tuple[Problem, ...] = found
        super().__init__(" ".join(p.en for p in found))

    @property
    def code(self) -> str:
        return self.problems[0].code


class PackageRefused(EdxmlError):
    """The input cannot be read as an edXML package (malformed XML, DOCTYPE, entity,
    missing envelope, limits exceeded while reading); nothing of it may be used."""


class PackageTooLarge(PackageRefused):
    """The package (read or about to be written) is over the size limit."""


class PackageInvalid(EdxmlError):
    """The package to build breaks the format or the axis rules; ``problems`` lists all."""


class SigningFailed(EdxmlError):
    """The key could not produce a usable XML signature (unsupported key or mechanism,
    a token error, or a signature that does not verify under its own certificate)."""
