"""A throw-away PostgreSQL cluster for the load (``initdb`` + ``pg_ctl`` on a free port,
trust authentication on loopback), so the run can restart it and may open as many
connections as three instances' pools need, without touching the machine's shared
server that other people's tests use. Run as root, the server runs as ``postgres``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from tests.services import free_port

__all__ = ["PrivatePostgres", "private_postgres_available"]


def _tool(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    for candidate in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True):
        return str(candidate)
    return None


def private_postgres_available() -> bool:
    return _tool("initdb") is not None and _tool("pg_ctl") is not None


@dataclass
class PrivatePostgres:
    """Its own directory under /tmp (readable by ``postgres`` when run as root)."""

    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="docflow-pg-")))
    port: int = 0
    max_connections: int = 300

    def __post_init__(self) -> None:
        self.port = self.port or free_port()
        self.data = self.root / "data"

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/docflow"

    def _run(self, *args: str) -> None:
        command = list(args)
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def _ctl(self, *args: str) -> None:
        options = (f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
                   f"-c max_connections={self.max_connections} -c fsync=off")
        self._run(str(_tool("pg_ctl")), "-D", str(self.data), "-o", options,
                  "-l", str(self.root / "postgres.log"), "-w", *args)

    def create(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        os.chmod(self.root, 0o755)
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres")
        self._run(str(_tool("initdb")), "-D", str(self.data), "-U", "postgres",
                  "--auth=trust", "-E", "UTF8")
        self.start()
        subprocess.run(["psql", f"postgresql://postgres@127.0.0.1:{self.port}/postgres",
                        "-c", "CREATE DATABASE docflow"], check=True, capture_output=True)

    def start(self) -> None:
        self._ctl("start")

    def stop(self, mode: str = "immediate") -> None:
        """``immediate``: as after a crash (no checkpoint; recovery at the next start)."""
        self._ctl("-m", mode, "stop")

    def destroy(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop("fast")
        shutil.rmtree(self.root, ignore_errors=True)
