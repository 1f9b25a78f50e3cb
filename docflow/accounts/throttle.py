"""Sign-in throttling that slows guessing without locking the owner out.

Two counters per attempt, each a row of ``login_throttle``:

- ``pair:<account>|<address>``: guesses at one account from one address. After
  ``free_per_pair`` failures, back-off: no password is checked under this key for
  1 s, 2 s, 4 s ... up to ``max_delay_pair``. The owner signing in from another
  address is never slowed by it.
- ``address:<address>``: guesses from one address at any account (credential
  stuffing). Its allowance is larger (an agency's office may share one NAT address)
  and its back-off is capped low (``max_delay_address``): people behind a noisy
  address are slowed for seconds, never shut out.

Counting is atomic in the database: one conditional ``UPDATE ... RETURNING`` per key.
A pair counts the attempt *before* its password is checked (and forgets the run when
the password was right), so parallel guesses at one account cannot pass more checks
than its allowance, on one process or many. An address counts only *failed* checks
(``failed``): the start of a working day behind one NAT address is many right passwords
at once, and counting them while in flight put the whole office in back-off. Parallel
guesses from one address at many accounts may therefore pass the address allowance by
the number in flight (each one still under its pair's allowance). A key idle for
``forget_after`` starts over.

The trail gets events on transitions only (the first failure of a run, each entry
into back-off with the number of attempts refused since the last report), never one
event per refused attempt.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from docflow.accounts.models_auth import LoginThrottle
from docflow.core.db import AsyncSession
from docflow.core.errors import TooManyAttempts

__all__ = [
    "Attempt",
    "LoginPolicy",
    "address_key",
    "failed",
    "pair_key",
    "reserve",
    "succeeded",
    "take_refused",
]

_T: Any = LoginThrottle.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class LoginPolicy:
    """Allowances and back-off of sign-in attempts."""

    free_per_pair: int = 5
    free_per_address: int = 30
    base_delay: timedelta = timedelta(seconds=1)
    max_delay_pair: timedelta = timedelta(minutes=15)
    max_delay_address: timedelta = timedelta(minutes=1)
    #: A key with no attempt for this long starts over (longer than either cap, so a
    #: guesser waiting out a back-off never gets a fresh allowance).
    forget_after: timedelta = timedelta(minutes=30)

    def allowance(self, key: str) -> int:
        return self.free_per_pair if key.startswith("pair:") else self.free_per_address

    def delay(self, key: str, failures: int) -> timedelta:
        cap = self.max_delay_pair if key.startswith("pair:") else self.max_delay_address
        over = failures - self.allowance(key)
        # ``int ** int`` is typed Any (a negative exponent gives a float): say which.
        factor: float = 2 ** min(over, 30)
        return min(cap, self.base_delay * factor)


def pair_key(username: str, address: str) -> str:
    return f"pair:{username[:200]}|{address}"


def address_key(address: str) -> str:
    return f"address:{address}"


@dataclass(frozen=True)
class Attempt:
    """A counted attempt: per key, the failures counted so far (this one included)."""

    counts: dict[str, int]

    def first_failure(self, key: str) -> bool:
        return self.counts.get(key) == 1

    def entered_backoff(self, key: str, policy: LoginPolicy) -> bool:
        return self.counts.get(key, 0) >= policy.allowance(key)


async def _ensure_rows(session: AsyncSession, keys: list[str], now: datetime) -> None:
    conn = await session.connection()
    insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    rows = [{"key": k, "failures": 0, "refused": 0, "last_attempt_at": now} for k in keys]
    await conn.execute(insert(_T).values(rows).on_conflict_do_nothing(index_elements=[_T.c.key]))


async def reserve(
    session: AsyncSession, keys: list[str], policy: LoginPolicy, now: datetime
) -> Attempt:
    """Count one attempt under every pair key (an address key only checks its back-off;
    its failures count in ``failed``), or refuse it (``TooManyAttempts``) if any key is
    in back-off; commits either way (the refusal's count included)."""
    await _ensure_rows(session, keys, now)
    conn = await session.connection()
    counts: dict[str, int] = {}
    blocked: list[str] = []
    for key in keys:
        step = 1 if _counted_before_check(key) else 0
        row = (
            await conn.execute(
                update(_T)
                .where(_T.c.key == key)
                .where((_T.c.blocked_until.is_(None)) | (_T.c.blocked_until <= now))
                .values(
                    failures=case(
                        (_T.c.last_attempt_at < now - policy.forget_after, step),
                        else_=_T.c.failures + step,
                    ),
                    last_attempt_at=now,
                )
                .returning(_T.c.failures)
            )
        ).first()
        if row is None:
            blocked.append(key)
        else:
            counts[key] = int(row.failures)
    if blocked:
        await session.rollback()  # nothing counted for an attempt that checks nothing
        await _refuse(session, blocked, now)
    for key, failures in counts.items():
        if _counted_before_check(key) and failures >= policy.allowance(key):
            await _block(session, key, policy, failures, now)
    await session.commit()
    return Attempt(counts)


def _counted_before_check(key: str) -> bool:
    return key.startswith("pair:")


async def _block(
    session: AsyncSession, key: str, policy: LoginPolicy, failures: int, now: datetime
) -> None:
    conn = await session.connection()
    await conn.execute(
        update(_T).where(_T.c.key == key).values(blocked_until=now + policy.delay(key, failures))
    )


async def failed(
    session: AsyncSession, attempt: Attempt, policy: LoginPolicy, now: datetime
) -> None:
    """The password was wrong: count the failure under each key counted after the
    check (the address), entering back-off at its allowance; ``attempt.counts`` then
    holds every key's failures. The caller commits."""
    conn = await session.connection()
    for key in attempt.counts:
        if _counted_before_check(key):
            continue
        row = (
            await conn.execute(
                update(_T)
                .where(_T.c.key == key)
                .values(failures=_T.c.failures + 1, last_attempt_at=now)
                .returning(_T.c.failures)
            )
        ).first()
        if row is None:
            continue
        attempt.counts[key] = int(row.failures)
        if attempt.counts[key] >= policy.allowance(key):
            await _block(session, key, policy, attempt.counts[key], now)


async def _refuse(session: AsyncSession, keys: list[str], now: datetime) -> None:
    conn = await session.connection()
    wait = timedelta(0)
    for key in keys:
        row = (
            await conn.execute(
                update(_T)
                .where(_T.c.key == key)
                .values(refused=_T.c.refused + 1)
                .returning(_T.c.blocked_until)
            )
        ).first()
        if row is not None and row.blocked_until is not None:
            wait = max(wait, row.blocked_until - now)
    await session.commit()
    seconds = max(1, int(wait.total_seconds() + 0.999))
    raise TooManyAttempts(
        "Too many failed sign-ins from here; wait "
        f"{seconds} second{'s' if seconds != 1 else ''} before trying again.",
        retry_after=seconds,
    )


async def take_refused(session: AsyncSession, key: str) -> int:
    """How many attempts were refused under ``key`` since the last report; subtracts
    them (a refusal counted meanwhile stays for the next report)."""
    conn = await session.connection()
    row = (await conn.execute(select(_T.c.refused).where(_T.c.key == key))).first()
    taken = int(row.refused) if row is not None else 0
    if taken:
        await conn.execute(
            update(_T).where(_T.c.key == key).values(refused=_T.c.refused - taken)
        )
    return taken


async def succeeded(session: AsyncSession, attempt: Attempt, policy: LoginPolicy) -> None:
    """The password was right: the pair starts over (an address counted nothing for
    it). The row stays (reset, not deleted): a parallel attempt of the same pair that
    finds its row gone would read that as a back-off. The caller commits."""
    del policy  # kept in the signature: callers pass the policy they reserved under
    conn = await session.connection()
    for key in attempt.counts:
        if _counted_before_check(key):
            await conn.execute(
                update(_T).where(_T.c.key == key).values(failures=0, blocked_until=None)
            )
