"""Worker processes for the CPU-bound signing work, held by the ``Runtime``.

PAdES signing and validation spend their time in Python (pyHanko) and in RSA/ECDSA:
run in the event loop they would stall every request, and in threads they would share
one core. ``SigningPool.run(job, *args)`` runs a picklable job in a process pool sized
to the machine's cores, created on first use (``forkserver`` start: the workers do not
inherit the server's threads, sockets or event loop).
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from typing import Any, TypeVar

__all__ = ["SigningPool"]

T = TypeVar("T")

#: Imported by the fork server once, so each worker starts with pyHanko and the modules
#: of every job loaded (a job's module imported on its first call cost a verification
#: seconds: ``docflow.audit.reports`` alone takes 0.7 s on an idle core).
_PRELOAD = [
    "docflow.documents.signing_jobs",
    "docflow.core.keys",
    "docflow.documents.pdf_bounds",
    "docflow.transfers.stamp_jobs",
    "docflow.search.extract",
    "docflow.audit.reports",
    "docflow.audit.bundle",
    "docflow.core.warm_up",
]
#: How much nicer than the server process the workers are.
WORKER_NICENESS = 5
#: Seconds a signing or validation job may run before its workers are killed.
JOB_TIMEOUT = 120.0


def _start_worker(niceness: int) -> None:
    with contextlib.suppress(OSError):
        os.nice(niceness)
    from docflow.core.log import configure_worker_logging

    configure_worker_logging()


#: Seconds a job still running at shutdown may take before its worker is killed.
SHUTDOWN_GRACE = 2.0

class SigningPool:
    """A lazily started pool of signing workers (processes, or threads if asked)."""

    def __init__(self, workers: int | None = None, *, use_processes: bool = True) -> None:
        self.workers = workers or max(1, os.cpu_count() or 1)
        self.use_processes = use_processes
        self._executors: dict[str, Executor] = {}
        self._lock = threading.Lock()
        # Jobs beyond the workers wait here, not in the executor's queue, so a job's
        # time limit counts its own run and never the wait behind others (a busy
        # server must not kill its workers because the queue was long).
        self._slots: dict[tuple[str, int], asyncio.Semaphore] = {}

    def _slot(self, lane: str) -> asyncio.Semaphore:
        key = (lane, id(asyncio.get_running_loop()))
        with self._lock:
            slot = self._slots.get(key)
            if slot is None:
                slot = asyncio.Semaphore(self.workers)
                self._slots[key] = slot
            return slot

    def _get(self, lane: str) -> Executor:
        with self._lock:
            executor = self._executors.get(lane)
            if executor is None:
                # The "locked" lane runs work done while a register counter is held:
                # its own workers, so it never queues behind validations; one per core,
                # so agencies issuing at once (each holding its own series) seal at once.
                size = self.workers
                if self.use_processes:
                    context = multiprocessing.get_context("forkserver")
                    context.set_forkserver_preload(_PRELOAD)
                    # Workers run at a lower priority than the server process: the event
                    # loop (health probes, reads) gets a core first when all are busy.
                    # The locked lane keeps the server's priority: while it signs, a
                    # register series waits for it.
                    executor = ProcessPoolExecutor(
                        size,
                        mp_context=context,
                        initializer=_start_worker,
                        initargs=(0 if lane == "locked" else WORKER_NICENESS,),
                    )
                else:
                    executor = ThreadPoolExecutor(size, f"signing-{lane}")
                self._executors[lane] = executor
            return executor

    async def run(
        self,
        job: Callable[..., T],
        *args: Any,
        locked: bool = False,
        timeout: float | None = JOB_TIMEOUT,
    ) -> T:
        """``job(*args)`` in a worker; its exception is re-raised here. ``locked=True``
        for work done while holding a database lock (a dedicated worker). A job still
        running after ``timeout`` seconds raises ``TimeoutError`` and its worker
        processes are killed (a hostile PDF cannot keep a worker forever). The limit
        starts when a worker is free for the job, not when it was asked for."""
        loop = asyncio.get_running_loop()
        lane = "locked" if locked else "general"
        async with self._slot(lane):
            executor = self._get(lane)
            return await self._run_in(lane, executor, loop, partial(job, *args), timeout)

    async def _run_in(
        self,
        lane: str,
        executor: Executor,
        loop: asyncio.AbstractEventLoop,
        call: Callable[[], T],
        timeout: float | None,
    ) -> T:
        try:
            return await asyncio.wait_for(loop.run_in_executor(executor, call), timeout)
        except TimeoutError:
            self._discard(lane, executor, kill=True)
            raise
        except BrokenProcessPool:
            # A worker died (killed, out of memory): start a fresh pool for the next call.
            self._discard(lane, executor)
            raise

    def _discard(self, lane: str, executor: Executor, *, kill: bool = False) -> None:
        with self._lock:
            if self._executors.get(lane) is executor:
                del self._executors[lane]
        if kill and isinstance(executor, ProcessPoolExecutor):
            for process in list(getattr(executor, "_processes", {}).values()):
                with contextlib.suppress(Exception):
                    process.kill()
        executor.shutdown(wait=False, cancel_futures=True)

    def shutdown(self, grace: float = SHUTDOWN_GRACE) -> None:
        """Stop the workers. Jobs not started are dropped; a running one has ``grace``
        seconds, then its process is killed: by then the server has answered its
        requests, so what still runs is the start-up warm-up or work nobody waits for
        (waiting for a cold dev-PKI derivation held a stopping server 15 s and more)."""
        with self._lock:
            executors, self._executors = list(self._executors.values()), {}
        deadline = time.monotonic() + grace
        for executor in executors:
            if not isinstance(executor, ProcessPoolExecutor):
                executor.shutdown(wait=True, cancel_futures=True)
                continue
            processes = list(getattr(executor, "_processes", {}).values())
            executor.shutdown(wait=False, cancel_futures=True)
            for process in processes:
                process.join(max(0.0, deadline - time.monotonic()))
                if process.is_alive():
                    with contextlib.suppress(Exception):
                        process.kill()
                        process.join(1.0)
