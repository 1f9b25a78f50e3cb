"""The audit log's Merkle tree (RFC 6962 / RFC 9162, as Certificate Transparency logs use),
with nothing but the standard library so the offline bundle checker can use it.

Leaves are event digests (32 bytes): ``leaf = SHA-256(0x00 ‖ digest)``, ``node =
SHA-256(0x01 ‖ left ‖ right)``, the root of ``n`` leaves splits at the largest power of
two below ``n``. A ``Frontier`` (the roots of the perfect subtrees a tree of ``size``
leaves decomposes into, largest first) is all that is needed to extend a tree and to get
its root, so a checkpoint never rereads the leaves before the previous one.
``inclusion_proofs`` streams the leaves once and keeps only the audit paths asked for.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

__all__ = [
    "EMPTY_ROOT",
    "Frontier",
    "inclusion_proofs",
    "leaf_hash",
    "node_hash",
    "verify_inclusion",
]

_sha256 = hashlib.sha256
#: The root of the empty tree: SHA-256 of nothing.
EMPTY_ROOT = _sha256(b"").digest()


def leaf_hash(digest: bytes) -> bytes:
    return _sha256(b"\x00" + digest).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return _sha256(b"\x01" + left + right).digest()


@dataclass
class Frontier:
    """The perfect subtrees of a tree of ``size`` leaves, largest (leftmost) first: one per
    bit set in ``size``, the subtree of ``2**level`` leaves for each set bit ``level``."""

    size: int = 0
    hashes: list[bytes] = field(default_factory=list)

    @classmethod
    def of(cls, size: int, hashes: Sequence[bytes]) -> Frontier:
        """A frontier from stored hashes; ``ValueError`` when their number does not fit."""
        if size < 0 or len(hashes) != bin(size).count("1"):
            raise ValueError(f"a tree of {size} leaves has {bin(size).count('1')} subtrees")
        return cls(size, list(hashes))

    def copy(self) -> Frontier:
        return Frontier(self.size, list(self.hashes))

    def append(self, digest: bytes) -> None:
        """Add one leaf (an event digest)."""
        self.push(0, leaf_hash(digest))

    def push(self, level: int, subtree: bytes) -> None:
        """Add a perfect subtree of ``2**level`` leaves; ``size`` must be a multiple of
        its width (true for leaves, and for aligned batches of a power-of-two size)."""
        width = 1 << level
        if self.size % width:
            raise ValueError(f"a subtree of {width} leaves cannot start at leaf {self.size}")
        hashes = self.hashes
        size = self.size
        node = subtree
        while size & width:  # the last subtree has this width too: merge them
            node = node_hash(hashes.pop(), node)
            size -= width
            width <<= 1
        hashes.append(node)
        self.size += 1 << level

    def root(self) -> bytes:
        """The tree's root: the subtrees folded from the right."""
        if not self.hashes:
            return EMPTY_ROOT
        node = self.hashes[-1]
        for left in reversed(self.hashes[:-1]):
            node = node_hash(left, node)
        return node

    def to_bytes(self) -> bytes:
        return b"".join(self.hashes)

    @classmethod
    def from_bytes(cls, size: int, data: bytes) -> Frontier:
        if len(data) % 32:
            raise ValueError("a frontier is a whole number of 32-byte hashes")
        return cls.of(size, [data[i : i + 32] for i in range(0, len(data), 32)])


def _levels(size: int) -> list[int]:
    """Levels of the frontier's subtrees, largest first."""
    return [bit for bit in range(size.bit_length() - 1, -1, -1) if size >> bit & 1]


def inclusion_proofs(
    digests: Iterable[bytes], size: int, indices: Iterable[int]
) -> dict[int, list[bytes]]:
    """The RFC 6962 audit path of each leaf index in ``indices`` (0-based) in the tree of
    the first ``size`` ``digests``, read once in order; memory is O(log size) per path."""
    wanted = sorted(set(indices))
    if any(not 0 <= i < size for i in wanted):
        raise ValueError(f"leaf indices must be within a tree of {size} leaves")
    # leaf -> level -> sibling: a sibling to the left is complete before one below it
    inner: dict[int, dict[int, bytes]] = {i: {} for i in wanted}
    # per level: ancestor index at that level -> the leaves whose path needs its sibling
    by_ancestor: list[dict[int, list[int]]] = []
    for level in range(max(size.bit_length(), 1)):
        ancestors: dict[int, list[int]] = {}
        for i in wanted:
            ancestors.setdefault((i >> level) ^ 1, []).append(i)
        by_ancestor.append(ancestors)
    stack: list[tuple[int, bytes]] = []  # (level, hash) of the subtrees not yet merged
    count = 0
    for digest in digests:
        if count == size:
            break
        level, node, index = 0, leaf_hash(digest), count
        while True:
            for leaf in by_ancestor[level].get(index, ()):
                inner[leaf][level] = node
            if not stack or stack[-1][0] != level:
                break
            node = node_hash(stack.pop()[1], node)
            level, index = level + 1, index >> 1
        stack.append((level, node))
        count += 1
    if count != size:
        raise ValueError(f"only {count} of {size} leaves were given")
    return {i: _finish_path(i, size, inner[i], [h for _lvl, h in stack]) for i in wanted}


def _finish_path(
    index: int, size: int, inner: dict[int, bytes], frontier: list[bytes]
) -> list[bytes]:
    """Inner path (inside the perfect subtree holding ``index``), then the subtrees to its
    right folded into one, then the subtrees to its left, nearest first (RFC 9162 2.1.3.1)."""
    levels = _levels(size)
    start, t = 0, 0
    while index >= start + (1 << levels[t]):
        start += 1 << levels[t]
        t += 1
    path = [inner[level] for level in range(levels[t])]
    if t + 1 < len(frontier):
        node = frontier[-1]
        for left in reversed(frontier[t + 1 : -1]):
            node = node_hash(left, node)
        path.append(node)
    path.extend(reversed(frontier[:t]))
    return path


def verify_inclusion(
    index: int, size: int, digest: bytes, path: Sequence[bytes], root: bytes
) -> bool:
    """True when ``path`` proves the leaf ``digest`` at ``index`` in the tree of ``size``
    leaves whose root is ``root`` (RFC 9162 2.1.3.2)."""
    if not 0 <= index < size:
        return False
    fn, sn, node = index, size - 1, leaf_hash(digest)
    for sibling in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            node = node_hash(sibling, node)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            node = node_hash(node, sibling)
        fn >>= 1
        sn >>= 1
    return sn == 0 and node == root
