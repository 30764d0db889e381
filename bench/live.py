"""The real server, started as `make run` starts it, on a seeded database: SQLite in a temp dir,
or a scratch database in the local PostgreSQL cluster (``LUBDUB_BENCH_POSTGRES_URL``).

``tests.live_server`` runs ``reflex run --env prod --single-port`` on a free port in
its own process group; this module seeds the database first and finds the
server's processes so benchmarks can sample their memory or profile them.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from bench import seed, wrk
from tests.live_server import LiveServer, start_live_server

# The cluster in which a PostgreSQL run creates (and afterwards drops) its own database.
POSTGRES_URL = os.environ.get("LUBDUB_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@dataclass
class Bench:
    server: LiveServer
    ids: list[str]
    ids_file: Path
    workdir: Path

    @property
    def database_path(self) -> str:
        return self.server.database_url.removeprefix("sqlite:///")

    @property
    def on_postgres(self) -> bool:
        return not self.server.database_url.startswith("sqlite")


@contextmanager
def scratch_postgres() -> Iterator[str]:
    """The URL of a new, empty database in the ``POSTGRES_URL`` cluster; dropped afterwards."""
    import psycopg

    admin = make_url(POSTGRES_URL)
    name = f"lubdub_bench_{uuid.uuid4().hex[:12]}"
    conninfo = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    try:
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@contextmanager
def running_server(heartbeats: int, *, interval: int = 3600, cron: bool = False,
                   postgres: bool = False) -> Iterator[Bench]:
    """A live server whose database holds ``heartbeats`` up heartbeats (none due for ``interval`` s;
    with ``cron``, each on a cron schedule of ``seed.CRON_MIX`` in mixed zones), on SQLite
    or, with ``postgres``, on a scratch PostgreSQL database."""
    workdir = Path(tempfile.mkdtemp(prefix="lubdub-bench-"))
    try:
        with scratch_postgres() if postgres else nullcontext(f"sqlite:///{workdir / 'lubdub.db'}") as url:
            seed.fresh_database(url)
            ids = seed.seed_heartbeats(url, heartbeats, now=int(time.time() * seed.SECOND), interval=interval,
                                       cron=cron)
            ids_file = wrk.write_ids(ids, workdir)
            server = start_live_server(workdir, url)
            try:
                yield Bench(server, ids, ids_file, workdir)
            finally:
                server.stop()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def group_pids(pgid: int) -> list[int]:
    """Every live process in process group ``pgid`` (the server and its workers)."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # fields after "(comm)": state, ppid, pgrp, ...
            pids.append(int(entry))
    return sorted(pids)


def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process (all its threads) has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def scheduler_seconds(pid: int) -> tuple[float, float]:
    """(on a CPU, runnable but waiting for a CPU) summed over the process's threads so far.

    The second number is how much a busy machine held the server back: on a quiet
    machine it stays near zero, whatever the load generator does.
    """
    on_cpu = waiting = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            fields = Path(f"/proc/{pid}/task/{tid}/schedstat").read_text().split()
        except OSError:
            continue
        on_cpu += int(fields[0])
        waiting += int(fields[1])
    return on_cpu / 1e9, waiting / 1e9


def cpu_pressure() -> float | None:
    """Share of the last 10 s in which some runnable task waited for a CPU (Linux PSI), in %."""
    try:
        return float(Path("/proc/pressure/cpu").read_text().split()[1].split("=")[1])
    except (OSError, IndexError, ValueError):
        return None


def bytes_written(pid: int) -> int:
    """Bytes the process has sent to the storage layer so far (``write_bytes`` of /proc/<pid>/io)."""
    try:
        for line in Path(f"/proc/{pid}/io").read_text().splitlines():
            if line.startswith("write_bytes:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _open_files(pid: int) -> set[str]:
    targets = set()
    try:
        descriptors = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return targets
    for fd in descriptors:
        try:
            targets.add(os.readlink(f"/proc/{pid}/fd/{fd}"))
        except OSError:
            continue  # closed while we looked
    return targets


def backend_pid(bench: Bench, timeout_s: float = 10.0) -> int:
    """The process serving requests: the one that has the database open (the SQLite
    file, or a connection to PostgreSQL's port)."""
    if bench.on_postgres:
        port = make_url(bench.server.database_url).port or 5432
        holds_database = lambda pid: bool(_open_files(pid) & _sockets_to_port(port))  # noqa: E731
    else:
        database = os.path.realpath(bench.database_path)
        holds_database = lambda pid: database in _open_files(pid)  # noqa: E731
    deadline = time.monotonic() + timeout_s
    while True:
        candidates = [pid for pid in group_pids(bench.server.process.pid) if holds_database(pid)]
        if candidates:
            # If the `reflex run` parent had it open too, the worker is its child: the higher pid.
            return max(candidates)
        if time.monotonic() > deadline:
            raise RuntimeError("no server process has the database open")
        time.sleep(0.2)


def _sockets_to_port(port: int) -> set[str]:
    """``socket:[inode]`` of every TCP connection on this machine whose remote end is ``port``."""
    sockets = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()  # sl local_address rem_address st ... uid timeout inode
            if int(fields[2].rsplit(":", 1)[1], 16) == port:
                sockets.add(f"socket:[{fields[9]}]")
    return sockets


def drain(seconds: float = 2.0) -> None:
    """Let requests still in flight when the load generator stopped reach the database."""
    time.sleep(seconds)
