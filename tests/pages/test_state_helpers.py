"""The habits every page state shares (dashboard/state.py): @authed, confirmations, route params, polling."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import reflex as rx
from sqlalchemy.engine import Engine

from dashboard.forms.heartbeat import HeartbeatFormState
from dashboard.pages.heartbeat import HeartbeatState
from dashboard.pages.heartbeat.alerts_state import HeartbeatAlertsState
from dashboard.pages.heartbeat.data import FEED_PAGE
from dashboard.pages.overview import OverviewState
from dashboard.pages.service import ServiceState
from dashboard.pages.service.state import DELETE_HEARTBEAT, DELETE_SERVICE
from dashboard.pages.settings import SettingsState
from dashboard.pages.settings.state import REVOKE_KEY
from dashboard.state import AuthState, authed, route_params
from dashboard.timeutil import utcnow
from tests.factories import add_events, make_heartbeat, make_service
from tests.pages.helpers import call, make_user, redirect_target, run, visit

State = Callable[[type[Any]], Any]


# --- @authed ------------------------------------------------------------------------


def test_authed_sends_a_tab_without_a_session_to_setup_then_to_login(state: State) -> None:
    overview = state(OverviewState)
    assert redirect_target(call(overview.load())) == "/setup"  # nobody can log in yet
    make_user()
    assert redirect_target(call(overview.load())) == "/login"
    assert not overview.loaded  # the handler itself did not run


def test_authed_runs_the_handler_for_a_logged_in_tab(state: State, logged_in: AuthState) -> None:
    overview = state(OverviewState)
    assert call(overview.load()) == []
    assert overview.loaded
    assert (logged_in.user_email, logged_in.user_is_admin, logged_in._user_id != "") == ("admin@example.com", True, True)


def test_authed_guards_handlers_that_yield(root: rx.State, state: State, engine: Engine) -> None:
    make_user()
    heartbeat = make_heartbeat(engine, make_service(engine).id, "job")
    form = state(HeartbeatFormState)
    form.open_create(heartbeat.service_id)
    steps = form.submit({"name": "x", "interval": "1", "interval_unit": "hours"})
    assert inspect.isasyncgen(steps)
    assert redirect_target(call(steps)) == "/login"
    assert not form.saving and form.errors == {}  # nothing ran past the guard


def test_authed_lets_a_yielding_handler_show_its_progress(root: rx.State, state: State, logged_in: AuthState,
                                                         engine: Engine) -> None:
    heartbeat = make_heartbeat(engine, make_service(engine).id, "job")
    now = utcnow()
    add_events(engine, heartbeat.id, [("tick", now - timedelta(minutes=i)) for i in range(FEED_PAGE + 5)])
    visit(root, f"/heartbeats/{heartbeat.public_id}")
    page = state(HeartbeatState)
    call(page.load())

    async def step_by_step() -> tuple[bool, list[Any]]:
        steps = page.load_older()
        first = await steps.__anext__()
        assert first is None  # a bare yield: send the spinner to the browser
        spinning = page.loading_older
        return spinning, [step async for step in steps]

    spinning, rest = run(step_by_step())
    assert spinning and rest == []
    assert not page.loading_older and len(page.events) == FEED_PAGE + 5


def test_authed_keeps_what_reflex_registers_handlers_by() -> None:
    load_older = HeartbeatState.event_handlers["load_older"].fn
    assert inspect.isasyncgenfunction(load_older) and load_older.__name__ == "load_older"
    pause = ServiceState.event_handlers["pause_or_resume"]
    assert inspect.iscoroutinefunction(pause.fn)
    assert list(inspect.signature(pause.fn).parameters) == ["self", "heartbeat_id", "enabled"]
    assert {name: hint for name, hint in pause._type_hints.items() if name != "return"} == {
        "heartbeat_id": str, "enabled": bool}
    # The view's event specs name the arguments the browser sends.
    spec = ServiceState.pause_or_resume("some-id", True)
    assert [name._js_expr for name, _value in spec.args] == ["heartbeat_id", "enabled"]


def test_authed_refuses_a_handler_that_is_not_async() -> None:
    def plain(self: AuthState) -> None: ...

    with pytest.raises(TypeError, match="async"):
        authed(plain)


# --- confirmations --------------------------------------------------------------------


def test_a_confirmation_opens_for_one_action_and_target_and_cancels(state: State) -> None:
    page = state(ServiceState)
    assert page.confirm_action == ""
    page.ask_confirm(DELETE_HEARTBEAT, "hb-1", "nightly")
    assert (page.confirm_action, page.confirm_target_id, page.confirm_target_name) == (
        DELETE_HEARTBEAT, "hb-1", "nightly")
    page.cancel_confirm()
    assert page.confirm_action == ""
    assert page.confirm_target_name == "nightly"  # still shown while the dialog fades out
    page.ask_confirm(DELETE_SERVICE, "svc-1", "billing")
    assert (page.confirm_action, page.confirm_target_id) == (DELETE_SERVICE, "svc-1")


def test_each_page_state_has_its_own_confirmation(state: State) -> None:
    service, settings = state(ServiceState), state(SettingsState)
    service.ask_confirm(DELETE_HEARTBEAT, "hb-1", "nightly")
    assert settings.confirm_action == ""
    settings.ask_confirm(REVOKE_KEY, "key-1", "ci")
    assert (service.confirm_action, service.confirm_target_id) == (DELETE_HEARTBEAT, "hb-1")


def test_confirming_closes_the_dialog(root: rx.State, state: State, logged_in: AuthState, engine: Engine) -> None:
    service = make_service(engine, "billing")
    heartbeat = make_heartbeat(engine, service.id, "job")
    visit(root, f"/services/{service.id}")
    page = state(ServiceState)
    call(page.load())
    page.ask_confirm(DELETE_HEARTBEAT, heartbeat.public_id, "job")
    call(page.confirm_delete())
    assert page.confirm_action == "" and page.rows == []


# --- route params ----------------------------------------------------------------------


def test_route_params_match_a_route_pattern() -> None:
    assert route_params("/services/[service_id]", "/services/42") == {"service_id": "42"}
    assert route_params("/services/[service_id]", "/services/42/") == {"service_id": "42"}
    assert route_params("/services/[service_id]", "/heartbeats/42") == {}
    assert route_params("/services/[service_id]", "/services/42/more") == {}
    assert route_params("/services/[service_id]", "/services") == {}


def test_a_state_reads_its_route_param_from_the_router(root: rx.State, state: State) -> None:
    page, card = state(ServiceState), state(HeartbeatAlertsState)
    visit(root, "/services/svc-1")
    assert (page._route_param("service_id"), page._route_param("heartbeat_id")) == ("svc-1", "")
    visit(root, "/heartbeats/hb-1")
    assert (card._route_param("heartbeat_id"), card._route_param("service_id")) == ("hb-1", "")
    visit(root, "/settings")
    assert card._route_param("heartbeat_id") == ""


# --- polling ---------------------------------------------------------------------------


def test_two_live_states_on_one_page_poll_on_their_own(state: State, logged_in: AuthState,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [1000.0]
    monkeypatch.setattr("dashboard.state.time.time", lambda: clock[0])
    page, card = state(HeartbeatState), state(HeartbeatAlertsState)
    refreshed: list[str] = []

    def slow(name: str) -> Callable[[], Any]:
        async def refresh() -> None:
            refreshed.append(name)
            clock[0] += 0.5

        return refresh

    run(page._poll(slow("feed")))
    run(card._poll(slow("alerts")))  # the feed's slow refresh does not hold back the alerts card
    run(page._poll(slow("feed")))  # but it holds back the next refresh of the feed itself
    assert refreshed == ["feed", "alerts"]
