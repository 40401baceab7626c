"""CPU time spent by the processes of a throughput run, read from /proc (Linux): the server's
processes, the database's when it runs on this machine, and the load generator (this process).

Requests/s alone do not tell whether 2 workers scale: on a machine whose cores also run the
database and the load generator, 2 workers can serve at most cores / (S + O) requests a second,
S the server's CPU per request and O the others', while 1 worker serves 1 / S once its core is
busy. The ratio is then bound to cores x S / (S + O), however well the workers share the load;
the cores they keep busy say whether they did."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")
# Process names of the database server's processes (the postmaster and every backend).
DATABASE_PROCESSES = frozenset({"postgres"})


@dataclass(frozen=True, slots=True)
class CpuTimes:
    """Seconds of CPU (user and system) spent so far; `database` is None where the database's
    processes cannot be read (another machine, no /proc)."""

    server: float
    database: float | None
    generator: float

    def __sub__(self, earlier: CpuTimes) -> CpuTimes:
        database = (
            None
            if self.database is None or earlier.database is None
            else self.database - earlier.database
        )
        return CpuTimes(
            server=self.server - earlier.server,
            database=database,
            generator=self.generator - earlier.generator,
        )

    def __add__(self, other: CpuTimes) -> CpuTimes:
        database = (
            None
            if self.database is None or other.database is None
            else self.database + other.database
        )
        return CpuTimes(
            server=self.server + other.server,
            database=database,
            generator=self.generator + other.generator,
        )


# Where the database runs, as far as its CPU goes.
INSIDE = "inside"  # in the server's processes (SQLite): its CPU is the server's
LOCAL = "local"  # PostgreSQL on this machine: every postgres process here is counted
REMOTE = "remote"  # elsewhere: not read


def read(server_pid: int, database: str) -> CpuTimes | None:
    """The CPU time of the server's process tree, of the database (see INSIDE, LOCAL, REMOTE)
    and of this process; None without /proc."""
    stats = _all_stats()
    if stats is None:
        return None
    children: dict[int, list[int]] = {}
    for pid, stat in stats.items():
        children.setdefault(stat.parent, []).append(pid)
    server, stack = 0.0, [server_pid]
    while stack:
        pid = stack.pop()
        if pid in stats:
            server += stats[pid].cpu
        stack.extend(children.get(pid, ()))
    found: float | None = None
    if database == INSIDE:
        found = 0.0
    elif database == LOCAL:
        # The postmaster's own children's time holds the backends that exited.
        found = sum(s.cpu + s.children_cpu for s in stats.values() if s.name in DATABASE_PROCESSES)
    return CpuTimes(server=server, database=found, generator=time.process_time())


@dataclass(frozen=True, slots=True)
class _Stat:
    name: str
    parent: int
    cpu: float
    children_cpu: float


def _all_stats() -> dict[int, _Stat] | None:
    if not (PROC / "self" / "stat").exists():
        return None
    tick = os.sysconf("SC_CLK_TCK")
    stats: dict[int, _Stat] = {}
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            raw = (entry / "stat").read_text()
        except OSError:  # gone since listed, or not ours to read
            continue
        # The name is in parentheses and may hold spaces; the fields follow the last ")".
        name = raw[raw.index("(") + 1 : raw.rindex(")")]
        fields = raw[raw.rindex(")") + 2 :].split()
        stats[int(entry.name)] = _Stat(
            name=name,
            parent=int(fields[1]),
            cpu=(int(fields[11]) + int(fields[12])) / tick,
            children_cpu=(int(fields[13]) + int(fields[14])) / tick,
        )
    return stats


def ceiling(cores: int, workers: int, server: float, others: float) -> float:
    """The most `workers` processes can serve over what one serves, on `cores` shared with
    `others` seconds of CPU per request beside the server's `server`: one worker is bound by its
    own core, several by every core's."""
    if server <= 0:
        return float(workers)
    return min(float(workers), cores * server / (server + others))
