"""Channels: validation per kind, secrets masked and kept on edit, links, routing."""

from __future__ import annotations

import json

import pytest

from dashboard.core.alerts import channels
from dashboard.core.contracts import ChannelUpdate
from dashboard.core.errors import Conflict, Invalid, NotFound
from dashboard.db import session_scope
from tests.alerts.conftest import attach, make_channel

SECRET = "s3cr3t-signing-key-1234"


def test_it_masks_secrets_to_their_last_four_characters() -> None:
    assert channels.mask_secret(SECRET) == "****1234"
    assert channels.mask_secret("short") == "****"
    assert channels.mask_url("https://user:pw@hooks.example.com/services/T000/B000/XXXXabcd") == \
        "https://hooks.example.com/****abcd"
    assert channels.mask_url("https://example.com/") == "https://example.com/"
    masked = channels.mask_apprise_url("tgram://123456789:AAEabcdefghijklmnop/12315544/")
    assert masked.startswith("tgram://") and "AAEabcdefghijklmnop" not in masked


def test_it_validates_each_kind_and_names_the_bad_key(engine, now) -> None:
    with pytest.raises(Invalid) as error:
        make_channel(engine, "webhook", {"url": "ftp://example.com"}, now=now)
    assert error.value.field == "config.url"
    assert "http" in error.value.reason
    with pytest.raises(Invalid) as error:
        make_channel(engine, "webhook", {"url": "https://example.com", "headers": {"Bad Header": "x"}}, now=now)
    assert error.value.field == "config.headers"
    with pytest.raises(Invalid) as error:
        make_channel(engine, "webhook", {"url": "https://example.com", "headers": {"X-Lubdub-Signature": "x"}},
                     now=now)
    assert "cannot be overridden" in error.value.reason
    with pytest.raises(Invalid) as error:
        make_channel(engine, "email", {"to": ["not-an-address"]}, now=now)
    assert (error.value.field, error.value.reason) == ("config.to", "'not-an-address' is not an email address")
    with pytest.raises(Invalid) as error:
        make_channel(engine, "email", {}, now=now)
    assert (error.value.field, error.value.reason) == ("config.to", "is required")
    with pytest.raises(Invalid) as error:
        make_channel(engine, "apprise", {"url": "nosuchservice://foo"}, now=now)
    assert error.value.field == "config.url"
    with pytest.raises(Invalid) as error:
        make_channel(engine, "webhook", {"url": "https://example.com", "typo": 1}, now=now)
    assert (error.value.field, error.value.reason) == ("config.typo", "is not a webhook setting")


def test_names_are_unique(engine, now) -> None:
    make_channel(engine, "email", {"to": ["ops@example.com"]}, name="ops", now=now)
    with pytest.raises(Conflict):
        make_channel(engine, "email", {"to": ["dev@example.com"]}, name="ops", now=now)


def test_an_edit_that_sends_the_masked_values_back_keeps_the_secrets(engine, now) -> None:
    channel = make_channel(engine, "webhook", {
        "url": "https://hooks.example.com/T000/secret-path-9876",
        "secret": SECRET,
        "headers": {"Authorization": "Bearer abcdefghijklmnop"},
    }, now=now)
    shown = channels.mask_config("webhook", channels.load_config(channel))
    assert shown == {
        "include_ping_url": False,
        "url": "https://hooks.example.com/****9876",
        "secret": "****1234",
        "headers": {"Authorization": "****mnop"},
    }
    assert SECRET not in json.dumps(shown)

    with session_scope(engine, write=True) as session:
        edited = channels.update_channel(session, channel.id, ChannelUpdate.model_validate(
            {"name": "renamed", "config": {**shown, "headers": {**shown["headers"], "X-Team": "ops"}}}), now)
        stored = channels.load_config(edited)
    assert stored == {
        "include_ping_url": False,
        "url": "https://hooks.example.com/T000/secret-path-9876",
        "secret": SECRET,
        "headers": {"Authorization": "Bearer abcdefghijklmnop", "X-Team": "ops"},
    }

    with session_scope(engine, write=True) as session:
        cleared = channels.update_channel(session, channel.id, ChannelUpdate.model_validate(
            {"config": {"secret": None}, "renotify_minutes": 30}), now)
        assert "secret" not in channels.load_config(cleared)
        assert cleared.renotify_minutes == 30
        assert cleared.name == "renamed"


