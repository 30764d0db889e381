"""Sending with real receivers on loopback: webhook + signature, SMTP, Apprise, retries, leases."""

from __future__ import annotations

import hashlib
import hmac
import json
import ssl
import subprocess
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword

from dashboard import db
from dashboard.core.alerts.delivery import (
    INTERRUPTED,
    LEASE,
    MAX_ATTEMPTS,
    claim_due,
    deliver_due,
    send_test,
)
from dashboard.core.alerts.dispatcher import dispatch_pass
from dashboard.core.alerts.senders import SendOptions, SmtpSettings
from tests.alerts.conftest import PUBLIC_URL, deliveries, make_channel, rows
from tests.alerts.receivers import HttpReceiver, SmtpReceiver, free_port
from tests.factories import ping

SECRET = "whsec-0123456789abcdef"
OPTIONS = SendOptions(timeout_s=5)


def attempts(engine, delivery_id: int) -> list:  # type: ignore[no-untyped-def,type-arg]
    return rows(engine, "SELECT attempt, started_at, ok, status_code, error FROM delivery_attempt "
                        "WHERE delivery_id = :id ORDER BY attempt", id=delivery_id)


def go_down(engine, make_heartbeat, now, name: str = "backup"):  # type: ignore[no-untyped-def]
    hb = make_heartbeat(name, interval=60)
    ping(engine, hb.id, at=now)
    ping(engine, hb.id, "fail", at=now)
    dispatch_pass(engine, now, public_url=PUBLIC_URL)
    return hb


def test_a_webhook_is_posted_as_signed_json(engine, make_heartbeat, receiver, now) -> None:
    make_channel(engine, "webhook", {"url": receiver.url, "secret": SECRET, "headers": {"X-Team": "ops"}},
                 is_default=True, now=now)
    hb = go_down(engine, make_heartbeat, now)
    assert [status for _, status in deliver_due(engine, now, OPTIONS)] == ["delivered"]

    [request] = receiver.requests
    assert request.path == "/hook"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["x-team"] == "ops"
    timestamp = request.headers["x-lubdub-timestamp"]
    expected = hmac.new(SECRET.encode(), timestamp.encode() + b"." + request.body, hashlib.sha256).hexdigest()
    assert request.headers["x-lubdub-signature"] == f"sha256={expected}"
    body = json.loads(request.body)
    assert (body["event"], body["status"], body["reason"]) == ("down", "down", "fail")
    # Named by its public id; the check-in URL only goes to channels that ask for it.
    assert body["heartbeat"] == {"id": hb.public_id, "name": "backup"} and body["service"]["name"] == "default"
    assert body["dashboard_url"] == f"{PUBLIC_URL}/heartbeats/{hb.public_id}"
    assert hb.ping_id not in request.body.decode() and hb.id not in request.body.decode()
    assert body["last_check_in"] == "2026-11-02T12:00:00.000000Z"
    assert body["attempt"] == 1 and isinstance(body["delivery_id"], int)

    [delivery] = deliveries(engine)
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("delivered", 1, None)
    [attempt] = attempts(engine, delivery.id)
    assert (attempt.ok, attempt.status_code, attempt.error) == (True, 200, None)


def test_a_receiver_that_is_down_gets_the_alert_after_retries(engine, make_heartbeat, now) -> None:
    port = free_port()
    make_channel(engine, "webhook", {"url": f"http://127.0.0.1:{port}/hook"}, is_default=True, now=now)
    go_down(engine, make_heartbeat, now)

    assert [s for _, s in deliver_due(engine, now, OPTIONS)] == ["pending"]
    [delivery] = deliveries(engine)
    assert "ConnectError" in delivery.last_error
    assert delivery.next_attempt_at == int((now + timedelta(seconds=10)).timestamp() * 1_000_000)
    assert deliver_due(engine, now + timedelta(seconds=9), OPTIONS) == []  # not due yet
    assert [s for _, s in deliver_due(engine, now + timedelta(seconds=10), OPTIONS)] == ["pending"]
    # The second retry waits a minute.
    assert deliver_due(engine, now + timedelta(seconds=69), OPTIONS) == []

    receiver = HttpReceiver(port=port).start()
    try:
        assert [s for _, s in deliver_due(engine, now + timedelta(seconds=70), OPTIONS)] == ["delivered"]
        assert len(receiver.requests) == 1
        assert json.loads(receiver.requests[0].body)["attempt"] == 3
    finally:
        receiver.stop()
    [delivery] = deliveries(engine)
    assert (delivery.status, delivery.attempts) == ("delivered", 3)
    log = attempts(engine, delivery.id)
    assert [(a.attempt, a.ok) for a in log] == [(1, False), (2, False), (3, True)]
    assert "Connection refused" in log[0].error


