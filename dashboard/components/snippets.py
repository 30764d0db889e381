"""Ready-to-paste check-in snippets for a heartbeat's URL (pure text builders)."""

from __future__ import annotations

CURL = "curl -fsS -m 10 --retry 5 -o /dev/null"


def cron_schedule(interval: int) -> str:
    """A crontab schedule matching ``interval`` when cron can say it, else every 5 minutes."""
    minute, hour, day = 60, 3_600, 86_400
    if interval == minute:
        return "* * * * *"
    if interval % minute == 0 and interval < hour and hour % interval == 0:
        return f"*/{interval // minute} * * * *"
    if interval == hour:
        return "0 * * * *"
    if interval % hour == 0 and interval < day and day % interval == 0:
        return f"0 */{interval // hour} * * *"
    if interval == day:
        return "0 3 * * *"
    if interval == 7 * day:
        return "0 3 * * 1"
    return "*/5 * * * *"


def crontab_snippet(url: str, interval: int) -> str:
    return (
        "# Run the job, then check in when it succeeded:\n"
        f"{cron_schedule(interval)} /path/to/job.sh && {CURL} {url}\n"
    )


def curl_snippet(url: str) -> str:
    return (
        "# A plain check-in (\"tick\")\n"
        f"{CURL} {url}\n\n"
        "# The job started ...\n"
        f"{CURL} \"{url}?result=run\"\n"
        "# ... and finished well (the run time is recorded)\n"
        f"{CURL} \"{url}?result=complete\"\n"
        "# ... or failed, with a message\n"
        f"{CURL} -G --data-urlencode \"message=disk full\" \"{url}?result=fail\"\n"
    )


def shell_snippet(url: str) -> str:
    return (
        "#!/bin/sh\n"
        "# lubdub-run: run a command and report its outcome.\n"
        "#   usage: lubdub-run /path/to/job.sh --its-args\n"
        f"URL=\"{url}\"\n"
        f"{CURL} \"$URL?result=run\"\n"
        "\"$@\"\n"
        "code=$?\n"
        "if [ \"$code\" -eq 0 ]; then\n"
        f"  {CURL} \"$URL?result=complete\"\n"
        "else\n"
        f"  {CURL} -G --data-urlencode \"message=exit code $code\" \"$URL?result=fail\"\n"
        "fi\n"
        "exit \"$code\"\n"
    )


def python_snippet(url: str) -> str:
    return (
        "import urllib.parse\n"
        "import urllib.request\n\n"
        f"PING_URL = \"{url}\"\n\n\n"
        "def check_in(result: str = \"tick\", message: str = \"\") -> None:\n"
        "    query = urllib.parse.urlencode({\"result\": result, \"message\": message[:1000]})\n"
        "    urllib.request.urlopen(f\"{PING_URL}?{query}\", timeout=10)\n\n\n"
        "check_in(\"run\")\n"
        "try:\n"
        "    run_the_job()  # your code\n"
        "except Exception as exc:\n"
        "    check_in(\"fail\", repr(exc))\n"
        "    raise\n"
        "check_in(\"complete\")\n"
    )


def node_snippet(url: str) -> str:
    return (
        "// Node 18+, in an ES module (job.mjs): global fetch, top-level await\n"
        f"const PING_URL = \"{url}\";\n\n"
        "async function checkIn(result = \"tick\", message = \"\") {\n"
        "  const query = new URLSearchParams({ result, message: message.slice(0, 1000) });\n"
        "  await fetch(`${PING_URL}?${query}`, { signal: AbortSignal.timeout(10_000) });\n"
        "}\n\n"
        "await checkIn(\"run\");\n"
        "try {\n"
        "  await runTheJob(); // your code\n"
        "  await checkIn(\"complete\");\n"
        "} catch (err) {\n"
        "  await checkIn(\"fail\", String(err));\n"
        "  throw err;\n"
        "}\n"
    )


def all_snippets(url: str, interval: int) -> dict[str, str]:
    return {
        "crontab": crontab_snippet(url, interval),
        "curl": curl_snippet(url),
        "shell": shell_snippet(url),
        "python": python_snippet(url),
        "node": node_snippet(url),
    }
