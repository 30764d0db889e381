"""``lubdub run`` against local receivers: the protocol, retries, a hanging receiver, output streaming."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from tests.lubdub_cli.receivers import hanging_receiver, scripted_receiver

CHECK = "5bd1e2a4-7b1c-4a53-9b57-2f2f8a4b1c11"


def lubdub(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "lubdub", *args], capture_output=True, timeout=timeout)


def test_a_succeeding_job_sends_start_then_zero_with_one_rid_and_its_output() -> None:
    with scripted_receiver(200) as receiver:
        done = lubdub("run", "--url", receiver.url, CHECK, "--", "sh", "-c", "echo out; echo err >&2")
    assert done.returncode == 0
    assert (done.stdout, done.stderr) == (b"out\n", b"err\n")
    start, end = receiver.requests
    assert (start.path, end.path) == (f"/ping/{CHECK}/start", f"/ping/{CHECK}/0")
    assert start.query["rid"] == end.query["rid"] and len(start.query["rid"][0]) == 36
    assert start.body == b"" and sorted(end.body.splitlines()) == [b"err", b"out"]
    assert end.content_type == "text/plain; charset=utf-8"


def test_a_failing_job_reports_its_code_and_lubdub_exits_with_it() -> None:
    with scripted_receiver(200) as receiver:
        done = lubdub("run", "--url", receiver.url, CHECK, "--", "sh", "-c", "echo boom; exit 3")
    assert done.returncode == 3
    assert [r.path for r in receiver.requests] == [f"/ping/{CHECK}/start", f"/ping/{CHECK}/3"]
    assert receiver.requests[1].body == b"boom\n"


def test_a_job_that_cannot_start_is_a_fail_and_exit_127() -> None:
    with scripted_receiver(200) as receiver:
        done = lubdub("run", "--url", receiver.url, CHECK, "--", "/no/such/program")
    assert done.returncode == 127
    assert [r.path for r in receiver.requests] == [f"/ping/{CHECK}/start", f"/ping/{CHECK}/fail"]
    assert b"could not start" in receiver.requests[1].body


def test_the_output_streams_through_and_the_end_of_it_is_sent_within_the_servers_limit() -> None:
    script = "for i in $(seq 1 3000); do echo line-$i; done"
    with scripted_receiver(200, body_limit=1000) as receiver:
        done = lubdub("run", "--url", receiver.url, CHECK, "--", "sh", "-c", script)
    assert done.returncode == 0
    assert done.stdout.splitlines() == [f"line-{i}".encode() for i in range(1, 3001)]  # all of it, in order
    sent = receiver.requests[1].body
    assert len(sent) == 1000 and sent.endswith(b"line-3000\n")
    with scripted_receiver(200) as receiver:  # no header: at most the 10 KB kept
        lubdub("run", "--url", receiver.url, CHECK, "--", "sh", "-c", script)
    assert len(receiver.requests[1].body) == 10_000


def test_output_is_streamed_as_it_comes_not_when_the_job_ends() -> None:
    with scripted_receiver(200) as receiver:
        process = subprocess.Popen([sys.executable, "-m", "lubdub", "run", "--url", receiver.url, CHECK, "--",
                                    "sh", "-c", "echo first; sleep 3; echo second"], stdout=subprocess.PIPE)
        assert process.stdout is not None
        began = time.monotonic()
        assert process.stdout.readline() == b"first\n"
        assert time.monotonic() - began < 2.5  # seen before the job's sleep ended
        assert process.stdout.read() == b"second\n" and process.wait(timeout=30) == 0


def test_timeouts_408_429_and_5xx_are_retried_other_4xx_are_not() -> None:
    with scripted_receiver(503, 200) as receiver:
        assert lubdub("run", "--url", receiver.url, "--attempts", "3", CHECK, "--", "true").returncode == 0
    assert [r.path.rsplit("/", 1)[1] for r in receiver.requests] == ["start", "start", "0"]
    with scripted_receiver(429, 408, 502, 200) as receiver:
        assert lubdub("ping", "--url", receiver.url, "--attempts", "4", CHECK).returncode == 0
    assert len(receiver.requests) == 4
    with scripted_receiver(404) as receiver:
        done = lubdub("run", "--url", receiver.url, "--attempts", "5", CHECK, "--", "sh", "-c", "exit 2")
    assert done.returncode == 2 and len(receiver.requests) == 2  # one try each: a 404 will not pass
    assert b"not delivered" in done.stderr


def test_a_hanging_receiver_neither_holds_the_job_nor_changes_its_exit_code() -> None:
    with hanging_receiver() as url:
        began = time.monotonic()
        done = lubdub("run", "--url", url, "--timeout", "0.5", "--attempts", "2", CHECK, "--",
                      "sh", "-c", "echo working; sleep 1; exit 4", timeout=60)
        took = time.monotonic() - began
    assert done.returncode == 4 and done.stdout == b"working\n"
    assert b"not delivered" in done.stderr
    # The job (1 s) ran while the start check-in hung; then the end check-in's two bounded tries.
    assert took < 1 + 2 * (0.5 + 1) + 3


def test_an_unreachable_server_never_fails_the_job() -> None:
    done = lubdub("run", "--url", "http://127.0.0.1:9", "--attempts", "1", CHECK, "--", "sh", "-c", "exit 0")
    assert done.returncode == 0 and b"not delivered" in done.stderr


def test_without_a_way_to_report_the_job_still_runs() -> None:
    done = lubdub("run", "--url", "http://127.0.0.1:9", "some-slug", "--", "sh", "-c", "echo ran; exit 5")
    assert (done.returncode, done.stdout) == (5, b"ran\n")
    assert b"running the job without check-ins" in done.stderr


def test_a_slug_with_a_ping_key_uses_the_slug_url() -> None:
    with scripted_receiver(200) as receiver:
        assert lubdub("run", "--url", receiver.url, "--ping-key", "k" * 22, "nightly", "--", "true").returncode == 0
    assert receiver.requests[0].path == f"/ping/{'k' * 22}/nightly/start"


@pytest.mark.parametrize("command", [["--help"], ["run", "--help"], ["ping", "--help"], ["status", "--help"],
                                     ["pause", "--help"], ["resume", "--help"], ["apply", "--help"],
                                     ["export", "--help"]])
def test_every_command_has_help(command: list[str]) -> None:
    done = lubdub(*command)
    assert done.returncode == 0 and b"Usage: lubdub" in done.stdout


def test_shell_completion_is_offered() -> None:
    done = subprocess.run([sys.executable, "-m", "lubdub", "--show-completion", "bash"], capture_output=True,
                          timeout=30, env={"PATH": "/usr/bin:/bin", "SHELL": "/bin/bash"})
    assert done.returncode == 0 and b"complete" in done.stdout
