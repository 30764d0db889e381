"""Plotly figures and copy-paste snippets: pure functions of their inputs."""

from __future__ import annotations

import shlex
from datetime import UTC, datetime, timedelta

from dashboard.components import charts, snippets
from dashboard.core.stats import Bucket

START = datetime(2026, 11, 2, 0, 0, tzinfo=UTC)
URL = "http://lubdub.test/ping/6f1c3f0e-8d1e-4d1e-9c47-2f3a4b5c6d7e"


def buckets() -> list[Bucket]:
    return [
        Bucket(START, tick_count=3, complete_count=1, fail_count=1, miss_count=1, uptime_ratio=4 / 6),
        Bucket(START + timedelta(hours=1)),
        Bucket(START + timedelta(hours=2), complete_count=2, run_count=2, uptime_ratio=1.0, avg_duration_ms=1500.0),
    ]


def test_the_events_chart_stacks_tick_complete_fail_and_miss() -> None:
    figure = charts.events_figure(buckets(), "1h")
    by_name = {trace.name: list(trace.y) for trace in figure.data}
    assert by_name == {"Tick": [3, 0, 0], "Complete": [1, 0, 2], "Fail": [1, 0, 0], "Miss": [1, 0, 0]}
    assert figure.layout.barmode == "stack"
    # Each bar starts at its bucket's start; the axis spans the whole window, empty buckets included.
    assert list(figure.data[0].x) == ["2026-11-02T00:00:00", "2026-11-02T01:00:00", "2026-11-02T02:00:00"]
    assert figure.data[0].offset == 0
    assert list(figure.layout.xaxis.range) == ["2026-11-02T00:00:00", "2026-11-02T03:00:00"]


def test_uptime_and_durations_leave_gaps_where_there_is_nothing_to_judge() -> None:
    assert list(charts.uptime_figure(buckets(), "1h").data[0].y) == [66.67, None, 100.0]
    assert list(charts.durations_figure(buckets(), "1h").data[0].y) == [None, None, 1.5]
    assert charts.has_durations(buckets())
    assert not charts.has_durations(buckets()[:2])


def test_overall_uptime_counts_misses_as_failures() -> None:
    assert charts.overall_uptime(buckets()) == 6 / 8
    assert charts.overall_uptime([Bucket(START)]) is None


def test_cron_says_the_interval_when_it_can() -> None:
    assert snippets.cron_schedule(60) == "* * * * *"
    assert snippets.cron_schedule(300) == "*/5 * * * *"
    assert snippets.cron_schedule(3600) == "0 * * * *"
    assert snippets.cron_schedule(6 * 3600) == "0 */6 * * *"
    assert snippets.cron_schedule(86_400) == "0 3 * * *"
    assert snippets.cron_schedule(7 * 86_400) == "0 3 * * 1"
    assert snippets.cron_schedule(45) == "*/5 * * * *"


def test_every_snippet_carries_the_url_and_the_shell_ones_parse() -> None:
    texts = snippets.all_snippets(URL, 300)
    assert set(texts) == {"crontab", "curl", "shell", "python", "node"}
    for text in texts.values():
        assert URL in text
    for line in texts["curl"].splitlines():
        if line and not line.startswith("#"):
            shlex.split(line)  # balanced quotes
    assert "result=run" in texts["curl"] and "result=complete" in texts["curl"] and "result=fail" in texts["curl"]
    assert 'exit "$code"' in texts["shell"] and "message=exit code $code" in texts["shell"]
    compile(texts["python"].replace("run_the_job()", "pass"), "snippet.py", "exec")
