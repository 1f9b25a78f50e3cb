"""Serving settings, the background-work election of `serve --workers`, the read-only
statement rule and the principal cache's revision rule."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from docflow.accounts.permissions import Principal
from docflow.accounts.principal_cache import MAX_ENTRIES, CachedPrincipal, PrincipalCache
from docflow.core.db import pool_options, reads_only
from docflow.core.errors import ConfigurationError
from docflow.core.http.workers import BACKGROUND_LOCK_ENV
from docflow.core.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def test_serving_defaults_fit_two_instances_of_two_workers_in_100_connections() -> None:
    settings = Settings.from_env({"DOCFLOW_DATABASE_URL": "postgresql+asyncpg://u@h/db"})
    assert settings.web_workers == 0 and settings.web_background
    assert settings.access_log_sample == 100
    pool = pool_options(settings)
    # Kept, not overflowing: an overflow connection is opened and closed per use.
    assert pool == {"pool_size": 15, "max_overflow": 0}
    assert 2 * 2 * (pool["pool_size"] + pool["max_overflow"]) + 17 <= 97


def test_serving_settings_are_parsed_and_checked() -> None:
    settings = Settings.from_env({
        "DOCFLOW_WEB_WORKERS": "3", "DOCFLOW_DB_POOL_SIZE": "4", "DOCFLOW_DB_POOL_OVERFLOW": "0",
        "DOCFLOW_WEB_BACKGROUND": "off", "DOCFLOW_ACCESS_LOG_SAMPLE": "5",
    })
    assert (settings.web_workers, settings.db_pool_size, settings.db_pool_overflow) == (3, 4, 0)
    assert not settings.web_background and settings.access_log_sample == 5
    assert pool_options(settings) == {}  # SQLite has no pool to size
    with pytest.raises(ConfigurationError) as err:
        Settings.from_env({"DOCFLOW_WEB_BACKGROUND": "maybe", "DOCFLOW_DB_POOL_SIZE": "0"})
    assert "DOCFLOW_WEB_BACKGROUND" in str(err.value) and "DOCFLOW_DB_POOL_SIZE" in str(err.value)


@pytest.mark.parametrize(
    ("statement", "read"),
    [
        ("SELECT n FROM auth_revision WHERE id = 1", True),
        ("  select t.id from transfer t join document d on d.id = t.document_id", True),
        ("SELECT * FROM register_counter WHERE agency_id = $1 FOR UPDATE", False),
        ("SELECT pg_advisory_xact_lock($1)", False),
        ("INSERT INTO audit_event (x) VALUES ($1)", False),
        ("UPDATE login_throttle SET failures = 1", False),
        ("WITH x AS (DELETE FROM job RETURNING id) SELECT id FROM x", False),
        ("SELECT nextval('document_id_seq')", False),
    ],
)
def test_only_plain_selects_run_outside_a_transaction(statement: str, read: bool) -> None:
    assert reads_only(statement) is read


def _principal() -> Principal:
    return Principal(user_id=1, username="a", agency_id=1, department_id=None,
                     roles=frozenset(), province_scope=False)


def test_a_new_revision_empties_the_cache_and_late_lookups_are_not_kept() -> None:
    cache = PrincipalCache()
    entry = CachedPrincipal(_principal(), datetime(2100, 1, 1, tzinfo=UTC))
    assert cache.get("k", 1) is None
    cache.put("k", 1, entry)
    assert cache.get("k", 1) is entry
    assert cache.get("k", 2) is None  # something was revoked: look again
    cache.put("k", 1, entry)  # found under the older revision: not kept
    assert cache.get("k", 2) is None
    for i in range(MAX_ENTRIES + 1):
        cache.put(f"t{i}", 2, entry)
    assert len(cache.entries) <= MAX_ENTRIES


ELECT = (
    "import sys; from docflow.core.settings import Settings; "
    "from docflow.core.http.workers import runs_background; "
    "print(runs_background(Settings.from_env({})), flush=True); sys.stdin.read()"
)


def test_one_process_of_a_serve_runs_the_background_work(tmp_path: Path) -> None:
    env = {"PYTHONPATH": str(ROOT), BACKGROUND_LOCK_ENV: str(tmp_path / "serve.lock")}
    procs = [
        subprocess.Popen([sys.executable, "-c", ELECT], env=env, cwd=ROOT, text=True,
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        for _ in range(3)
    ]
    try:
        answers = [p.stdout.readline().strip() for p in procs if p.stdout]
    finally:
        for p in procs:
            p.communicate("", timeout=30)
    assert sorted(answers) == ["False", "False", "True"]


def test_serve_says_who_runs_background_jobs() -> None:
    from docflow.cli.server import _who_runs_jobs

    pg = "postgresql+asyncpg://u@h/db"
    embedded = Settings.from_env({})
    assert _who_runs_jobs(embedded) == "in one process of this service"
    queue = Settings.from_env({"DOCFLOW_DATABASE_URL": pg})
    # PostgreSQL without a worker: the operator is told why nothing would be delivered
    assert "docflow worker" in _who_runs_jobs(queue)
    assert "DOCFLOW_SERVE_WITH_WORKER=1" in _who_runs_jobs(queue)
    here = Settings.from_env({"DOCFLOW_DATABASE_URL": pg, "DOCFLOW_SERVE_WITH_WORKER": "1"})
    assert _who_runs_jobs(here) == "in one process of this service"
    off = Settings.from_env({"DOCFLOW_WEB_BACKGROUND": "off"})
    assert "DOCFLOW_WEB_BACKGROUND=off" in _who_runs_jobs(off)
