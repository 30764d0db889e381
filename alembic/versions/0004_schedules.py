"""schedules: cron heartbeats in a time zone, run-time limits, open runs, slugs, ping keys, exit codes

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 19:00:00
"""
import json
import secrets
import string
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0004'
down_revision: Union[str, Sequence[str], None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _ping_key() -> str:
    alphabet = string.ascii_lowercase + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(22))


def upgrade() -> None:
    bind = op.get_bind()

    # Services get the key of their slug URLs; existing ones a random one each.
    with op.batch_alter_table('service', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ping_key', sa.String(length=22), nullable=True))
    service_ids = [row[0] for row in bind.execute(sa.text("SELECT id FROM service"))]
    for service_id in service_ids:
        bind.execute(sa.text("UPDATE service SET ping_key = :key WHERE id = :id"), {"key": _ping_key(), "id": service_id})
    with op.batch_alter_table('service', schema=None) as batch_op:
        batch_op.alter_column('ping_key', existing_type=sa.String(length=22), nullable=False)
        batch_op.create_unique_constraint('uq_service_ping_key', ['ping_key'])

    # Heartbeats: interval or cron schedule, run-time limit, slug, open runs.
    with op.batch_alter_table('heartbeat', schema=None) as batch_op:
        batch_op.add_column(sa.Column('schedule', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('timezone', sa.String(length=64), server_default='UTC', nullable=False))
        batch_op.add_column(sa.Column('max_runtime', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('slug', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('runs', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('run_timeout_at', sa.BigInteger(), nullable=True))
    # The one open run a heartbeat could have before becomes its first open run.
    rows = list(bind.execute(sa.text("SELECT id, last_run_at FROM heartbeat WHERE last_run_at IS NOT NULL")))
    for heartbeat_id, last_run_at in rows:
        bind.execute(sa.text("UPDATE heartbeat SET runs = :runs WHERE id = :id"),
                     {"runs": json.dumps([["", int(last_run_at), None, False]], separators=(",", ":")), "id": heartbeat_id})
    with op.batch_alter_table('heartbeat', schema=None) as batch_op:
        batch_op.drop_column('last_run_at')
        batch_op.alter_column('interval', existing_type=sa.Integer(), nullable=True)
        batch_op.create_unique_constraint('uq_heartbeat_service_slug', ['service_id', 'slug'])
        batch_op.create_check_constraint('ck_heartbeat_interval_or_schedule', '(interval IS NULL) <> (schedule IS NULL)')
        batch_op.create_index(batch_op.f('ix_heartbeat_run_timeout_at'), ['run_timeout_at'], unique=False)

    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('exit_code', sa.SmallInteger(), nullable=True))
        batch_op.add_column(sa.Column('rid', sa.String(length=64), nullable=True))

    with op.batch_alter_table('event_rollup', schema=None) as batch_op:
        batch_op.add_column(sa.Column('timeout_count', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('log_count', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('skip_count', sa.Integer(), server_default='0', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('event_rollup', schema=None) as batch_op:
        batch_op.drop_column('skip_count')
        batch_op.drop_column('log_count')
        batch_op.drop_column('timeout_count')
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_column('rid')
        batch_op.drop_column('exit_code')
    op.execute("DELETE FROM heartbeat WHERE schedule IS NOT NULL")
    with op.batch_alter_table('heartbeat', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_heartbeat_run_timeout_at'))
        batch_op.drop_constraint('ck_heartbeat_interval_or_schedule', type_='check')
        batch_op.drop_constraint('uq_heartbeat_service_slug', type_='unique')
        batch_op.alter_column('interval', existing_type=sa.Integer(), nullable=False)
        batch_op.add_column(sa.Column('last_run_at', sa.BigInteger(), nullable=True))
        batch_op.drop_column('run_timeout_at')
        batch_op.drop_column('runs')
        batch_op.drop_column('slug')
        batch_op.drop_column('max_runtime')
        batch_op.drop_column('timezone')
        batch_op.drop_column('schedule')
    with op.batch_alter_table('service', schema=None) as batch_op:
        batch_op.drop_constraint('uq_service_ping_key', type_='unique')
        batch_op.drop_column('ping_key')
