"""``python -m dashboard import-healthchecks`` against responses recorded from a real Healthchecks server."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from dashboard import cli
from dashboard.core import hc_import
from dashboard.core.alerts.channels import create_channel
from dashboard.core.contracts import ChannelCreate
from dashboard.core.healthchecks import unique_key
from dashboard.db import session_scope
from tests.factories import make_heartbeat, make_service, ping
from tests.healthchecks.replay import load, replay_server

RW, RO = "hcw_ImportRecordingKeyRW00000000", "hcr_ImportRecordingKeyRO00000000"
ALL = ("checks-rw", "channels-rw", "checks-ro", "channels-ro", "checks-wrong-key")
RECORDED = load("checks-rw")["body"]["checks"]


def run(url: str, *extra: str, key: str = RW) -> int:
    return cli.main(["import-healthchecks", "--url", url, "--api-key", key, "--service", "Imported", *extra])


def rows(engine: Engine) -> dict[str, tuple]:  # type: ignore[type-arg]
    with engine.connect() as conn:
        found = conn.execute(text(
            "SELECT h.ping_id, h.public_id, h.name, h.slug, h.interval, h.schedule, h.timezone, h.grace, h.tags, "
            "h.description, h.methods, h.manual_resume, h.enabled, h.n_pings FROM heartbeat h "
            "JOIN service s ON s.id = h.service_id WHERE s.name = 'Imported'")).all()
    return {row[0]: tuple(row[1:]) for row in found}


@pytest.fixture
def ops_webhook(engine: Engine, now: datetime) -> str:
    with session_scope(engine, write=True) as session:
        return create_channel(session, ChannelCreate(name="Ops webhook", kind="webhook",
                                                     config={"url": "https://ops.example.com/hook"}), now).id


def test_every_check_is_copied_keeping_its_uuid_and_unique_key(engine: Engine, ops_webhook: str,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    with replay_server(*ALL) as url:
        assert run(url, "--ping-key", "importpingkey000000000") == 0
    out = capsys.readouterr().out
    assert "10 checks: 9 create, 0 update, 0 unchanged, 1 skip" in out
    assert "OnCalendar schedules are not supported" in out and "no channel named 'Email to Alice' (email)" in out
    imported = rows(engine)
    by_name = {check["name"]: check for check in reversed(RECORDED)}  # the first of two "Backups"
    assert set(imported) == {c["uuid"] for c in RECORDED if c["name"] != "Reports"}
    backups = by_name["Backups"]
    assert imported[backups["uuid"]] == (unique_key(backups["uuid"]), "Backups", "backups", 3600, None, "UTC", 300,
                                         "prod www", "Nightly backup of the web tier", "GET,POST,HEAD,PUT", False,
                                         True, backups["n_pings"])
    assert imported[by_name["DB dump"]["uuid"]][3:7] == (None, "30 2 * * *", "Europe/Riga", 600)
    assert imported[by_name["Strict POST"]["uuid"]][9:11] == ("POST", True)
    assert not imported[by_name["Paused job"]["uuid"]][11]
    assert imported[by_name[""]["uuid"]][1] == "unnamed-" + by_name[""]["uuid"][:8]
    assert imported[by_name["Dup slug"]["uuid"]][2] is None  # the slug "backups" is taken
    assert sorted(v[1] for v in imported.values() if v[1].startswith("Backups")) == ["Backups", "Backups (2)"]
    # The read-only key's unique_key is the public id: read-only URLs keep working.
    ro_keys = {check["unique_key"] for check in load("checks-ro")["body"]["checks"] if check["name"] != "Reports"}
    assert ro_keys == {v[0] for v in imported.values()}
    with engine.connect() as conn:
        linked = conn.execute(text("SELECT h.name FROM channel_link l JOIN heartbeat h ON h.id = l.heartbeat_id "
                                   "WHERE l.channel_id = :c ORDER BY h.name"), {"c": ops_webhook}).scalars().all()
        ping_key = conn.execute(text("SELECT ping_key FROM service WHERE name = 'Imported'")).scalar()
    assert linked == ["Backups", "DB dump"] and ping_key == "importpingkey000000000"


def test_a_second_run_changes_nothing_and_a_changed_heartbeat_is_put_back(engine: Engine, ops_webhook: str,
                                                                         capsys: pytest.CaptureFixture[str]) -> None:
    with replay_server(*ALL) as url:
        assert run(url) == 0
        first = rows(engine)
        capsys.readouterr()
        assert run(url) == 0
        assert "10 checks: 0 create, 0 update, 9 unchanged, 1 skip" in capsys.readouterr().out
        assert rows(engine) == first
        uuid = RECORDED[0]["uuid"]
        with engine.begin() as conn:
            conn.execute(text("UPDATE heartbeat SET grace = 5, tags = 'x' WHERE ping_id = :id"), {"id": uuid})
            conn.execute(text("DELETE FROM channel_link"))
        ping(engine, uuid)  # check-ins since the import are kept
        assert run(url) == 0
        out = capsys.readouterr().out
        assert "0 create, 2 update, 7 unchanged, 1 skip" in out
    after = rows(engine)
    assert after[uuid][6:8] == first[uuid][6:8] and after[uuid][12] == first[uuid][12] + 1


def test_a_dry_run_changes_nothing(engine: Engine, capsys: pytest.CaptureFixture[str]) -> None:
    with replay_server(*ALL) as url:
        assert run(url, "--dry-run") == 0
    assert "9 create" in capsys.readouterr().out and rows(engine) == {}
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM service")).scalar() == 0


def test_refused_keys_and_read_only_keys_stop_before_anything_changes(engine: Engine,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    with replay_server(*ALL) as url:
        assert run(url, key=RO) == 1
        assert "read-only API key" in capsys.readouterr().err
        assert run(url, key="hcw_WrongKeyWrongKeyWrongKey0000") == 1
        assert "refused the API key (wrong api key)" in capsys.readouterr().err
        assert run(url + "/nothing-here") == 1
    assert run("ftp://example.com") == 1
    assert run("http://127.0.0.1:9") == 1  # nothing listens
    assert rows(engine) == {}


def test_a_uuid_already_used_in_another_service_is_left_alone(engine: Engine, capsys: pytest.CaptureFixture[str]) -> None:
    other = make_service(engine, "elsewhere").id
    taken = RECORDED[1]["uuid"]
    make_heartbeat(engine, other, "mine", ping_id=taken)
    with replay_server(*ALL) as url:
        assert run(url) == 0
    assert "already a heartbeat of the service 'elsewhere': left alone" in capsys.readouterr().out
    assert taken not in rows(engine)


def test_the_ping_key_must_look_like_one_and_be_free(engine: Engine, capsys: pytest.CaptureFixture[str]) -> None:
    make_service(engine, "holder", ping_key="importpingkey000000000")
    with replay_server(*ALL) as url:
        assert run(url, "--ping-key", "importpingkey000000000") == 1
        assert "already has this ping key" in capsys.readouterr().err
        assert run(url, "--ping-key", "BAD") == 1
    assert rows(engine) == {}


def test_default_service_name_is_the_servers_host() -> None:
    assert hc_import.default_service_name("https://hc.example.com:8443/") == "hc.example.com:8443"
