"""days off: a cron heartbeat's public holidays and one-off skip dates

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 21:00:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0005'
down_revision: Union[str, Sequence[str], None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('heartbeat', schema=None) as batch_op:
        batch_op.add_column(sa.Column('holidays', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('skip_dates', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('heartbeat', schema=None) as batch_op:
        batch_op.drop_column('skip_dates')
        batch_op.drop_column('holidays')
