"""``python -m dashboard …``: administration without the server running."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

from dashboard.config import get_settings
from dashboard.db import session_scope
from dashboard.migrate import alembic_config, upgrade_database
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
            role = args.role or ("editor" if args.not_admin else "admin")
            user = create_user(session, args.email, password, now=utcnow(), role=role, service_ids=args.service)
            email, role = user.email, user.role
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    limit = f", limited to {len(args.service)} service(s)" if args.service else ""
    print(f"created user {email} ({role}{limit})")
    return 0


def _create_api_key(args: argparse.Namespace) -> int:
    from dashboard.core.apikeys import create_api_key
    from dashboard.core.errors import Invalid

    if args.read_only and args.role not in (None, "viewer"):
        print("error: --read-only means --role viewer; give one of them", file=sys.stderr)
        return 2
    upgrade_database()
    role = "viewer" if args.read_only else (args.role or "admin")
    try:
        with session_scope(write=True) as session:
            key, token = create_api_key(session, args.name, role, utcnow(), service_id=args.service)
            name, service = key.name, key.service_id
    except Invalid as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 1
    limit = f", limited to service {service}" if service else ""
    print(f"API key {name!r} ({role}{limit}). Shown once, keep it safe:")
    print(token)
    return 0


def _import_healthchecks(args: argparse.Namespace) -> int:
    from dashboard.core import hc_import

    try:
        project = hc_import.fetch_project(args.url, args.api_key)
    except hc_import.ImportFailed as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    upgrade_database()
    return hc_import.run_import(project, service_name=args.service or hc_import.default_service_name(args.url),
                                ping_key=args.ping_key, dry_run=args.dry_run)


def _migrate(_: argparse.Namespace) -> int:
    upgrade_database()
    print("database is up to date")
    return 0


def _known_revisions() -> list[str]:
    from alembic.script import ScriptDirectory

    return [revision.revision for revision in ScriptDirectory.from_config(alembic_config()).walk_revisions()]


def _backup(args: argparse.Namespace) -> int:
    from dashboard.core import backup

    url = get_settings().database_url
    try:
        if backup.is_sqlite_url(url):
            summary = backup.backup_sqlite(backup.sqlite_path(url), Path(args.file), overwrite=args.overwrite)
        else:
            summary = backup.backup_postgres(url, Path(args.file), overwrite=args.overwrite)
    except backup.BackupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"backed up to {summary.describe()}")
    return 0


def _restore(args: argparse.Namespace) -> int:
    from dashboard.core import backup

    url = get_settings().database_url
    known = _known_revisions()
    try:
        if backup.is_sqlite_url(url):
            result = backup.restore_sqlite(Path(args.file), backup.sqlite_path(url), known_revisions=known,
                                           force=args.force)
        else:
            result = backup.restore_postgres(url, Path(args.file), known_revisions=known, force=args.force)
    except backup.BackupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"restored {result.restored.describe()}")
    if result.previous_copy is not None:
        print(f"the database it replaced is kept at {result.previous_copy}")
    upgrade_database()
    print("database is up to date")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m dashboard", description="Lubdub administration")
    commands = parser.add_subparsers(dest="command", required=True)

    user = commands.add_parser("create-user", help="create a dashboard user (an admin by default)")
    user.add_argument("email")
    user.add_argument("--password", help="the password (else $LUBDUB_PASSWORD, else asked for)")
    user.add_argument("--not-admin", action="store_true", help="create an editor (same as --role editor)")
    user.add_argument("--role", choices=("admin", "editor", "viewer"), help="what the user may do (default: admin)")
    user.add_argument("--service", action="append", default=[], metavar="SERVICE_ID",
                      help="limit the user to this service (repeat for several; not for admins)")
    user.set_defaults(handler=_create_user)

    key = commands.add_parser("create-api-key", help="create an API key and print its token once")
    key.add_argument("name")
    key.add_argument("--read-only", action="store_true", help="a key that can only read (same as --role viewer)")
    key.add_argument("--role", choices=("admin", "editor", "viewer"), help="what the key may do (default: admin)")
    key.add_argument("--service", metavar="SERVICE_ID", help="limit the key to this one service")
    key.set_defaults(handler=_create_api_key)

    hc = commands.add_parser("import-healthchecks", help="copy a Healthchecks project's checks (keeping their ping UUIDs)")
    hc.add_argument("--url", required=True, help="the Healthchecks server, e.g. https://healthchecks.example.com")
    hc.add_argument("--api-key", required=True, help="the project's read-write API key")
    hc.add_argument("--service", metavar="NAME", help="the Lubdub service to import into (default: the server's host)")
    hc.add_argument("--ping-key", help="the project's ping key, so /ping/<ping_key>/<slug> URLs keep working")
    hc.add_argument("--dry-run", action="store_true", help="show what would change, change nothing")
    hc.set_defaults(handler=_import_healthchecks)

    migrate = commands.add_parser("migrate", help="apply database migrations")
    migrate.set_defaults(handler=_migrate)

    backup = commands.add_parser(
        "backup", help="copy the database to FILE while Lubdub runs (SQLite: online backup; PostgreSQL: pg_dump)")
    backup.add_argument("file", help="the backup file to write")
    backup.add_argument("--overwrite", action="store_true", help="replace FILE if it exists")
    backup.set_defaults(handler=_backup)

    restore = commands.add_parser(
        "restore", help="replace the database with a backup made by `backup` (stop Lubdub first)")
    restore.add_argument("file", help="the backup file to restore")
    restore.add_argument("--force", action="store_true",
                         help="restore even though another process seems to use the database")
    restore.set_defaults(handler=_restore)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.handler(args))
