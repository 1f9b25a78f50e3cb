"""The Merkle tree matches RFC 6962's published vectors (the ones Certificate Transparency
implementations test against), and every audit path it gives verifies while a changed
one does not."""

from __future__ import annotations

import hashlib
import random

import pytest

from docflow.audit.merkle import (
    EMPTY_ROOT,
    Frontier,
    inclusion_proofs,
    leaf_hash,
    node_hash,
    verify_inclusion,
)

# The standard leaf inputs and tree roots for sizes 0..8 (RFC 6962 test data). Our leaves
# are 32-byte digests, but the tree takes any bytes: the vectors apply unchanged.
LEAVES = [bytes.fromhex(h) for h in ("", "00", "10", "2021", "3031", "40414243",
          "5051525354555657", "606162636465666768696a6b6c6d6e6f")]  # fmt: skip
ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
# (leaf index, tree size, audit path)
PATHS = [
    (0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (1, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
    (0, 1, []),
]  # fmt: skip


def reference_root(leaves: list[bytes]) -> bytes:
    """RFC 6962's recursive definition, written as plainly as possible."""
    if not leaves:
        return EMPTY_ROOT
    if len(leaves) == 1:
        return leaf_hash(leaves[0])
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return node_hash(reference_root(leaves[:k]), reference_root(leaves[k:]))


@pytest.mark.parametrize("size", range(len(ROOTS)))
def test_frontier_roots_match_the_rfc_vectors(size: int) -> None:
    frontier = Frontier()
    for leaf in LEAVES[:size]:
        frontier.append(leaf)
    assert frontier.root().hex() == ROOTS[size]
    again = Frontier.from_bytes(size, frontier.to_bytes())
    assert again.root() == frontier.root()


@pytest.mark.parametrize(("index", "size", "path"), PATHS)
def test_audit_paths_match_the_rfc_vectors(index: int, size: int, path: list[str]) -> None:
    got = inclusion_proofs(iter(LEAVES), size, [index])[index]
    assert [h.hex() for h in got] == path
    root = bytes.fromhex(ROOTS[size])
    assert verify_inclusion(index, size, LEAVES[index], got, root)


def test_every_path_of_random_trees_verifies_and_changes_are_refused() -> None:
    rng = random.Random(6962)
    for size in [*range(1, 40), 255, 256, 257, 1000]:
        digests = [hashlib.sha256(rng.randbytes(8)).digest() for _ in range(size)]
        root = reference_root(digests)
        frontier = Frontier()
        for d in digests:
            frontier.append(d)
        assert frontier.root() == root, size
        wanted = list(range(size)) if size < 40 else rng.sample(range(size), 12)
        proofs = inclusion_proofs(digests, size, wanted)
        for i in wanted:
            path = proofs[i]
            assert verify_inclusion(i, size, digests[i], path, root), (size, i)
            other = digests[(i + 1) % size]
            if other != digests[i]:
                assert not verify_inclusion(i, size, other, path, root)
            if path:
                bent = [*path[:-1], bytes(32)]
                assert not verify_inclusion(i, size, digests[i], bent, root)
                assert not verify_inclusion(i, size, digests[i], path[:-1], root)


def test_aligned_batches_push_as_one_subtree() -> None:
    digests = [hashlib.sha256(bytes([i])).digest() for i in range(21)]
    whole = Frontier()
    for d in digests:
        whole.append(d)
    batched = Frontier()
    for start in (0, 8):
        part = Frontier()
        for d in digests[start : start + 8]:
            part.append(d)
        batched.push(3, part.hashes[0])
    for d in digests[16:]:
        batched.append(d)
    assert batched == whole
    with pytest.raises(ValueError):
        Frontier(size=3, hashes=[b"x" * 32, b"y" * 32]).push(2, b"z" * 32)
    with pytest.raises(ValueError):
        Frontier.of(3, [b"x" * 32])
