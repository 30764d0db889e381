"""Form input → the API's schemas, and their errors → messages next to the fields."""

from __future__ import annotations

from dashboard.forms.parsing import heartbeat_input, heartbeat_update_input, parse_seconds

SERVICE = "6f1c3f0e-8d1e-4d1e-9c47-2f3a4b5c6d7e"


def form(**fields: object) -> dict[str, object]:
    return {"name": "backup", "interval": "5", "interval_unit": "minutes", "grace": "0", "grace_unit": "minutes",
            "method_GET": "on", "method_POST": "on", **fields}


def test_a_valid_form_becomes_a_heartbeat_create() -> None:
    data, errors = heartbeat_input(form(grace="1", grace_unit="hours", method_PUT="on"), SERVICE)
    assert errors == {}
    assert data is not None
    assert (data.name, data.interval, data.grace, data.methods) == ("backup", 300, 3600, ["GET", "POST", "PUT"])


def test_it_handles_decimal_units() -> None:
    data, _ = heartbeat_input(form(interval="1.5", interval_unit="hours"), SERVICE)
    assert data is not None and data.interval == 5400


def test_each_problem_lands_on_its_field() -> None:
    data, errors = heartbeat_input(form(name="  ", interval="5", interval_unit="seconds", grace="abc",
                                        method_GET=None, method_POST=None), SERVICE)
    assert data is None
    assert errors == {
        "name": "required",
        "interval": "must be between 10 seconds and 365 days",
        "grace": "enter a number",
        "methods": "choose at least one method",
    }


def test_it_refuses_more_than_a_year_and_fractions_of_seconds() -> None:
    _, errors = heartbeat_input(form(interval="366", interval_unit="days"), SERVICE)
    assert errors == {"interval": "must be between 10 seconds and 365 days"}
    _, errors = heartbeat_input(form(interval="10.5", interval_unit="seconds"), SERVICE)
    assert errors == {"interval": "must be a whole number of seconds"}
    _, errors = heartbeat_input(form(interval="1e300", interval_unit="days"), SERVICE)
    assert errors == {"interval": "must be between 10 seconds and 365 days"}


def test_a_blank_grace_means_none_but_a_blank_interval_is_required() -> None:
    errors: dict[str, str] = {}
    assert parse_seconds("", "minutes", "grace", errors, default=0) == 0
    assert parse_seconds("", "minutes", "interval", errors) is None
    assert errors == {"interval": "required"}


def test_the_edit_form_builds_an_update() -> None:
    data, errors = heartbeat_update_input(form(name="renamed", interval="2", interval_unit="days"))
    assert errors == {}
    assert data is not None and data.model_dump(exclude_unset=True)["interval"] == 172_800
    _, errors = heartbeat_update_input(form(name="x" * 101))
    assert errors == {"name": "at most 100 characters"}
