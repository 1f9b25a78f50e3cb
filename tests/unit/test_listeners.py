"""Several serve workers on one port, each accepting on its own socket
(``docflow.core.http.listeners``): what a worker receives of the parent's socket is a
listener of its own on the same address, the kernel spreads new connections over the
workers' listeners, the parent's socket takes none, and a port something already listens
on is refused."""

from __future__ import annotations

import io
import pickle
import socket
from multiprocessing.reduction import ForkingPickler

import pytest

from docflow.core.http.listeners import bind_port

pytestmark = pytest.mark.skipif(
    not hasattr(socket, "SO_REUSEPORT"), reason="this platform has no SO_REUSEPORT"
)


def _as_a_worker_receives(sock: socket.socket) -> socket.socket:
    """The socket as uvicorn's spawned worker unpickles it (multiprocessing's pickler)."""
    buffer = io.BytesIO()
    ForkingPickler(buffer).dump(sock)
    received: socket.socket = pickle.loads(buffer.getvalue())
    return received


def _accepted(listener: socket.socket) -> int:
    count = 0
    while True:
        try:
            conn, _ = listener.accept()
        except BlockingIOError:
            return count
        conn.close()
        count += 1


def test_each_worker_gets_a_listener_of_its_own_and_connections_spread_over_them() -> None:
    holder = bind_port("127.0.0.1", 0)
    workers = [_as_a_worker_receives(holder) for _ in range(2)]
    clients: list[socket.socket] = []
    try:
        address = holder.getsockname()
        for worker in workers:
            assert worker.fileno() != holder.fileno()
            assert worker.getsockname() == address
            worker.listen(64)
            worker.setblocking(False)
        for _ in range(40):
            client = socket.create_connection(address, timeout=5)
            clients.append(client)
        per_worker = [_accepted(worker) for worker in workers]
        # Every connection reached a worker (none is left on the parent's socket, which
        # does not listen), and both workers got some: the kernel's hash of 40 source
        # ports puts all on one side with probability 2 * 2**-40.
        assert sum(per_worker) == 40
        assert min(per_worker) > 0, per_worker
    finally:
        for sock in [*clients, *workers, holder]:
            sock.close()


def test_a_port_someone_listens_on_is_refused_even_to_a_second_serve() -> None:
    holder = bind_port("127.0.0.1", 0)
    worker = _as_a_worker_receives(holder)
    try:
        worker.listen(8)
        port = holder.getsockname()[1]
        # The workers' sockets allow SO_REUSEPORT: without the check, a second serve on
        # the same port would quietly take half of the first one's connections.
        with pytest.raises(OSError):
            bind_port("127.0.0.1", port)
        with socket.socket() as plain:
            plain.bind(("127.0.0.1", 0))
            plain.listen(1)
            with pytest.raises(OSError):
                bind_port("127.0.0.1", plain.getsockname()[1])
    finally:
        worker.close()
        holder.close()


def test_a_restarted_serve_binds_again_once_the_old_one_is_gone() -> None:
    holder = bind_port("127.0.0.1", 0)
    port = holder.getsockname()[1]
    worker = _as_a_worker_receives(holder)
    worker.listen(8)
    client = socket.create_connection(("127.0.0.1", port), timeout=5)
    conn, _ = worker.accept()
    conn.close()  # the server side closes first: the port has a TIME_WAIT connection
    client.close()
    worker.close()
    holder.close()
    again = bind_port("127.0.0.1", port)
    again.close()
