from sqlmodel import select

from dashboard import db
from dashboard.cli import main
from dashboard.core.users import authenticate
from dashboard.models import ApiKey, User


def test_create_user_then_log_in(engine, capsys) -> None:
    assert main(["create-user", "Admin@Example.com", "--password", "correct horse"]) == 0
    assert "created user admin@example.com (admin)" in capsys.readouterr().out
    with db.session_scope(engine) as session:
        assert authenticate(session, "admin@example.com", "correct horse") is not None
        assert authenticate(session, "admin@example.com", "wrong password") is None
        assert session.exec(select(User)).one().password_hash.startswith("$argon2")


def test_create_user_rejects_short_password_and_duplicates(engine, capsys) -> None:
    assert main(["create-user", "a@b.c", "--password", "short"]) == 1
    assert "at least 8 characters" in capsys.readouterr().err
    assert main(["create-user", "a@b.c", "--password", "long enough"]) == 0
    assert main(["create-user", "a@b.c", "--password", "long enough"]) == 1
    assert "already exists" in capsys.readouterr().err


def test_create_api_key_prints_the_token_once_and_stores_a_hash(engine, capsys) -> None:
    assert main(["create-api-key", "ci", "--read-only"]) == 0
    token = capsys.readouterr().out.strip().splitlines()[-1]
    with db.session_scope(engine) as session:
        key = session.exec(select(ApiKey)).one()
    assert key.scope == "read-only"
    assert token not in key.key_hash and len(key.key_hash) == 64


def test_create_api_key_rejects_a_blank_name(engine, capsys) -> None:
    assert main(["create-api-key", "   "]) == 1
    assert "name" in capsys.readouterr().err


def test_roles_and_service_limits_from_the_command_line(engine, capsys) -> None:
    from tests.factories import make_service

    service = make_service(engine, "billing")
    assert main(["create-api-key", "deploy", "--role", "editor", "--service", service.id]) == 0
    assert f"(editor, limited to service {service.id})" in capsys.readouterr().out
    assert main(["create-api-key", "bad", "--read-only", "--role", "admin"]) == 2
    assert main(["create-api-key", "bad", "--service", "00000000-0000-4000-8000-000000000000"]) == 1
    assert "service_id" in capsys.readouterr().err
    assert main(["create-user", "v@example.com", "--password", "long enough", "--role", "viewer",
                 "--service", service.id]) == 0
    assert "created user v@example.com (viewer, limited to 1 service(s))" in capsys.readouterr().out
    assert main(["create-user", "x@example.com", "--password", "long enough", "--service", service.id]) == 1
    assert "an admin sees every service" in capsys.readouterr().err
    with db.session_scope(engine) as session:
        key = session.exec(select(ApiKey).where(ApiKey.name == "deploy")).one()
        user = session.exec(select(User).where(User.email == "v@example.com")).one()
        from dashboard.core.users import user_principal

        principal = user_principal(session, user)
    assert (key.role, key.service_id, key.scope) == ("editor", service.id, "read-write")
    assert (principal.role, principal.service_ids, principal.sees_secrets) == ("viewer", frozenset({service.id}), False)
