"""Drive wrk (closed-loop HTTP load) and read its results as JSON.

The Lua script pre-builds one request per heartbeat id in ``init`` and cycles
through them, each thread starting at a different offset, so a run spreads its
pings over every heartbeat.  Its ``done`` hook prints the summary and latency
percentiles as one JSON line, which is sturdier than parsing wrk's text report.
"""

from __future__ import annotations

import json
import resource
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

_SCRIPT = r"""
-- args: a file of heartbeat ids (one per line) and a path prefix, or a single fixed path.
local thread_count = 0
function setup(thread)
  thread:set("thread_index", thread_count)
  thread_count = thread_count + 1
end

function init(args)
  requests_ = {}
  if #args >= 2 then
    for line in io.lines(args[1]) do
      if #line > 0 then requests_[#requests_ + 1] = wrk.format("GET", args[2] .. line) end
    end
  else
    requests_[1] = wrk.format("GET", args[1])
  end
  counter_ = (thread_index or 0) * 7919
end

function request()
  counter_ = counter_ + 1
  return requests_[(counter_ % #requests_) + 1]
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"duration_us": %d, "requests": %d, "bytes": %d, "connect": %d, "read": %d, "write": %d, ' ..
    '"status": %d, "timeout": %d, "lat_mean_us": %.1f, "lat_max_us": %d, "p50_us": %d, "p90_us": %d, ' ..
    '"p99_us": %d, "p999_us": %d}\n',
    summary.duration, summary.requests, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency.max, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9)))
end
"""


@dataclass
class WrkResult:
    duration_s: float
    requests: int  # completed responses, any status
    non_2xx: int  # responses with status > 399
    socket_errors: int  # connect + read + write + timeout
    p50_ms: float
    p90_ms: float
    p99_ms: float
    p999_ms: float
    max_ms: float
    mean_ms: float
    raw: dict[str, float]

    @property
    def acknowledged(self) -> int:
        """Requests answered with a success status (wrk counts only > 399 as failures)."""
        return self.requests - self.non_2xx

    @property
    def rate(self) -> float:
        return self.acknowledged / self.duration_s if self.duration_s else 0.0

    @property
    def client_cpu_us_per_request(self) -> float:
        """wrk's own CPU per completed request: what the load generator takes from the server's cores."""
        return 1e6 * self.raw["client_cpu_s"] / max(1, self.requests)

    @property
    def errors(self) -> int:
        return self.non_2xx + self.socket_errors


# A route of the same server that touches no database: Reflex's health check (the app
# sets no Reflex db_url), answered through Reflex's whole middleware stack.
NOOP_PATH = "/_health"


def available() -> bool:
    return shutil.which("wrk") is not None


def run(url: str, *, duration_s: float, connections: int, threads: int = 1, ids_file: Path | None = None,
        prefix: str = "/ping/", path: str = NOOP_PATH, timeout_s: int = 10,
        new_connections: bool = False) -> WrkResult:
    """Load ``url`` for ``duration_s``: cycling over ``ids_file`` under ``prefix``, or one fixed ``path``.

    With ``new_connections`` every request says ``Connection: close``: the server
    closes the connection after answering and wrk opens a new one for the next
    request, as ``curl`` in a crontab does.
    """
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(_SCRIPT)
    args = [str(ids_file), prefix] if ids_file is not None else [path]
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(duration_s))}s", f"--timeout={timeout_s}s",
               "--latency", "-s", script.name, *(["-H", "Connection: close"] if new_connections else []),
               url, "--", *args]
    usage_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    try:
        completed = subprocess.run(command, capture_output=True, text=True, timeout=duration_s + 60)
        usage_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    finally:
        Path(script.name).unlink(missing_ok=True)
    line = next((ln for ln in completed.stdout.splitlines() if ln.startswith("WRKJSON ")), None)
    if completed.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({completed.returncode}): {completed.stdout[-2000:]} {completed.stderr[-2000:]}")
    raw = json.loads(line.removeprefix("WRKJSON "))
    raw["client_cpu_s"] = (usage_after.ru_utime - usage_before.ru_utime) + (usage_after.ru_stime - usage_before.ru_stime)
    return WrkResult(
        duration_s=raw["duration_us"] / 1e6,
        requests=int(raw["requests"]),
        non_2xx=int(raw["status"]),
        socket_errors=int(raw["connect"] + raw["read"] + raw["write"] + raw["timeout"]),
        p50_ms=raw["p50_us"] / 1000,
        p90_ms=raw["p90_us"] / 1000,
        p99_ms=raw["p99_us"] / 1000,
        p999_ms=raw["p999_us"] / 1000,
        max_ms=raw["lat_max_us"] / 1000,
        mean_ms=raw["lat_mean_us"] / 1000,
        raw=raw,
    )


def write_ids(ids: list[str], directory: Path) -> Path:
    path = directory / "heartbeat-ids.txt"
    path.write_text("\n".join(ids) + "\n")
    return path