def test_it_gives_up_after_the_last_attempt_and_keeps_the_receivers_answer(engine, make_heartbeat, receiver,
                                                                            now) -> None:
    receiver.status, receiver.reply = 503, b"maintenance until 13:00"
    make_channel(engine, "webhook", {"url": receiver.url}, is_default=True, now=now)
    go_down(engine, make_heartbeat, now)
    moment, statuses = now, []
    for _ in range(MAX_ATTEMPTS):
        statuses += [s for _, s in deliver_due(engine, moment, OPTIONS)]
        moment += timedelta(hours=1)
    assert statuses == ["pending"] * (MAX_ATTEMPTS - 1) + ["failed"]
    [delivery] = deliveries(engine)
    assert delivery.status == "failed" and delivery.next_attempt_at is None
    assert delivery.last_error == "HTTP 503 Service Unavailable: maintenance until 13:00"
    assert [a.status_code for a in attempts(engine, delivery.id)] == [503] * MAX_ATTEMPTS
    assert deliver_due(engine, moment + timedelta(days=1), OPTIONS) == []


def test_a_lapsed_claim_is_taken_over_and_the_lost_attempt_logged(engine, make_heartbeat, receiver, now) -> None:
    make_channel(engine, "webhook", {"url": receiver.url}, is_default=True, now=now)
    go_down(engine, make_heartbeat, now)
    [claimed] = claim_due(engine, now, 10)  # ...and the process dies before sending
    assert claim_due(engine, now + LEASE - timedelta(seconds=1), 10) == []  # still leased: nobody else sends
    assert [s for _, s in deliver_due(engine, now + LEASE, OPTIONS)] == ["delivered"]
    log = attempts(engine, claimed.id)
    assert [(a.attempt, a.ok, a.error) for a in log] == [(1, False, INTERRUPTED), (2, True, None)]
    assert len(receiver.requests) == 1


def test_pending_deliveries_survive_a_restart(engine, make_heartbeat, receiver, now, database_url) -> None:
    make_channel(engine, "webhook", {"url": receiver.url}, is_default=True, now=now)
    go_down(engine, make_heartbeat, now)
    db.dispose_engines()  # "restart": nothing of the first process is left but the database
    fresh = db.get_engine(database_url)
    assert [s for _, s in deliver_due(fresh, now, OPTIONS)] == ["delivered"]
    assert len(receiver.requests) == 1


def test_an_email_arrives_with_subject_and_body(engine, make_heartbeat, smtp_server, now) -> None:
    options = SendOptions(timeout_s=5, smtp=SmtpSettings(host="127.0.0.1", port=smtp_server.port,
                                                         from_address="lubdub@example.com"))
    make_channel(engine, "email", {"to": ["ops@example.com", "dev@example.com"]}, is_default=True, now=now)
    hb = go_down(engine, make_heartbeat, now, name="nightly-backup")
    assert [s for _, s in deliver_due(engine, now, options)] == ["delivered"]

    [message] = smtp_server.wait_for(1)
    assert message["Subject"] == "[Lubdub] DOWN: nightly-backup (default)"
    assert message["From"] == "lubdub@example.com"
    assert smtp_server.mailbox.recipients == [["ops@example.com", "dev@example.com"]]
    body = message.get_content()
    assert "Status:    DOWN — the job reported a failure" in body
    assert "Down since: 2026-11-02 12:00:00 UTC" in body
    assert f"{PUBLIC_URL}/heartbeats/{hb.public_id}" in body and hb.ping_id not in body

    ping(engine, hb.id, at=now + timedelta(minutes=1))
    dispatch_pass(engine, now + timedelta(minutes=1), public_url=PUBLIC_URL)
    deliver_due(engine, now + timedelta(minutes=1), options)
    assert smtp_server.wait_for(2)[1]["Subject"] == "[Lubdub] UP: nightly-backup (default) recovered"


@pytest.fixture
def certificate(tmp_path: Path) -> Path:
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(tmp_path / "key.pem"),
         "-out", str(tmp_path / "cert.pem")],
        check=True, capture_output=True,
    )
    return tmp_path


@pytest.fixture
def starttls_server(certificate: Path) -> Iterator[SmtpReceiver]:
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(certificate / "cert.pem", certificate / "key.pem")

    def authenticate(server, session, envelope, mechanism, auth_data):  # type: ignore[no-untyped-def]
        ok = isinstance(auth_data, LoginPassword) and auth_data == (b"alerts", b"hunter2")
        return AuthResult(success=ok, handled=False)

    server = SmtpReceiver(tls_context=server_context, require_starttls=True, authenticator=authenticate,
                          auth_required=True).start()
    yield server
    server.stop()


