"""``python -m dashboard …``: administration without the server running."""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from dashboard.db import session_scope
from dashboard.migrate import upgrade_database
from dashboard.timeutil import utcnow


def _create_user(args: argparse.Namespace) -> int:
    from dashboard.core.users import UserError, create_user

    password = args.password or os.environ.get("LUBDUB_PASSWORD")
    if password is None:
        if not sys.stdin.isatty():
            print("error: give --password or set LUBDUB_PASSWORD (no terminal to ask on)", file=sys.stderr)
            return 2
        password = getpass.getpass("Password: ")
        if getpass.getpass("Repeat password: ") != password:
            print("error: the passwords differ", file=sys.stderr)
            return 2
    upgrade_database()
    try:
        with session_scope(write=True) as session:
            user = create_user(session, args.email, password, now=utcnow(), is_admin=not args.not_admin)
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"created user {user.email}{' (admin)' if user.is_admin else ''}")
    return 0


def _create_api_key(args: argparse.Namespace) -> int:
    from dashboard.core.apikeys import create_api_key
    from dashboard.core.errors import Invalid

    upgrade_database()
    scope = "read-only" if args.read_only else "read-write"
    try:
        with session_scope(write=True) as session:
            key, token = create_api_key(session, args.name, scope, utcnow())
            name = key.name
    except Invalid as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 1
    print(f"API key {name!r} ({scope}). Shown once, keep it safe:")
    print(token)
    return 0


def _migrate(_: argparse.Namespace) -> int:
    upgrade_database()
    print("database is up to date")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m dashboard", description="Lubdub administration")
    commands = parser.add_subparsers(dest="command", required=True)

    user = commands.add_parser("create-user", help="create a dashboard user (an admin by default)")
    user.add_argument("email")
    user.add_argument("--password", help="the password (else $LUBDUB_PASSWORD, else asked for)")
    user.add_argument("--not-admin", action="store_true", help="create a regular user")
    user.set_defaults(handler=_create_user)

    key = commands.add_parser("create-api-key", help="create an API key and print its token once")
    key.add_argument("name")
    key.add_argument("--read-only", action="store_true", help="a key that can only read")
    key.set_defaults(handler=_create_api_key)

    migrate = commands.add_parser("migrate", help="apply database migrations")
    migrate.set_defaults(handler=_migrate)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.handler(args))
