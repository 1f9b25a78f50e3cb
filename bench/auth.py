"""Benchmark: what a sign-in costs, and what the permission checks add to a listing.

    .venv/bin/python bench/auth.py [--logins 10] [--listings 300] [--database-url URL]

1. argon2id alone, for the chosen parameters and two neighbours (why these: see
   ``docflow/accounts/passwords.py``).
2. A whole sign-in through ``docflow.accounts.auth.login`` (throttle check, argon2,
   session row, audit event, commit) on a seeded database (SQLite in a temp dir unless
   ``--database-url``).
3. Resolving a bearer token to a ``Principal`` (every authenticated request pays this).
4. Listing an agency's people: ``list_users`` (permission rule + the query) against
   ``fetch_users`` (the same query, no check), and the refusal path (which also writes
   an ``access.denied`` audit event). Not a test: prints a table.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PASSWORD = "bench-password"


def ms(values: list[float]) -> str:
    return f"median {statistics.median(values) * 1000:7.2f} ms  (min {min(values) * 1000:.2f})"


def bench_argon2(rounds: int) -> None:
    from argon2 import PasswordHasher

    from docflow.accounts.passwords import ARGON2_MEMORY_KIB, ARGON2_PARALLELISM, ARGON2_TIME_COST

    print("argon2id verify (one sign-in's hashing):")
    profiles = [
        ("chosen", ARGON2_TIME_COST, ARGON2_MEMORY_KIB, ARGON2_PARALLELISM),
        ("t=3 m=64MiB p=4 (RFC 9106)", 3, 64 * 1024, 4),
        ("t=2 m=19MiB p=1 (OWASP min)", 2, 19 * 1024, 1),
    ]
    for label, t, m, p in profiles:
        hasher = PasswordHasher(time_cost=t, memory_cost=m, parallelism=p)
        stored = hasher.hash(PASSWORD)
        times = []
        for _ in range(rounds):
            start = time.perf_counter()
            hasher.verify(stored, PASSWORD)
            times.append(time.perf_counter() - start)
        print(f"  {label:<30} t={t} m={m // 1024} MiB p={p}: {ms(times)}")


async def bench_service(url: str, logins: int, listings: int) -> None:
    from sqlmodel import select

    from docflow.accounts.auth import authenticate, login
    from docflow.accounts.models_user import User
    from docflow.accounts.users import fetch_users, list_users, principal_for
    from docflow.bootstrap import build_runtime
    from docflow.cli.demo import seed_demo
    from docflow.core.errors import PermissionDenied
    from docflow.core.settings import Settings

    settings = Settings.from_env({"DOCFLOW_DATABASE_URL": url, "DOCFLOW_DATA_DIR": "/tmp"})
    runtime = build_runtime(settings)
    secret = settings.effective_secret_key
    try:
        async with runtime.transaction() as session:
            await seed_demo(session, PASSWORD)
            # A realistic agency: 200 more people in STTTT (one shared hash, rows only).
            admin = (await session.exec(select(User).where(User.username == "stttt.admin"))).one()
            for i in range(200):
                session.add(
                    User(
                        username=f"stttt.staff{i:03d}",
                        full_name=f"Nhân viên {i}",
                        agency_id=admin.agency_id,
                        password_hash=admin.password_hash,
                    )
                )
            await session.commit()
        times: list[float] = []
        token = ""
        for i in range(logins):
            async with runtime.session() as session:
                start = time.perf_counter()
                issued = await login(
                    session,
                    username="stttt.admin",
                    password=PASSWORD,
                    source_ip=f"10.0.0.{i}",
                    secret_key=secret,
                    lifetime=timedelta(hours=8),
                )
                times.append(time.perf_counter() - start)
                token = issued.token
        print(f"\nsign-in (docflow.accounts.auth.login, {logins}x): {ms(times)}")

        async with runtime.session() as session:
            resolve: list[float] = []
            for _ in range(listings):
                start = time.perf_counter()
                principal = await authenticate(session, token, secret)
                resolve.append(time.perf_counter() - start)
            print(f"token -> Principal per request ({listings}x):  {ms(resolve)}")

            admin = (await session.exec(select(User).where(User.username == "stttt.admin"))).one()
            clerk = (await session.exec(select(User).where(User.username == "stttt.clerk"))).one()
            principal = await principal_for(session, admin)
            clerk_principal = await principal_for(session, clerk)
            agency = frozenset({principal.agency_id})
            checked: list[float] = []
            unchecked: list[float] = []
            for _ in range(listings):  # interleaved so drift hits both alike
                start = time.perf_counter()
                await fetch_users(session, agency)
                unchecked.append(time.perf_counter() - start)
                start = time.perf_counter()
                await list_users(session, principal)
                checked.append(time.perf_counter() - start)
        n = len(await fetch_users(session, agency))
        print(f"\nlisting the {n} people of STTTT ({listings}x each):")
        print(f"  without permission check (fetch_users): {ms(unchecked)}")
        print(f"  with permission check    (list_users):  {ms(checked)}")
        ratio = statistics.median(checked) / statistics.median(unchecked)
        print(f"  ratio checked/unchecked: {ratio:.3f}")
        refused: list[float] = []
        for _ in range(min(listings, 50)):
            async with runtime.session() as session:
                start = time.perf_counter()
                with contextlib.suppress(PermissionDenied):
                    await list_users(session, clerk_principal)
                refused.append(time.perf_counter() - start)
        print(f"  refused (403 + access.denied event committed): {ms(refused)}")
    finally:
        await runtime.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--logins", type=int, default=10)
    parser.add_argument("--listings", type=int, default=300)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()

    bench_argon2(args.logins)
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        from docflow.core.migrate import upgrade

        upgrade(url)
        print(f"\ndatabase: {url.split('://')[0]}")
        asyncio.run(bench_service(url, args.logins, args.listings))


if __name__ == "__main__":
    main()
