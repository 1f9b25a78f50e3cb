"""Every checkpoint as each source holds it (the database, the object store, an auditor's
exported copies), compared: missing, altered or forged checkpoints become problems, and
the copies' digests become the per-row reference the log is checked against."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from docflow.audit.checkpoint_sign import CheckpointCopy, Statement, parse_statement, read_copy

__all__ = ["Claim", "CheckpointBook", "SignatureCheck"]

#: ``(statement, signature, token) -> (valid, problems)``
SignatureCheck = Callable[[bytes, bytes, bytes], Awaitable[tuple[bool, tuple[str, ...]]]]


@dataclass(frozen=True)
class Claim:
    """One checkpoint: its statement's claims, its signed bytes, and where it was read."""

    statement: Statement
    signed: tuple[bytes, bytes, bytes]
    source: str
    row: Any = None


@dataclass
class CheckpointBook:
    """Built from the database rows and ``copies`` (source name -> {store name: bytes})."""

    claims: dict[int, Claim] = field(default_factory=dict)
    copies: dict[str, dict[int, CheckpointCopy]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    in_database: int = 0

    @classmethod
    def build(cls, rows: list[Any], copies: Mapping[str, Mapping[str, bytes]] | None) -> Any:
        book = cls(in_database=len(rows))
        for row in rows:
            try:
                claims = parse_statement(row.statement)
            except ValueError as exc:
                book.problems.append(f"checkpoint {row.size} in the database: {exc}")
                continue
            signed = (bytes(row.statement), bytes(row.signature), bytes(row.timestamp_token))
            book.claims[row.size] = Claim(claims, signed, "database", row)
        for source, named in (copies or {}).items():
            book._add_copies(source, named)
        if copies is not None and "store" in copies:
            stored = book.copies.get("store", {})
            for size in sorted(set(book.claims) - set(stored)):
                if book.claims[size].source == "database":
                    book.warnings.append(f"checkpoint {size} has no copy in the object store yet")
        return book

    def _add_copies(self, source: str, named: Mapping[str, bytes]) -> None:
        kept = self.copies.setdefault(source, {})
        for name, data in sorted(named.items()):
            try:
                copy = read_copy(data)
                claims = copy.claims
            except ValueError as exc:
                self.problems.append(f"copy {name} in the {source}: {exc}")
                continue
            kept[claims.size] = copy
            signed = (copy.statement, copy.signature, copy.timestamp_token)
            known = self.claims.get(claims.size)
            if known is None:
                self.claims[claims.size] = Claim(claims, signed, source)
                self.problems.append(
                    f"checkpoint {claims.size} is missing from the database; "
                    f"its copy in the {source} remains"
                )
            elif known.signed != signed:
                self.problems.append(
                    f"checkpoint {claims.size} in the {known.source} differs from its copy "
                    f"in the {source}: one of them was altered"
                )
                # The copy outside the database is the reference unless proven forged.
                self.claims[claims.size] = Claim(claims, signed, source, known.row)

    async def anchor(self, check: SignatureCheck | None) -> tuple[Claim | None, bool | None]:
        """The newest checkpoint whose signature holds (or the newest, unchecked, without
        ``check``); newer ones that do not hold are problems (forged or altered)."""
        for size in sorted(self.claims, reverse=True):
            claim = self.claims[size]
            if check is None:
                return claim, None
            valid, problems = await check(*claim.signed)
            if valid:
                return claim, True
            detail = "; ".join(problems) or "the seal signature does not hold"
            self.problems.append(f"checkpoint {size} ({claim.source}) is not genuine: {detail}")
        return None, None

    def signed_leaves(self, limit: int) -> tuple[bytearray | None, list[tuple[int, str]]]:
        """32 bytes per log row up to ``limit`` from the copies (zeros where none covers
        it), and ``(last row, description)`` of each copy used, in order."""
        ranges: dict[int, tuple[CheckpointCopy, str]] = {}
        for source in ("export", "store"):  # the store's wins where both cover a row
            for size, copy in self.copies.get(source, {}).items():
                ranges[size] = (copy, source)
        if not ranges or limit <= 0:
            return None, []
        leaves = bytearray(32 * limit)
        signers: list[tuple[int, str]] = []
        for size in sorted(ranges):
            copy, source = ranges[size]
            start, count = copy.previous_size, len(copy.leaves) // 32
            if count == 0 or start < 0 or start + count != size or start >= limit:
                continue
            end = min(size, limit)
            leaves[32 * start : 32 * end] = copy.leaves[: 32 * (end - start)]
            signers.append((end, f"checkpoint {size} (copy in the {source})"))
        return leaves, signers
