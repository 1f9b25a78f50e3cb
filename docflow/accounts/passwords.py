"""Password hashing (argon2id); the one place passwords are hashed or checked."""

from __future__ import annotations

import functools

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

__all__ = ["hash_password", "is_common_password", "needs_rehash", "verify_password"]

#: argon2id: 3 passes over 64 MiB (RFC 9106's second recommended profile) with 2 lanes.
#: 64 MiB per guess is what makes offline guessing on GPUs expensive; 3 passes keep one
#: sign-in under 0.1 s on a small 2-vCPU server (bench/auth.py measures ~67 ms), a
#: price paid once per sign-in: requests then carry a session token (one indexed lookup).
#: 2 lanes, not the profile's 4: on 2 cores 4 lanes only queue (~87 ms) without adding
#: memory hardness. Throttling (docflow.accounts.auth) bounds online guessing. Changing
#: these makes ``needs_rehash`` true for older hashes; sign-in then rehashes.
ARGON2_TIME_COST = 3
ARGON2_MEMORY_KIB = 64 * 1024
ARGON2_PARALLELISM = 2

_hasher = PasswordHasher(
    time_cost=ARGON2_TIME_COST, memory_cost=ARGON2_MEMORY_KIB, parallelism=ARGON2_PARALLELISM
)


def _bytes(password: str) -> bytes:
    # "surrogatepass": a lone surrogate (valid in JSON, not in UTF-8) is hashed, not a crash;
    # every other string encodes exactly as argon2-cffi would encode it itself.
    return password.encode("utf-8", "surrogatepass")


def hash_password(password: str) -> str:
    """An argon2id hash of ``password`` with a fresh salt."""
    return _hasher.hash(_bytes(password))


def verify_password(password_hash: str, password: str) -> bool:
    """True when ``password`` matches ``password_hash``; False for a mismatch or a bad hash."""
    try:
        return _hasher.verify(password_hash, _bytes(password))
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's."""
    return _hasher.check_needs_rehash(password_hash)


#: Common in Vietnam and missing from zxcvbn's (English-leaning) list.
_VIETNAMESE_COMMON = frozenset(
    {"matkhau", "matkhau123", "matkhau@123", "123456a@", "anhyeuem", "emyeuanh", "vietnam123",
     "iloveyou123", "hanoi123", "saigon123", "abc@12345", "admin@123"}
)


@functools.cache
def _common_passwords() -> frozenset[str]:
    # zxcvbn's ranked list of the 30,000 most used passwords (from real leaks), loaded
    # once on first use: the module holds several other word lists too.
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"]) | _VIETNAMESE_COMMON


def is_common_password(password: str) -> bool:
    """Whether ``password`` (case-insensitively) is among the most used passwords."""
    return password.strip().lower() in _common_passwords()