def test_changing_kind_needs_a_full_config_for_the_new_kind(engine, now) -> None:
    channel = make_channel(engine, "webhook", {"url": "https://example.com/x"}, now=now)
    with session_scope(engine, write=True) as session, pytest.raises(Invalid) as error:
        channels.update_channel(session, channel.id, ChannelUpdate.model_validate({"kind": "email"}), now)
    assert error.value.field == "config.to"
    with session_scope(engine, write=True) as session:
        changed = channels.update_channel(session, channel.id, ChannelUpdate.model_validate(
            {"kind": "email", "config": {"to": ["a@example.com"]}}), now)
        assert (changed.kind, channels.load_config(changed)) == ("email", {"include_ping_url": False, "to": ["a@example.com"]})


def test_links_go_to_exactly_one_existing_target(engine, make_heartbeat, now) -> None:
    hb = make_heartbeat()
    channel = make_channel(engine, "email", {"to": ["ops@example.com"]}, now=now)
    with session_scope(engine, write=True) as session:
        with pytest.raises(Invalid):
            channels.attach(session, channel.id, now)
        with pytest.raises(Invalid):
            channels.attach(session, channel.id, now, service_id=hb.service_id, heartbeat_id=hb.id)
        with pytest.raises(Invalid) as error:
            channels.attach(session, channel.id, now, heartbeat_id="00000000-0000-4000-8000-000000000000")
        assert error.value.field == "heartbeat_id"
        with pytest.raises(NotFound):
            channels.attach(session, "not-a-uuid", now, heartbeat_id=hb.id)
    attach(engine, channel, now, heartbeat_id=hb.id)
    with pytest.raises(Conflict):
        attach(engine, channel, now, heartbeat_id=hb.id)
    with session_scope(engine, write=True) as session:
        channels.detach(session, channel.id, heartbeat_id=hb.id)
        with pytest.raises(NotFound):
            channels.detach(session, channel.id, heartbeat_id=hb.id)


def test_routing_is_own_and_service_channels_else_defaults(engine, make_heartbeat, now) -> None:
    lonely = make_heartbeat("lonely", service="other")
    hb = make_heartbeat("backup")
    sibling = make_heartbeat("sibling")
    default = make_channel(engine, "email", {"to": ["oncall@example.com"]}, name="default", is_default=True, now=now)
    own = make_channel(engine, "email", {"to": ["a@example.com"]}, name="own", now=now)
    team = make_channel(engine, "email", {"to": ["team@example.com"]}, name="team", now=now)
    attach(engine, own, now, heartbeat_id=hb.id)
    attach(engine, team, now, service_id=hb.service_id)
    attach(engine, team, now, heartbeat_id=hb.id)  # both ways: still once

    with session_scope(engine) as session:
        routes = channels.route(session.connection(), [lonely.id, hb.id, sibling.id])
    assert routes == {
        lonely.id: {default.id: "default"},
        hb.id: {own.id: "heartbeat", team.id: "heartbeat"},
        sibling.id: {team.id: "service"},
    }


def test_deleting_a_channel_removes_its_links(engine, make_heartbeat, now) -> None:
    hb = make_heartbeat()
    channel = make_channel(engine, "email", {"to": ["ops@example.com"]}, now=now)
    attach(engine, channel, now, heartbeat_id=hb.id)
    with session_scope(engine, write=True) as session:
        channels.delete_channel(session, channel.id)
    with session_scope(engine) as session:
        assert channels.route(session.connection(), [hb.id]) == {hb.id: {}}
        with pytest.raises(NotFound):
            channels.get_channel(session, channel.id)
