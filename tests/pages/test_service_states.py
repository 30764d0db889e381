"""The overview and service pages: services, heartbeats, forms, selection, bulk actions, paging."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import reflex as rx
from sqlalchemy import text
from sqlalchemy.engine import Engine

from dashboard.core import heartbeats
from dashboard.db import session_scope
from dashboard.forms.heartbeat import HeartbeatFormState
from dashboard.pages.overview import OverviewState
from dashboard.pages.service import ServiceState
from dashboard.pages.service.state import DELETE_HEARTBEAT, DELETE_SELECTED
from dashboard.state import AuthState
from dashboard.timeutil import to_micros, utcnow
from tests.factories import make_heartbeat, make_service
from tests.pages.helpers import call, redirect_target, visit

State = Callable[[type[Any]], Any]

FORM = {"name": "nightly-backup", "interval": "1", "interval_unit": "hours", "grace": "10",
        "grace_unit": "minutes", "method_GET": "on", "method_POST": "on", "method_HEAD": "on"}


def open_service(root: rx.State, state: State, service_id: str) -> ServiceState:
    visit(root, f"/services/{service_id}")
    page = state(ServiceState)
    assert call(page.load()) == []
    return page


def test_creating_a_service_opens_its_page(state: State, logged_in: AuthState) -> None:
    overview = state(OverviewState)
    call(overview.load())
    assert overview.services == [] and overview.loaded
    call(overview.submit_service({"name": "", "description": ""}))
    assert overview.errors == {"name": "required"}
    target = redirect_target(call(overview.submit_service({"name": "billing", "description": "Invoices"})))
    assert target is not None and target.startswith("/services/")
    call(overview.submit_service({"name": "billing", "description": ""}))
    assert overview.errors == {"name": "a service named 'billing' already exists"}
    call(overview.tick())
    assert [(s.name, s.description, s.href) for s in overview.services] == [("billing", "Invoices", target)]


def test_the_heartbeat_form_creates_then_edits(root: rx.State, state: State, logged_in: AuthState,
                                               engine: Engine) -> None:
    service = make_service(engine, "billing")
    page = open_service(root, state, service.id)
    form = state(HeartbeatFormState)

    form.open_create(service.id)
    assert form.dialog_open and form.initial.name == "" and form.initial.methods == ["GET", "POST", "HEAD"]
    call(form.submit({**FORM, "interval": "5", "interval_unit": "seconds"}))
    assert form.errors == {"interval": "must be between 10 seconds and 365 days"} and form.dialog_open
    events = call(form.submit(FORM))
    target = redirect_target(events)
    assert target is not None and target.startswith("/heartbeats/")
    assert not form.dialog_open
    heartbeat_id = target.rsplit("/", 1)[1]

    form.open_create(service.id)
    call(form.submit(FORM))
    assert form.errors == {"name": "the service already has a heartbeat named 'nightly-backup'"}

    call(form.open_edit(heartbeat_id))
    initial = form.initial
    assert (initial.name, initial.interval, initial.interval_unit, initial.grace, initial.grace_unit) == (
        "nightly-backup", "1", "hours", "10", "minutes")
    call(form.submit({**FORM, "name": "renamed", "interval": "2", "method_POST": None}))
    assert not form.dialog_open
    call(page.refresh())
    (row,) = page.rows
    assert (row.name, row.status, row.interval_text, row.grace_text, row.last_ping_text, row.next_due_text) == (
        "renamed", "new", "2 h", "10 min", "never", "after the first check-in")
    with session_scope() as session:
        assert heartbeats.get_by_public_id(session, heartbeat_id).method_list == ["GET", "HEAD"]


def test_single_and_bulk_pause_resume_delete(root: rx.State, state: State, logged_in: AuthState,
                                            engine: Engine) -> None:
    service = make_service(engine, "billing")
    ids = [make_heartbeat(engine, service.id, f"job-{i}").public_id for i in range(4)]
    page = open_service(root, state, service.id)

    call(page.pause_or_resume(ids[0], False))
    assert [r.status for r in page.rows] == ["paused", "new", "new", "new"]

    page.toggle_selected(ids[1], True)
    page.toggle_selected(ids[2], True)
    assert page.selected_count == 2 and not page.all_selected
    call(page.pause_or_resume_selected(False))
    assert [r.status for r in page.rows] == ["paused", "paused", "paused", "new"]
    call(page.pause_or_resume_selected(True))
    assert [r.status for r in page.rows] == ["paused", "new", "new", "new"]

    page.toggle_all(True)
    assert page.all_selected and page.selected_count == 4
    page.toggle_selected(ids[3], False)
    page.ask_confirm(DELETE_SELECTED, "", "")
    assert page.confirm_action == DELETE_SELECTED
    call(page.confirm_bulk_delete())
    assert [r.name for r in page.rows] == ["job-3"]
    assert page.selected == [] and page.confirm_action == ""

    page.ask_confirm(DELETE_HEARTBEAT, ids[3], "job-3")
    assert page.confirm_action == DELETE_HEARTBEAT and page.confirm_target_name == "job-3"
    call(page.confirm_delete())
    assert page.rows == [] and page.total == 0 and page.confirm_action == ""


def test_a_page_of_a_thousand_heartbeats_stays_fast(root: rx.State, state: State, logged_in: AuthState,
                                                   engine: Engine) -> None:
    service = make_service(engine, "fleet")
    now = utcnow()
    with session_scope(engine, write=True) as session:
        session.exec(text(  # type: ignore[call-overload]
            "INSERT INTO heartbeat (id, ping_id, public_id, service_id, name, interval, grace, methods, enabled, status, "
            "last_ping_at, next_due_at, created_at, updated_at) VALUES "
            "(:id, :ping_id, :public_id, :service_id, :name, 60, 0, 'GET', true, 'up', :last, :due, :now, :now)"
        ), params=[{"id": f"00000000-0000-4000-8000-{i:012d}", "ping_id": f"00000000-0000-4000-9000-{i:012d}",
                    "public_id": f"{i:040x}", "service_id": service.id, "name": f"host-{i:04d}",
                    "last": to_micros(now - timedelta(seconds=30)), "due": to_micros(now + timedelta(seconds=30)),
                    "now": to_micros(now)} for i in range(1000)])

    page = open_service(root, state, service.id)
    call(page.go_to_page(20))

    assert (page.page, page.page_count, page.range_text) == (20, 20, "951–1,000 of 1,000")
    assert [r.name for r in page.rows][:2] == ["host-0950", "host-0951"] and len(page.rows) == 50
    call(page.set_page_size("200"))
    assert (page.page, page.page_count, len(page.rows)) == (1, 5, 200)
    call(page.go_to_page(99))
    assert page.page == 5


def test_renaming_and_deleting_the_service(root: rx.State, state: State, logged_in: AuthState,
                                           engine: Engine) -> None:
    make_service(engine, "taken")
    service = make_service(engine, "billing")
    make_heartbeat(engine, service.id, "job")
    page = open_service(root, state, service.id)

    call(page.save_service({"name": "taken", "description": ""}))
    assert page.errors == {"name": "a service named 'taken' already exists"}
    call(page.save_service({"name": "payments", "description": "Stripe and friends"}))
    assert (page.service_name, page.service_description, page.errors) == ("payments", "Stripe and friends", {})

    assert redirect_target(call(page.confirm_delete_service())) == "/"
    call(page.load())
    assert not page.found


def test_an_unknown_service_shows_not_found(root: rx.State, state: State, logged_in: AuthState) -> None:
    page = open_service(root, state, "not-a-uuid")
    assert not page.found and page.rows == []


def test_the_edit_form_moves_a_heartbeat_to_another_service(root: rx.State, state: State, logged_in: AuthState,
                                                             engine: Engine) -> None:
    billing, payments = make_service(engine, "billing"), make_service(engine, "payments")
    heartbeat = make_heartbeat(engine, billing.id, "invoice-run")
    page = open_service(root, state, billing.id)
    form = state(HeartbeatFormState)

    call(form.open_edit(heartbeat.public_id))
    assert [(o.name, o.id) for o in form.service_options] == [("billing", billing.id), ("payments", payments.id)]
    assert form.target_service_id == billing.id
    call(form.submit({**FORM, "name": "invoice-run", "service_id": "00000000-0000-4000-8000-000000000000"}))
    assert form.errors == {"service_id": "no service with this id"} and form.dialog_open
    call(form.submit({**FORM, "name": "invoice-run", "service_id": payments.id}))
    assert not form.dialog_open
    call(page.refresh())
    assert page.rows == []
    with session_scope() as session:
        assert heartbeats.get_heartbeat(session, heartbeat.id).service_id == payments.id
