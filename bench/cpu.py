"""CPU used by a process tree, PostgreSQL and the machine, read from Linux's /proc: what
the benchmarks print beside their figures (the load generator shares the cores)."""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path


def cpu_seconds(root: int) -> dict[int, tuple[str, float]]:
    """CPU seconds used so far by ``root`` and every descendant (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    info: dict[int, tuple[int, str, float]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            raw = (entry / "stat").read_text()
        except OSError:
            continue
        name = raw[raw.index("(") + 1 : raw.rindex(")")]
        fields = raw[raw.rindex(")") + 2 :].split()
        info[int(entry.name)] = (int(fields[1]), name, (int(fields[11]) + int(fields[12])) / ticks)
    found = {root}
    changed = True
    while changed:
        changed = False
        for pid, (ppid, _name, _cpu) in info.items():
            if ppid in found and pid not in found:
                found.add(pid)
                changed = True
    return {pid: (info[pid][1], info[pid][2]) for pid in found if pid in info}


def cpu_split(server: int) -> dict[str, float]:
    """CPU seconds so far: the web processes (``docflow serve`` and, with several
    workers, uvicorn's worker processes), the signing workers (children of the fork server),
    every PostgreSQL process, this benchmark's process, and the whole machine (Linux)."""
    ticks = os.sysconf("SC_CLK_TCK")
    tree = cpu_seconds(server)
    postgres = 0.0
    for entry in Path("/proc").iterdir():
        with contextlib.suppress(OSError, ValueError):
            raw = (entry / "stat").read_text() if entry.name.isdigit() else ""
            if raw[raw.index("(") + 1 : raw.rindex(")")].startswith("postgres"):
                fields = raw[raw.rindex(")") + 2 :].split()
                postgres += (int(fields[11]) + int(fields[12])) / ticks
    with open("/proc/stat") as f:
        jiffies = [int(v) for v in f.readline().split()[1:9]]
    signing = 0.0
    for pid in list(tree):
        with contextlib.suppress(OSError):
            if b"multiprocessing.forkserver" in Path(f"/proc/{pid}/cmdline").read_bytes():
                signing += tree.pop(pid)[1]  # a signing worker or their fork server
    return {
        "web": sum(cpu for _name, cpu in tree.values()),  # with --workers N: N + 1 processes
        "signing workers": signing,
        "PostgreSQL": postgres,
        "client": time.process_time(),
        "machine": (sum(jiffies) - jiffies[3] - jiffies[4]) / ticks,
    }
