"""Results: one JSON file per benchmark in bench/results/, and a PASS/FAIL line per figure.

Every file carries the machine it ran on (cores, CPU model, memory, load average),
the Python version and the git commit, so numbers from different runs can be
told apart and compared.
"""

from __future__ import annotations

import json
import math
import os
import platform
import subprocess
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RESULTS_DIR = Path(__file__).resolve().parent / "results"
PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Figure:
    """One measured number and, when SPEC §8 sets one, its target.

    ``op`` is ">=" or "<=" (how the value must compare with the target); a figure
    without a target is informative and has no verdict.
    """

    name: str
    value: float
    unit: str
    target: float | None = None
    op: str = "<="

    @property
    def verdict(self) -> str | None:
        if self.target is None:
            return None
        ok = self.value >= self.target if self.op == ">=" else self.value <= self.target
        return "PASS" if ok else "FAIL"

    def line(self) -> str:
        text = f"{self.name} = {_with_unit(self.value, self.unit)}"
        if self.target is not None:
            text += f"  (target {self.op} {_with_unit(self.target, self.unit)}: {self.verdict})"
        return text

    def short(self) -> str:
        text = f"{self.name} {_with_unit(self.value, self.unit)}"
        return text + (f" [{self.op} {_with_unit(self.target, self.unit)} {self.verdict}]" if self.target is not None else "")


def _with_unit(value: float, unit: str) -> str:
    if not unit:
        return _fmt(value)
    return f"{_fmt(value)}{'' if unit.startswith('/') else ' '}{unit}"


def _fmt(value: float) -> str:
    if isinstance(value, int) or float(value).is_integer():
        return f"{int(value):,}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 1:
        return f"{value:.2f}"
    return f"{value:.3g}"


def _git_commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=PROJECT_ROOT,
                               capture_output=True, text=True).stdout.strip()
        return out.stdout.strip() + ("-dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_mb() -> int | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) // 1024
    except OSError:
        pass
    return None


def machine_info() -> dict[str, Any]:
    return {
        "nproc": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "memory_mb": _memory_mb(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "platform": platform.platform(),
        "commit": _git_commit(),
    }


def summary_line(name: str, figures: list[Figure]) -> str:
    verdicts = [f.verdict for f in figures if f.verdict]
    overall = "FAIL" if "FAIL" in verdicts else ("PASS" if verdicts else "INFO")
    shown = "; ".join(f.short() for f in figures if f.target is not None) or "; ".join(f.short() for f in figures[:4])
    return f"[{overall}] {name}: {shown}"


def write_result(name: str, figures: list[Figure], details: dict[str, Any], *, started: float, quick: bool) -> Path:
    """Write bench/results/<name>.json, print every figure and the one-line summary."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}{'-quick' if quick else ''}.json"
    document = {
        "benchmark": name,
        "quick": quick,
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "wall_seconds": round(time.monotonic() - started, 1),
        "machine": machine_info(),
        "figures": [{**asdict(f), "verdict": f.verdict} for f in figures],
        "details": details,
    }
    path.write_text(json.dumps(document, indent=2) + "\n")
    for figure in figures:
        print(f"    {figure.line()}")
    print(summary_line(name, figures))
    print(f"    -> {path.relative_to(PROJECT_ROOT)}")
    return path


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (``pct`` in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(pct / 100 * len(ordered))))
    return ordered[rank - 1]
