"""public ids and rotatable check-in ids: a heartbeat's ping secret apart from its row id

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 22:00:00
"""
import secrets
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0006'
down_revision: Union[str, Sequence[str], None] = '0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    bind = op.get_bind()
    with op.batch_alter_table('heartbeat', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ping_id', sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column('public_id', sa.String(length=40), nullable=True))
    # Existing check-in URLs keep working: their secret is the row id they had.
    bind.execute(sa.text("UPDATE heartbeat SET ping_id = id"))
    ids = [row[0] for row in bind.execute(sa.text("SELECT id FROM heartbeat"))]
    for heartbeat_id in ids:
        bind.execute(sa.text("UPDATE heartbeat SET public_id = :public_id WHERE id = :id"),
                     {"public_id": secrets.token_hex(20), "id": heartbeat_id})
    with op.batch_alter_table('heartbeat', schema=None) as batch_op:
        batch_op.alter_column('ping_id', existing_type=sa.String(length=36), nullable=False)
        batch_op.alter_column('public_id', existing_type=sa.String(length=40), nullable=False)
        batch_op.create_unique_constraint('uq_heartbeat_ping_id', ['ping_id'])
        batch_op.create_unique_constraint('uq_heartbeat_public_id', ['public_id'])


def downgrade() -> None:
    with op.batch_alter_table('heartbeat', schema=None) as batch_op:
        batch_op.drop_constraint('uq_heartbeat_public_id', type_='unique')
        batch_op.drop_constraint('uq_heartbeat_ping_id', type_='unique')
        batch_op.drop_column('public_id')
        batch_op.drop_column('ping_id')
