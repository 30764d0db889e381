"""Who may do what (``core/access.py``): roles, service limits, keys no stronger than their maker."""

from __future__ import annotations

import pytest

from dashboard.core.access import ADMIN, EDITOR, VIEWER, Action, check_new_key, principal_for
from dashboard.core.errors import Forbidden, NotFound

EVERY_ACTION = list(Action)
# What each role may do, unlimited (the table the roles describe).
ALLOWED = {
    ADMIN: set(EVERY_ACTION),
    EDITOR: {Action.READ, Action.EDIT, Action.CREATE_SERVICE, Action.MANAGE_KEYS},
    VIEWER: {Action.READ},
}


@pytest.mark.parametrize("role", [ADMIN, EDITOR, VIEWER])
@pytest.mark.parametrize("action", EVERY_ACTION)
def test_every_action_for_every_role(role: str, action: Action) -> None:
    principal = principal_for(role, None)
    assert principal.can(action) == (action in ALLOWED[role])
    if action in ALLOWED[role]:
        principal.require(action)
    else:
        with pytest.raises(Forbidden) as refused:
            principal.require(action)
        assert role in refused.value.message and action.value in refused.value.message


def test_a_limited_principal_sees_only_its_services_and_others_do_not_exist_for_it() -> None:
    editor = principal_for(EDITOR, ["s1"])
    assert editor.sees_service("s1") and not editor.sees_service("s2")
    editor.require_service("s1", Action.EDIT)
    with pytest.raises(NotFound):
        editor.require_service("s2", Action.READ)
    assert editor.visible(["s1", "s2", "s3"]) == ["s1"]
    # A new service would lie outside its limit.
    assert not editor.can(Action.CREATE_SERVICE)


def test_a_viewer_on_its_own_service_still_may_not_edit() -> None:
    viewer = principal_for(VIEWER, ["s1"])
    with pytest.raises(Forbidden):
        viewer.require_service("s1", Action.EDIT)


def test_viewers_see_secrets_only_where_the_instance_allows() -> None:
    assert not principal_for(VIEWER, None).sees_secrets
    assert principal_for(VIEWER, None, viewers_see_secrets=True).sees_secrets
    assert principal_for(EDITOR, None).sees_secrets and principal_for(ADMIN, None).sees_secrets


@pytest.mark.parametrize(("maker", "limit", "role", "service", "ok"), [
    (ADMIN, None, ADMIN, None, True),
    (ADMIN, None, VIEWER, "s9", True),
    (EDITOR, None, ADMIN, None, False),
    (EDITOR, None, EDITOR, None, True),
    (EDITOR, ["s1"], EDITOR, "s1", True),
    (EDITOR, ["s1"], EDITOR, None, False),
    (EDITOR, ["s1"], VIEWER, "s2", False),
    (VIEWER, None, VIEWER, None, False),
])
def test_keys_are_no_stronger_than_their_maker(maker: str, limit: list[str] | None, role: str, service: str | None,
                                               ok: bool) -> None:
    creator = principal_for(maker, limit)
    if ok:
        check_new_key(creator, role, service)
    else:
        with pytest.raises(Forbidden):
            check_new_key(creator, role, service)
