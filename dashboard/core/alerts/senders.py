"""Talking to receivers: webhook (httpx), email (smtplib), Apprise.

Every sender is called outside any database transaction, bounded by a timeout,
and never raises: it returns a ``SendResult`` whose ``error`` is what the
receiver or the network said, word for word where we have it, because that is
what an operator needs to fix a channel.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import logging
import smtplib
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

import apprise
import httpx

from dashboard.config import Settings
from dashboard.core.alerts.payloads import render

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_S = 10.0
MAX_ERROR_LENGTH = 1000
USER_AGENT = "Lubdub-Alerts/1.0"
SIGNATURE_HEADER = "X-Lubdub-Signature"
TIMESTAMP_HEADER = "X-Lubdub-Timestamp"


@dataclass(frozen=True)
class SmtpSettings:
    host: str | None
    port: int = 25
    user: str | None = None
    password: str | None = None
    from_address: str = "lubdub@localhost"
    security: str = "none"  # none | starttls | tls
    # None: the system's trusted CAs.  Tests pass a context that trusts their own certificate.
    ssl_context: ssl.SSLContext | None = None


@dataclass(frozen=True)
class SendOptions:
    timeout_s: float = DEFAULT_TIMEOUT_S
    smtp: SmtpSettings = field(default_factory=lambda: SmtpSettings(host=None))

    @classmethod
    def from_settings(cls, settings: Settings, *, timeout_s: float = DEFAULT_TIMEOUT_S) -> SendOptions:
        return cls(
            timeout_s=timeout_s,
            smtp=SmtpSettings(
                host=settings.smtp_host, port=settings.smtp_port, user=settings.smtp_user,
                password=settings.smtp_password, from_address=settings.smtp_from, security=settings.smtp_security,
            ),
        )


@dataclass(frozen=True)
class SendResult:
    ok: bool
    status_code: int | None = None
    error: str | None = None


def _failure(error: str, status_code: int | None = None) -> SendResult:
    return SendResult(ok=False, status_code=status_code, error=error[:MAX_ERROR_LENGTH])


def _describe(exc: BaseException) -> str:
    detail = str(exc) or repr(exc)
    return f"{type(exc).__name__}: {detail}"


# --- webhook ----------------------------------------------------------------------


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=<hex>`` of HMAC-SHA256(secret, "<timestamp>." + body).

    The timestamp is inside the signed text so a captured request cannot be
    replayed later with a fresh ``X-Lubdub-Timestamp``.
    """
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


@functools.cache
def _default_tls_context() -> ssl.SSLContext:
    """One TLS context for every webhook and mail server: building one loads the CA bundle (~10 ms of CPU
    holding the GIL), which for a burst of a hundred alerts stalled check-ins by tens of
    milliseconds (measured by the soak benchmark).  An SSLContext is safe to share
    between threads."""
    return ssl.create_default_context()


def send_webhook(config: dict[str, Any], payload: dict[str, Any], options: SendOptions) -> SendResult:
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    timestamp = str(int(time.time()))
    headers = {
        **config.get("headers", {}),
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        TIMESTAMP_HEADER: timestamp,
    }
    if config.get("secret"):
        headers[SIGNATURE_HEADER] = sign(config["secret"], timestamp, body)
    try:
        with httpx.Client(timeout=httpx.Timeout(options.timeout_s), follow_redirects=False,
                          verify=_default_tls_context()) as client:
            response = client.post(config["url"], content=body, headers=headers)
    except httpx.TimeoutException as exc:
        return _failure(f"timed out after {options.timeout_s:g} s ({type(exc).__name__})")
    except httpx.HTTPError as exc:
        return _failure(_describe(exc))
    if response.is_success:
        return SendResult(ok=True, status_code=response.status_code)
    snippet = response.text[:300].strip()
    message = f"HTTP {response.status_code} {response.reason_phrase}".rstrip()
    if response.is_redirect:
        message += f" (redirects are not followed; Location: {response.headers.get('location', '')})"
    return _failure(f"{message}: {snippet}" if snippet else message, response.status_code)


