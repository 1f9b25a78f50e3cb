"""Which process of a multi-process server runs the background work.

``docflow serve --workers N`` starts N uvicorn worker processes that each build the app.
The job runner and the periodic loops (audit checkpoints, archive renewals) must run once
per ``serve``, not N times: ``serve`` names a lock file in ``DOCFLOW_SERVE_BACKGROUND_LOCK``
for its children, and the first child to take an exclusive ``flock`` on it runs the
background work (the lock lives as long as that process; uvicorn's replacement of a dead
worker takes it over). Without that variable (one process, tests, plain uvicorn) the
process runs it. ``DOCFLOW_WEB_BACKGROUND=off`` keeps every web process out of it, for
deployments where ``docflow worker`` runs the background work (compose.yaml).
"""

from __future__ import annotations

import os
from typing import IO

from docflow.core.settings import Settings

__all__ = ["BACKGROUND_LOCK_ENV", "runs_background"]

#: Set by ``docflow serve`` for its worker processes only (not a user setting).
BACKGROUND_LOCK_ENV = "DOCFLOW_SERVE_BACKGROUND_LOCK"

_held: list[IO[bytes]] = []


def runs_background(settings: Settings) -> bool:
    """Whether this process runs the job runner and the periodic loops."""
    if not settings.web_background:
        return False
    path = os.environ.get(BACKGROUND_LOCK_ENV)
    if not path:
        return True
    if _held:
        return True
    import fcntl

    handle = open(path, "ab")  # noqa: SIM115 - held open for the process's lifetime
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        return False
    _held.append(handle)
    return True
