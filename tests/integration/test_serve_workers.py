"""``docflow serve --workers 2`` on PostgreSQL spreads kept-alive connections over both
workers, as a reverse proxy's connection pool needs (with one socket shared by the
workers, a burst of connections could all land in one of them), a second serve on the
same port is refused with a clear line instead of quietly sharing it, and the workers
of a serve killed with ``kill -9`` stop instead of serving on as orphans."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.integration.documents_support import seeded_settings
from tests.services import (
    create_postgres_database,
    drop_postgres_database,
    free_port,
    postgres_available,
    require,
)

ROOT = Path(__file__).resolve().parents[2]


def _health(conn: socket.socket) -> None:
    conn.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
    answer = b""
    while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
        chunk = conn.recv(4096)
        assert chunk, "the connection closed"
        answer += chunk
    assert answer.startswith(b"HTTP/1.1 200"), answer[:200]


def _wait_up(port: int, proc: subprocess.Popen[bytes], timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"docflow serve exited with {proc.returncode}"
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as conn:
                _health(conn)
                return
        except (OSError, AssertionError):
            time.sleep(0.3)
    raise AssertionError("docflow serve did not come up")


def _server_sockets(port: int) -> tuple[set[int], set[int]]:
    """Inodes of the sockets listening on ``port`` and of its accepted connections."""
    listening, accepted = set(), set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local_port, state, inode = int(fields[1].split(":")[1], 16), fields[3], int(fields[9])
        if local_port == port:
            (listening if state == "0A" else accepted).add(inode)
    return listening, accepted


def _owners(inodes: set[int]) -> dict[int, int]:
    """For each process holding some of ``inodes``: how many."""
    held: dict[int, int] = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            links = [os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")]
        except OSError:
            continue
        count = sum(1 for link in links if link.startswith("socket:[")
                    and int(link[8:-1]) in inodes)
        if count:
            held[int(pid)] = count
    return held


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@dataclass
class Serve:
    proc: subprocess.Popen[bytes]
    port: int
    cmd: list[str]
    env: dict[str, str]
    #: The two worker processes, each listening on the port.
    workers: list[int]


@pytest.fixture
def serve_two_workers(tmp_path: Path) -> Iterator[Serve]:
    """A real ``docflow serve --workers 2`` on a fresh PostgreSQL database, both workers
    listening; stopped (and any worker left behind killed) afterwards."""
    if not Path("/proc/net/tcp").exists():
        pytest.skip("reads sockets from Linux's /proc")
    ok, reason = postgres_available()
    require(ok, reason)
    db = create_postgres_database()
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DOCFLOW_DATABASE_URL": db.url,
           "DOCFLOW_DATA_DIR": str(tmp_path), "DOCFLOW_LOG_LEVEL": "WARNING",
           "DOCFLOW_WARM_UP": "off"}
    cmd = [sys.executable, "-m", "docflow", "serve", "--port", str(port), "--workers", "2"]
    asyncio.run(seeded_settings(db.url, tmp_path))
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, start_new_session=True)
    workers: list[int] = []
    try:
        _wait_up(port, proc)
        deadline = time.monotonic() + 60  # the second worker may still be starting
        while len(workers) < 2 and time.monotonic() < deadline:
            workers = list(_owners(_server_sockets(port)[0]))
            time.sleep(0.2)
        yield Serve(proc, port, cmd, env, workers)
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        for pid in workers:  # whatever a failed assertion left behind
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
        drop_postgres_database(db)


def test_two_workers_share_kept_alive_connections_and_own_the_port(
    serve_two_workers: Serve,
) -> None:
    serve = serve_two_workers
    port = serve.port
    conns: list[socket.socket] = []
    try:
        for _ in range(20):
            conns.append(socket.create_connection(("127.0.0.1", port), timeout=10))
        for conn in conns:
            _health(conn)
        listening, accepted = _server_sockets(port)
        listeners = _owners(listening)
        # One listener per worker, none in the parent (which would never accept).
        assert len(listeners) == 2 and serve.proc.pid not in listeners, listeners
        held = _owners(accepted)
        served = {pid: n for pid, n in held.items() if pid in listeners}
        # The 20 connections, each answered, in both workers (all 20 on one side by the
        # kernel's hash: probability 2**-19).
        assert sum(served.values()) == 20 and len(served) == 2, served

        second = subprocess.run(serve.cmd, env=serve.env, cwd=ROOT, capture_output=True,
                                text=True, timeout=120)
        assert second.returncode != 0
        assert f"cannot listen on 127.0.0.1:{port}" in second.stderr, second.stderr[-2000:]
        for conn in conns:  # the first serve still answers on every connection
            _health(conn)
    finally:
        for conn in conns:
            conn.close()


def test_the_workers_of_a_killed_serve_stop_and_free_the_port(
    serve_two_workers: Serve,
) -> None:
    serve = serve_two_workers
    assert len(serve.workers) == 2, serve.workers
    serve.proc.kill()  # the supervising parent alone: no goodbye to its workers
    serve.proc.wait(timeout=10)
    deadline = time.monotonic() + 30
    while any(map(_alive, serve.workers)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(map(_alive, serve.workers)), "orphaned workers still run"
    assert not _server_sockets(serve.port)[0], "the port is still held"
