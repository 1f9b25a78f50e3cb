"""Several HTTP worker processes on one port, each accepting on a socket of its own.

uvicorn's ``--workers`` binds one socket in its parent and every worker accepts from
that same socket. A worker woken by new connections accepts all that are waiting
(asyncio takes up to the backlog per wake-up), so a burst of keep-alive connections, such
as a reverse proxy's pool or a load generator's clients, can land in one worker while
the others idle, for as long as those connections live. ``bench/serve.py`` saw it:
``/health`` at 20 clients served by two workers ran at 0.6 of one worker's rate, one
worker holding all 20 connections.

Here each worker listens on a socket of its own bound to the same address with
``SO_REUSEPORT``, and Linux spreads new connections over the listening sockets by a hash
of their addresses. The parent keeps a bound socket that never listens: it holds the
port (a port something listens on already is refused before any worker starts) and
takes no connection.
Where the platform has no ``SO_REUSEPORT``, the workers share the parent's socket as
uvicorn does.

How a worker gets its own socket: uvicorn pickles the sockets it hands its spawned
workers, and the parent's socket pickles as "bind a new one to this address"
(``_PortHolder.__reduce__``), so every worker, including one uvicorn starts in place of a
dead one, binds its own.
"""

from __future__ import annotations

import socket
from typing import Any

__all__ = ["PortUnavailable", "bind_port", "end_with_parent", "run_workers", "serve"]

_REUSE_PORT = getattr(socket, "SO_REUSEPORT", None)


class PortUnavailable(OSError):
    """The port cannot be bound, or something listens there already."""


def serve(app: str, *, host: str, port: int, workers: int, **options: Any) -> None:
    """Serve ``app`` (an import string, as uvicorn takes it) on ``host:port``: in this
    process for one worker (``uvicorn.run``), else in ``workers`` processes each with
    its own socket (``run_workers``). ``options`` are ``uvicorn.Config``'s. Raises
    ``PortUnavailable`` before any worker starts when the port cannot be had."""
    if workers == 1:
        import uvicorn

        uvicorn.run(app, host=host, port=port, **options)
        return
    try:
        holder = bind_port(host, port)
    except OSError as exc:
        raise PortUnavailable(exc.errno, exc.strerror) from exc
    run_workers(app, holder, workers=workers, **options)


class _PortHolder(socket.socket):
    """The parent's socket: bound with ``SO_REUSEPORT``, never listening. What a worker
    unpickles in its place is a socket of its own bound to the same address."""

    def __reduce__(self) -> tuple[Any, ...]:
        return (_own_socket, (int(self.family), self.getsockname()[:2]))


def _own_socket(family: int, address: tuple[str, int]) -> socket.socket:
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, _REUSE_PORT, 1)  # type: ignore[arg-type]
    sock.bind(address)
    return sock


def bind_port(host: str, port: int) -> socket.socket:
    """The parent's bound socket for ``host:port``; OSError when it cannot bind, or when
    something listens there already (another ``serve``'s workers included, which
    ``SO_REUSEPORT`` alone would let this one join)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    if _REUSE_PORT is None:
        return _bound(socket.socket(family, socket.SOCK_STREAM), host, port)
    # A plain socket cannot bind where anyone listens; a port left in TIME_WAIT is free.
    _bound(socket.socket(family, socket.SOCK_STREAM), host, port).close()
    holder = _PortHolder(family, socket.SOCK_STREAM)
    holder.setsockopt(socket.SOL_SOCKET, _REUSE_PORT, 1)
    return _bound(holder, host, port)


def _bound(sock: socket.socket, host: str, port: int) -> socket.socket:
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def run_workers(app: str, port_holder: socket.socket, *, workers: int, **options: Any) -> None:
    """Serve ``app`` (an import string, as uvicorn takes it) in ``workers`` processes
    under uvicorn's supervisor (which restarts a worker that dies), each accepting on its
    own socket bound like ``port_holder`` (from ``bind_port``). ``options`` are
    ``uvicorn.Config``'s."""
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    host, port = port_holder.getsockname()[:2]
    config = uvicorn.Config(app, host=host, port=port, workers=workers, **options)
    try:
        Multiprocess(config, sockets=[port_holder]).run()
    finally:
        port_holder.close()


def end_with_parent() -> None:
    """In a worker process that ``run_workers`` started: have Linux send it SIGTERM (an
    orderly shutdown) when the supervising parent dies. A ``kill -9`` of the parent
    alone otherwise left its workers serving as orphans, holding the port (a new
    ``serve`` was refused it) and their database connections, with nobody to restart
    them. Does nothing outside such a worker or off Linux."""
    import multiprocessing
    import os
    import signal
    import sys

    parent = multiprocessing.parent_process()
    if parent is None or not sys.platform.startswith("linux"):
        return
    import ctypes

    pr_set_pdeathsig = 1
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(pr_set_pdeathsig, int(signal.SIGTERM), 0, 0, 0) != 0:
        return
    if os.getppid() != parent.pid:  # the parent died before the request took effect
        os.kill(os.getpid(), signal.SIGTERM)
