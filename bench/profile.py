"""Profile the server under the check-in load: ``python -m bench.profile [--heartbeats N] [--seconds S]``.

Starts the server as the check-in benchmark does, puts wrk on it and runs
``py-spy record --format raw --threads`` on the backend worker for the same
window.  Writes the collapsed stacks to bench/results/profile-<N>.txt (open them
in speedscope or flamegraph.pl) and prints where the samples went: per thread,
and the functions with the most self and inclusive time.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

from bench import checkin, live, wrk
from bench.report import RESULTS_DIR

_THREAD = re.compile(r"^(?:process \d+:\")?.*?thread \(?(0x[0-9a-f]+)\)?", re.I)


def _py_spy() -> str:
    found = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(found).exists():
        raise SystemExit("py-spy is not installed (pip install py-spy)")
    return found


def record(heartbeats: int, seconds: int, connections: int, *, postgres: bool = False,
           new_connections: bool = False) -> Path:
    variant = ("-postgres" if postgres else "") + ("-new-connections" if new_connections else "")
    output = RESULTS_DIR / f"profile-{heartbeats}{variant}.txt"
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    with live.running_server(heartbeats, postgres=postgres) as bench:
        wrk.run(bench.server.url, duration_s=2, connections=connections, ids_file=bench.ids_file,
                new_connections=new_connections)  # warm-up
        pid = live.backend_pid(bench)
        result: dict[str, wrk.WrkResult] = {}
        load = threading.Thread(target=lambda: result.setdefault("wrk", wrk.run(
            bench.server.url, duration_s=seconds + 2, connections=connections, ids_file=bench.ids_file,
            new_connections=new_connections)))
        load.start()
        subprocess.run([_py_spy(), "record", "--pid", str(pid), "--duration", str(seconds), "--rate", "200",
                        "--format", "raw", "--threads", "--idle", "--nonblocking", "--output", str(output)],
                       check=True, capture_output=True)
        load.join()
    print(f"wrk during the profile: {result['wrk'].rate:,.0f}/s, p99 {result['wrk'].p99_ms:.1f} ms")
    return output


def summarize(path: Path, top: int = 25) -> None:
    per_thread: Counter[str] = Counter()
    self_time: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack:
            continue
        count = int(count_text)
        frames = stack.split(";")
        total += count
        per_thread[frames[0]] += count
        self_time[frames[-1]] += count
        for frame in set(frames[1:]):
            inclusive[frame] += count
    print(f"{total} samples in {path}")
    print("\nper thread:")
    for name, count in per_thread.most_common():
        print(f"  {100 * count / total:5.1f}%  {name}")
    print("\nself time:")
    for name, count in self_time.most_common(top):
        print(f"  {100 * count / total:5.1f}%  {name}")
    print("\ninclusive time:")
    for name, count in inclusive.most_common(top):
        print(f"  {100 * count / total:5.1f}%  {name}")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__.splitlines()[0])
    parser.add_argument("--heartbeats", type=int, default=checkin.HEARTBEATS)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=checkin.CONNECTIONS)
    parser.add_argument("--postgres", action="store_true", help="the server on a scratch PostgreSQL database")
    parser.add_argument("--new-connections", action="store_true", help="a new connection for every request")
    parser.add_argument("--summarize", type=Path, help="only summarize an existing raw profile")
    args = parser.parse_args()
    path = args.summarize or record(args.heartbeats, args.seconds, args.connections, postgres=args.postgres,
                                                 new_connections=args.new_connections)
    summarize(path)


if __name__ == "__main__":
    main()