# --- email ------------------------------------------------------------------------


def _email(smtp: SmtpSettings, to: list[str], payload: dict[str, Any]) -> EmailMessage:
    message = render(payload)
    email = EmailMessage()
    email["Subject"] = message.title
    email["From"] = smtp.from_address
    email["To"] = ", ".join(to)
    email["Date"] = formatdate(localtime=False, usegmt=True)
    email["Message-ID"] = make_msgid(domain="lubdub")
    email.set_content(message.body)
    return email


def send_email(config: dict[str, Any], payload: dict[str, Any], options: SendOptions) -> SendResult:
    smtp = options.smtp
    if not smtp.host:
        return _failure("email is not configured on this server: set SMTP_HOST (and SMTP_PORT, SMTP_SECURITY, "
                        "SMTP_USER, SMTP_PASSWORD, SMTP_FROM)")
    email = _email(smtp, config["to"], payload)
    context = smtp.ssl_context or _default_tls_context()
    try:
        client: smtplib.SMTP
        if smtp.security == "tls":
            client = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=options.timeout_s, context=context)
        else:
            client = smtplib.SMTP(smtp.host, smtp.port, timeout=options.timeout_s)
        with client:
            if smtp.security == "starttls":
                client.starttls(context=context)
            if smtp.user:
                client.login(smtp.user, smtp.password or "")
            refused = client.send_message(email)
    except smtplib.SMTPRecipientsRefused as exc:
        reasons = "; ".join(f"{addr}: {code} {text.decode(errors='replace')}"
                            for addr, (code, text) in exc.recipients.items())
        return _failure(f"every recipient was refused: {reasons}")
    except smtplib.SMTPResponseException as exc:
        reply = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        return _failure(f"SMTP {exc.smtp_code}: {reply} ({type(exc).__name__})", exc.smtp_code)
    except TimeoutError:
        return _failure(f"timed out after {options.timeout_s:g} s talking to {smtp.host}:{smtp.port}")
    except (OSError, smtplib.SMTPException) as exc:
        return _failure(f"{_describe(exc)} ({smtp.host}:{smtp.port})")
    if refused:
        # The others got it; retrying would send them a second copy.
        reasons = "; ".join(f"{addr}: {code} {text.decode(errors='replace')}" for addr, (code, text) in refused.items())
        return SendResult(ok=True, status_code=250, error=f"some recipients were refused: {reasons}"[:MAX_ERROR_LENGTH])
    return SendResult(ok=True, status_code=250)


# --- apprise ----------------------------------------------------------------------


def send_apprise(config: dict[str, Any], payload: dict[str, Any], options: SendOptions) -> SendResult:
    message = render(payload)
    notifier = apprise.Apprise()
    if not notifier.add(config["url"]):
        return _failure("Apprise does not accept this URL")
    result = notifier.notify(
        body=message.body, title=message.title, notify_type=message.severity, timeout=options.timeout_s
    )
    try:
        if result:
            return SendResult(ok=True)
        # Apprise reports per service through its captured log; keep what it said.
        said = [entry.message for entry in result.logs() if entry.level in ("WARNING", "ERROR", "CRITICAL")]
        reason = " | ".join(dict.fromkeys(said)) or "no details given"
        return _failure(f"Apprise {result.status.name.lower()}: {reason}")
    finally:
        result.close()


SENDERS: dict[str, Callable[[dict[str, Any], dict[str, Any], SendOptions], SendResult]] = {
    "webhook": send_webhook,
    "email": send_email,
    "apprise": send_apprise,
}


def send(kind: str, config: dict[str, Any], payload: dict[str, Any], options: SendOptions) -> SendResult:
    """Send ``payload`` through a channel of ``kind``; any unexpected error becomes a failed result."""
    try:
        return SENDERS[kind](config, payload, options)
    except Exception as exc:  # one broken channel must not stop the others
        log.exception("sending through a %s channel failed unexpectedly", kind)
        return _failure(_describe(exc))
