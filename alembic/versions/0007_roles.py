"""roles: admin/editor/viewer for users and API keys, keys limited to a service, users to services

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 23:30:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0007'
down_revision: Union[str, Sequence[str], None] = '0006'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('api_key', schema=None) as batch_op:
        batch_op.add_column(sa.Column('role', sa.String(length=16), server_default='admin', nullable=False))
        batch_op.add_column(sa.Column('service_id', sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column('created_by', sa.String(length=48), nullable=True))
        batch_op.create_index(batch_op.f('ix_api_key_service_id'), ['service_id'], unique=False)
        batch_op.create_foreign_key('fk_api_key_service', 'service', ['service_id'], ['id'], ondelete='CASCADE')
    # A read-only key stays read-only (a viewer); a read-write key could do everything (an admin).
    op.execute("UPDATE api_key SET role = 'viewer' WHERE scope = 'read-only'")
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('role', sa.String(length=16), server_default='editor', nullable=False))
    # Every user could change everything; only admins could manage users.
    op.execute("UPDATE app_user SET role = 'admin' WHERE is_admin = true")
    op.create_table('user_service',
        sa.Column('user_id', sa.String(length=36), nullable=False),
        sa.Column('service_id', sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(['service_id'], ['service.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', 'service_id'),
    )
    with op.batch_alter_table('user_service', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_service_service_id'), ['service_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('user_service', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_service_service_id'))
    op.drop_table('user_service')
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.drop_column('role')
    with op.batch_alter_table('api_key', schema=None) as batch_op:
        batch_op.drop_constraint('fk_api_key_service', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_api_key_service_id'))
        batch_op.drop_column('created_by')
        batch_op.drop_column('service_id')
        batch_op.drop_column('role')
