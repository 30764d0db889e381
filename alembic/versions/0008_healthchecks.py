"""healthchecks: heartbeat tags, description, manual_resume, n_pings and last_duration_ms

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 10:00:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0008'
down_revision: Union[str, Sequence[str], None] = '0007'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('heartbeat', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tags', sa.String(length=500), server_default='', nullable=False))
        batch_op.add_column(sa.Column('description', sa.Text(), server_default='', nullable=False))
        # Lubdub's rule so far: a paused heartbeat only records check-ins until resumed.
        batch_op.add_column(sa.Column('manual_resume', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('n_pings', sa.BigInteger(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('last_duration_ms', sa.BigInteger(), nullable=True))
    # Check-ins so far, from the hourly rollups (they outlive the raw events' retention):
    # every job result counts, the detector's miss and timeout do not.
    op.execute(
        "UPDATE heartbeat SET n_pings = COALESCE((SELECT SUM(r.tick_count + r.run_count + r.complete_count "
        "+ r.fail_count + r.log_count + r.skip_count) FROM event_rollup r WHERE r.heartbeat_id = heartbeat.id), 0)"
    )


def downgrade() -> None:
    with op.batch_alter_table('heartbeat', schema=None) as batch_op:
        batch_op.drop_column('last_duration_ms')
        batch_op.drop_column('n_pings')
        batch_op.drop_column('manual_resume')
        batch_op.drop_column('description')
        batch_op.drop_column('tags')
