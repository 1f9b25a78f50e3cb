"""The `docflow` command as an operator runs it: a real process, real databases."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.services import free_port

REPO = Path(__file__).resolve().parents[2]


def docflow_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCFLOW_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env["DOCFLOW_DATA_DIR"] = str(data_dir)
    env.update(extra)
    return env


def docflow(
    *args: str, data_dir: Path, timeout: float = 60, **extra: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "docflow.cli.main", *args],
        env=docflow_env(data_dir, **extra),
        cwd=next(p for p in data_dir.parents if p.is_dir()),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], *fragments: str) -> str:
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    (line,) = lines
    assert line.startswith("docflow: ")
    for fragment in fragments:
        assert fragment in line
    return line


def test_upgrade_then_demo_twice_seeds_once(database_url: str, tmp_path: Path) -> None:
    data = tmp_path / "var"
    upgraded = docflow("db", "upgrade", data_dir=data, DOCFLOW_DATABASE_URL=database_url)
    assert upgraded.returncode == 0, upgraded.stderr
    assert "is at revision" in upgraded.stdout

    first = docflow("demo", data_dir=data, DOCFLOW_DATABASE_URL=database_url)
    assert first.returncode == 0, first.stderr
    assert "created agency STTTT (000.02.00.H30) Sở Thông tin và Truyền thông" in first.stdout
    assert "created user stttt.clerk" in first.stdout
    assert "created user ubnd.auditor" in first.stdout
    assert first.stdout.count("created agency") == 6

    second = docflow("demo", data_dir=data, DOCFLOW_DATABASE_URL=database_url)
    assert second.returncode == 0, second.stderr
    assert "created" not in second.stdout.replace("nothing created", "")
    assert "demo data already present; nothing created" in second.stdout
    assert "stttt.leader" in second.stdout  # the logins are listed every time


def test_db_upgrade_creates_the_data_directory(tmp_path: Path) -> None:
    data = tmp_path / "deep" / "var"
    result = docflow("db", "upgrade", data_dir=data)
    assert result.returncode == 0, result.stderr
    assert (data / "docflow.db").is_file()


def test_python_dash_m_docflow_shows_the_commands(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "docflow", "--help"],
        env=docflow_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    for command in ("serve", "db", "demo"):
        assert command in result.stdout


def test_serve_answers_health(tmp_path: Path) -> None:
    data = tmp_path / "var"
    assert docflow("db", "upgrade", data_dir=data).returncode == 0
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "docflow.cli.main", "serve",
         "--host", "127.0.0.1", "--port", str(port)],
        env=docflow_env(data),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        status, body = None, b""
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as r:
                    status, body = r.status, r.read()
                break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.2)
        assert status == 200, f"no answer from docflow serve (exit code {proc.poll()})"
        assert body == b'{"status":"ok"}'
    finally:
        proc.terminate()
        output, _ = proc.communicate(timeout=15)
    assert "request_id=" in output
    assert "Traceback" not in output
    # One access line per request, docflow's (with its id): uvicorn's own came on top of it
    # in every process of a multi-worker serve (the default: one per core).
    assert output.count("GET /health -> 200") == 1, output
    assert "uvicorn.access" not in output


@pytest.mark.parametrize("command", [["serve"], ["db", "upgrade"], ["demo"]])
def test_bad_storage_url_is_one_line(command: list[str], tmp_path: Path) -> None:
    result = docflow(*command, data_dir=tmp_path / "var", DOCFLOW_STORAGE_URL="ftp://files/x")
    assert_one_line_error(result, "DOCFLOW_STORAGE_URL", "ftp")


@pytest.mark.parametrize("command", [["serve"], ["db", "upgrade"], ["demo"]])
def test_unreachable_database_is_one_line_with_the_password_masked(
    command: list[str], tmp_path: Path
) -> None:
    url = f"postgresql+asyncpg://docflow:s3cret@127.0.0.1:{free_port()}/docflow"
    result = docflow(*command, data_dir=tmp_path / "var", DOCFLOW_DATABASE_URL=url)
    line = assert_one_line_error(
        result, "cannot reach the database", "connection refused", "DOCFLOW_DATABASE_URL"
    )
    assert "s3cret" not in line and "docflow:***@127.0.0.1" in line


def test_unreachable_object_store_is_one_line(tmp_path: Path) -> None:
    data = tmp_path / "var"
    assert docflow("db", "upgrade", data_dir=data).returncode == 0
    url = f"s3://key:topsecret@127.0.0.1:{free_port()}/docflow?secure=false"
    result = docflow("serve", data_dir=data, DOCFLOW_STORAGE_URL=url)
    line = assert_one_line_error(result, "DOCFLOW_STORAGE_URL")
    assert "topsecret" not in line


def test_serve_before_db_upgrade_says_to_run_it(tmp_path: Path) -> None:
    result = docflow("serve", data_dir=tmp_path / "var")
    assert_one_line_error(result, "docflow db upgrade")


@pytest.mark.parametrize("command", [["serve"], ["db", "upgrade"], ["demo"]])
def test_production_misconfiguration_is_one_line(command: list[str], tmp_path: Path) -> None:
    result = docflow(
        *command,
        data_dir=tmp_path / "var",
        DOCFLOW_ENV="production",
        DOCFLOW_DEMO_PASSWORD="docflow-demo",
    )
    assert_one_line_error(
        result, "refusing to run in production", "DOCFLOW_SECRET_KEY", "DOCFLOW_DEMO_PASSWORD"
    )


def test_demo_is_refused_in_production(tmp_path: Path) -> None:
    result = docflow(
        "demo", data_dir=tmp_path / "var", DOCFLOW_ENV="production", DOCFLOW_SECRET_KEY="k" * 40
    )
    assert_one_line_error(result, "refusing to seed demo users in production")
