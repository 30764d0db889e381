"""The lubdub command.  Configured by LUBDUB_URL and LUBDUB_API_KEY (or --url,
--api-key); LUBDUB_PING_KEY (--ping-key) lets run and ping name a
heartbeat by its slug without an API key.  lubdub --install-completion installs
shell completion."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from lubdub import __version__
from lubdub.client import Api, LubdubError, is_uuid, send_checkin
from lubdub.run import RunOptions, run_job
from lubdub.spec import export as export_file
from lubdub.spec import parse, plan, read_state

app = typer.Typer(help=__doc__, no_args_is_help=True, context_settings={"help_option_names": ["-h", "--help"]},
                  pretty_exceptions_enable=False, rich_markup_mode=None)

UrlOption = Annotated[str, typer.Option("--url", envvar="LUBDUB_URL", help="The server, e.g. https://lubdub.example.com.")]
KeyOption = Annotated[str | None, typer.Option("--api-key", envvar="LUBDUB_API_KEY", help="An API key (lbd_…).")]
PingKeyOption = Annotated[str | None, typer.Option(
    "--ping-key", envvar="LUBDUB_PING_KEY", help="The service's ping key: CHECK may then be a slug without an API key.")]
CheckArgument = Annotated[str, typer.Argument(help="The heartbeat: its check-in id, or its slug (or name, with an API key).",
                                              metavar="CHECK")]
DEFAULT_URL = "http://localhost:3000"


def _fail(message: str, code: int = 1) -> typer.Exit:
    typer.echo(f"lubdub: {message}", err=True)
    return typer.Exit(code)


def checkin_base(url: str, check: str, api_key: str | None, ping_key: str | None) -> str:
    """``{url}/ping/{id}`` or ``{url}/ping/{ping_key}/{slug}`` for CHECK."""
    base = url.rstrip("/")
    if is_uuid(check):
        return f"{base}/ping/{check.lower()}"
    if ping_key:
        return f"{base}/ping/{ping_key}/{check}"
    if api_key:
        heartbeat = Api(base, api_key).find_heartbeat(check)
        if heartbeat.get("url") is None:
            raise LubdubError("this API key may not see check-in URLs (a viewer key): use an editor key or the check-in id")
        return str(heartbeat["url"]).removesuffix("/")
    raise LubdubError(f"{check!r} is not a check-in id: give LUBDUB_PING_KEY (for a slug) or LUBDUB_API_KEY")


@app.command()
def run(
    check: CheckArgument,
    command: Annotated[list[str], typer.Argument(help="The job and its arguments (after --).", metavar="-- COMMAND...")],
    url: UrlOption = DEFAULT_URL,
    api_key: KeyOption = None,
    ping_key: PingKeyOption = None,
    timeout: Annotated[float, typer.Option(help="Seconds per check-in attempt.", min=0.1)] = 10.0,
    attempts: Annotated[int, typer.Option(help="Attempts per check-in (timeouts, 408, 429, 5xx are retried).",
                                          min=1, max=20)] = 3,
) -> None:
    """Run COMMAND and report it: a start, then its exit code and the end of its output.

    Exits with COMMAND's own exit code; a check-in that cannot be delivered never fails the job.
    """
    try:
        base = checkin_base(url, check, api_key, ping_key)
    except LubdubError as exc:
        # Not knowing where to report must not keep the job from running.
        typer.echo(f"lubdub: {exc}; running the job without check-ins", err=True)
        base = ""
    if not base:
        import subprocess

        try:
            raise typer.Exit(subprocess.call(command))
        except OSError as exc:
            raise _fail(f"could not start {command[0]!r}: {exc}", 127) from None
    raise typer.Exit(run_job(base, command, RunOptions(timeout=timeout, attempts=attempts)))


@app.command()
def ping(
    check: CheckArgument,
    url: UrlOption = DEFAULT_URL,
    api_key: KeyOption = None,
    ping_key: PingKeyOption = None,
    start: Annotated[bool, typer.Option("--start", help="The job started.")] = False,
    fail: Annotated[bool, typer.Option("--fail", help="The job failed.")] = False,
    log: Annotated[bool, typer.Option("--log", help="Only record the message.")] = False,
    exit_code: Annotated[int | None, typer.Option("--exit-code", min=0, max=255, help="The job's exit code.")] = None,
    message: Annotated[str, typer.Option("--message", "-m", help="The message (- reads stdin).")] = "",
    rid: Annotated[str | None, typer.Option(help="A run id pairing a start with its end.")] = None,
    timeout: Annotated[float, typer.Option(help="Seconds per attempt.", min=0.1)] = 10.0,
    attempts: Annotated[int, typer.Option(help="Attempts (timeouts, 408, 429, 5xx are retried).", min=1, max=20)] = 3,
) -> None:
    """Send one check-in (a plain one by default)."""
    chosen = [name for name, on in (("start", start), ("fail", fail), ("log", log), ("exit", exit_code is not None)) if on]
    if len(chosen) > 1:
        raise _fail(f"choose one of --start, --fail, --log, --exit-code (got {', '.join(chosen)})", 2)
    suffix = "/start" if start else "/fail" if fail else "/log" if log else f"/{exit_code}" if exit_code is not None else ""
    body = sys.stdin.buffer.read() if message == "-" else message.encode()
    try:
        base = checkin_base(url, check, api_key, ping_key)
    except LubdubError as exc:
        raise _fail(str(exc)) from None
    result = send_checkin(base + suffix, body=body, params={"rid": rid} if rid else {}, timeout=timeout, attempts=attempts)
    if not result.ok:
        raise _fail(f"check-in not recorded: {result.error or result.status}")
    typer.echo(f"recorded ({result.status})")


def _ago(stamp: str | None, now: datetime) -> str:
    if not stamp:
        return "-"
    seconds = int((now - datetime.fromisoformat(stamp.replace("Z", "+00:00"))).total_seconds())
    future = seconds < 0
    seconds = abs(seconds)
    text = f"{seconds}s" if seconds < 120 else f"{seconds // 60}m" if seconds < 7200 else \
        f"{seconds // 3600}h" if seconds < 172800 else f"{seconds // 86400}d"
    return f"in {text}" if future else f"{text} ago"


def table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(row[i])) for row in [headers, *rows]) for i in range(len(headers))]
    return "\n".join("  ".join(str(cell).ljust(widths[i]) for i, cell in enumerate(row)).rstrip()
                     for row in [headers, *rows])


@app.command()
def status(
    url: UrlOption = DEFAULT_URL,
    api_key: KeyOption = None,
    service: Annotated[str | None, typer.Option(help="Only this service (name or id).")] = None,
    tag: Annotated[list[str] | None, typer.Option(help="Only heartbeats with this tag (repeat: all of them).")] = None,
) -> None:
    """A table of heartbeats; exits 1 when any is down (for CI and scripts)."""
    try:
        api = Api(url, api_key)
        services = {s["id"]: s["name"] for s in api.pages("/service")}
        params: dict[str, Any] = {"tag": tag or []}
        if service is not None:
            matches = [sid for sid, name in services.items() if service in (sid, name)]
            if not matches:
                raise LubdubError(f"no service {service!r}")
            params["service_id"] = matches[0]
        beats = list(api.pages("/heartbeat", **params))
    except LubdubError as exc:
        raise _fail(str(exc), 2) from None
    now = datetime.now().astimezone()
    order = {"down": 0, "late": 1, "up": 2, "new": 3, "paused": 4}
    beats.sort(key=lambda hb: (order.get(hb["status"], 5), services.get(hb["service_id"], ""), hb["name"]))
    rows = [[services.get(hb["service_id"], hb["service_id"]), hb["name"], hb["status"].upper(),
             _ago(hb["last_ping_at"], now), _ago(hb["next_due_at"], now), hb.get("tags", "")] for hb in beats]
    typer.echo(table(["SERVICE", "HEARTBEAT", "STATUS", "LAST CHECK-IN", "NEXT DUE", "TAGS"], rows))
    down = sum(1 for hb in beats if hb["status"] == "down")
    typer.echo(f"{len(beats)} heartbeats, {down} down")
    raise typer.Exit(1 if down else 0)


def _set_enabled(check: str, url: str, api_key: str | None, enabled: bool) -> None:
    try:
        api = Api(url, api_key)
        heartbeat = api.find_heartbeat(check)
        updated = api.request("PUT", f"/heartbeat/{heartbeat['id']}", json={"enabled": enabled})
    except LubdubError as exc:
        raise _fail(str(exc)) from None
    typer.echo(f"{updated['name']}: {updated['status']}")


@app.command()
def pause(check: CheckArgument, url: UrlOption = DEFAULT_URL, api_key: KeyOption = None) -> None:
    """Pause a heartbeat: nothing is missed or alerted until it is resumed."""
    _set_enabled(check, url, api_key, False)


@app.command()
def resume(check: CheckArgument, url: UrlOption = DEFAULT_URL, api_key: KeyOption = None) -> None:
    """Resume a paused heartbeat (a fresh period starts now)."""
    _set_enabled(check, url, api_key, True)


@app.command()
def apply(
    file: Annotated[Path, typer.Argument(help="The YAML file (see `lubdub export`).", exists=True, dir_okay=False)],
    url: UrlOption = DEFAULT_URL,
    api_key: KeyOption = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the changes, make none.")] = False,
    prune: Annotated[bool, typer.Option("--prune", help="Also delete services and heartbeats the file does not list.")] = False,
) -> None:
    """Make services, heartbeats and their channel links match FILE, printing each change."""
    try:
        wanted = parse(file.read_text())
        api = Api(url, api_key)
        changes = plan(api, wanted, read_state(api), prune=prune)
        for change in changes:
            typer.echo(f"{change.sign} {change.text}")
            if not dry_run:
                change.act()
    except (LubdubError, OSError, UnicodeDecodeError) as exc:
        raise _fail(str(exc)) from None
    typer.echo(f"{len(changes)} change(s){' (dry run: none made)' if dry_run and changes else ''}"
               if changes else "nothing to change")


@app.command()
def export(
    url: UrlOption = DEFAULT_URL,
    api_key: KeyOption = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write here instead of to stdout.")] = None,
) -> None:
    """Write the server's services, heartbeats and channel links as a file for `lubdub apply`."""
    try:
        text = export_file(read_state(Api(url, api_key)))
    except LubdubError as exc:
        raise _fail(str(exc)) from None
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"lubdub {__version__}")
        raise typer.Exit()


@app.callback()
def _options(version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                                   help="Print the version.")] = False) -> None:
    pass


def main() -> None:
    app(prog_name="lubdub")