def test_email_over_starttls_with_login(engine, starttls_server, certificate, now) -> None:
    trusted = ssl.create_default_context(cafile=str(certificate / "cert.pem"))
    smtp = SmtpSettings(host="127.0.0.1", port=starttls_server.port, user="alerts", password="hunter2",
                        security="starttls", ssl_context=trusted)
    channel = make_channel(engine, "email", {"to": ["ops@example.com"]}, now=now)
    outcome = send_test(engine, channel.id, now, SendOptions(timeout_s=5, smtp=smtp), public_url=PUBLIC_URL)
    assert (outcome.result.ok, outcome.result.error) == (True, None)
    assert starttls_server.wait_for(1)[0]["Subject"] == "[Lubdub] Test notification"

    wrong = SmtpSettings(host="127.0.0.1", port=starttls_server.port, user="alerts", password="nope",
                         security="starttls", ssl_context=trusted)
    outcome = send_test(engine, channel.id, now, SendOptions(timeout_s=5, smtp=wrong), public_url=PUBLIC_URL)
    assert not outcome.result.ok
    assert outcome.result.status_code == 535
    assert outcome.result.error.startswith("SMTP 535:")


def test_apprise_delivers_to_a_json_url_on_loopback(engine, make_heartbeat, receiver, now) -> None:
    make_channel(engine, "apprise", {"url": f"json://127.0.0.1:{receiver.port}/hook"}, is_default=True, now=now)
    go_down(engine, make_heartbeat, now, name="etl")
    assert [s for _, s in deliver_due(engine, now, OPTIONS)] == ["delivered"]
    [request] = receiver.requests
    body = json.loads(request.body)
    assert body["title"] == "[Lubdub] DOWN: etl (default)"
    assert "the job reported a failure" in body["message"]
    assert body["type"] == "failure"


def test_apprise_reports_what_went_wrong(engine, receiver, now) -> None:
    receiver.status = 500
    channel = make_channel(engine, "apprise", {"url": f"json://127.0.0.1:{receiver.port}/hook"}, now=now)
    outcome = send_test(engine, channel.id, now, OPTIONS, public_url=PUBLIC_URL)
    assert not outcome.result.ok
    assert outcome.result.error.startswith("Apprise failure: ")
    assert "500" in outcome.result.error


def test_send_test_reports_success_or_the_exact_error_and_is_logged(engine, receiver, now) -> None:
    good = make_channel(engine, "webhook", {"url": receiver.url}, name="good", now=now)
    outcome = send_test(engine, good.id, now, OPTIONS, public_url=PUBLIC_URL)
    assert (outcome.result.ok, outcome.result.status_code, outcome.result.error) == (True, 200, None)
    assert json.loads(receiver.requests[0].body)["event"] == "test"

    refused = make_channel(engine, "webhook", {"url": f"http://127.0.0.1:{free_port()}/x"}, name="refused", now=now)
    outcome = send_test(engine, refused.id, now, OPTIONS, public_url=PUBLIC_URL)
    assert not outcome.result.ok
    assert outcome.result.error == "ConnectError: [Errno 111] Connection refused"

    mail = make_channel(engine, "email", {"to": ["ops@example.com"]}, name="mail", now=now)
    outcome = send_test(engine, mail.id, now, OPTIONS, public_url=PUBLIC_URL)
    assert outcome.result.error.startswith("email is not configured on this server: set SMTP_HOST")

    logged = deliveries(engine)
    assert [(d.kind, d.status, d.attempts) for d in logged] == [
        ("test", "delivered", 1), ("test", "failed", 1), ("test", "failed", 1)]
    assert logged[1].last_error == "ConnectError: [Errno 111] Connection refused"
    # Tests are never retried.
    assert deliver_due(engine, now + timedelta(days=1), OPTIONS) == []


def test_a_channel_can_ask_for_the_check_in_url(engine, make_heartbeat, receiver, now) -> None:
    make_channel(engine, "webhook", {"url": receiver.url, "include_ping_url": True}, is_default=True, now=now)
    hb = go_down(engine, make_heartbeat, now)
    deliver_due(engine, now, OPTIONS)
    [request] = receiver.requests
    assert json.loads(request.body)["heartbeat"]["ping_url"] == f"{PUBLIC_URL}/ping/{hb.ping_id}"
