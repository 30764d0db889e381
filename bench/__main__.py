"""Run the benchmarks: ``python -m bench [--quick] [checkin throughput burst detector queries memory scaling cron soak]``.

Without names, all of them in that order.  Each writes bench/results/<name>.json
(``<name>-quick.json`` with ``--quick``) and prints its figures against the
targets of SPEC §8, then a one-line summary; the last lines repeat every summary.
The exit status is 1 when a figure misses its target (after running them all).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import traceback

from bench import wrk
from bench.report import Figure, summary_line

BENCHMARKS = ("checkin", "throughput", "burst", "detector", "queries", "memory", "scaling", "cron", "soak")
NEEDS_WRK = {"checkin", "throughput", "burst", "memory", "scaling", "cron"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help=f"benchmarks to run (default: all): {' '.join(BENCHMARKS)}")
    parser.add_argument("--quick", action="store_true", help="a short smoke version of each benchmark")
    args = parser.parse_args(argv)
    names = args.names or list(BENCHMARKS)
    unknown = sorted(set(names) - set(BENCHMARKS))
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; choose from {' '.join(BENCHMARKS)}")
    if NEEDS_WRK & set(names) and not wrk.available():
        parser.error("wrk is not installed (apt-get install wrk)")
    os.environ.setdefault("REFLEX_TELEMETRY_ENABLED", "false")
    os.environ.setdefault("REFLEX_CHECK_LATEST_VERSION", "false")

    results: dict[str, list[Figure] | None] = {}
    for name in names:
        print(f"== {name}{' (quick)' if args.quick else ''}  load average {os.getloadavg()[0]:.2f}", flush=True)
        try:
            results[name] = importlib.import_module(f"bench.{name}").run(quick=args.quick)
        except Exception:  # noqa: BLE001 - one broken benchmark must not hide the others' figures
            traceback.print_exc()
            results[name] = None
        sys.stdout.flush()

    print("\n== summary")
    failed = False
    for name, figures in results.items():
        if figures is None:
            print(f"[ERROR] {name}: did not complete (see the traceback above)")
            failed = True
        else:
            line = summary_line(name, figures)
            failed |= line.startswith("[FAIL]")
            print(line)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
