"""access by area: the province (and communes) a token or console account is limited to

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 10:00:00
"""

import sqlalchemy as sa
from alembic import op

import gateway.store.models


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'area_limits',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token_id', sa.Integer(), nullable=True),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('province_code', sa.Integer(), nullable=False),
        sa.Column('ward_code', sa.Integer(), nullable=True),
        sa.Column('created_at', gateway.store.models.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['token_id'], ['api_tokens.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('area_limits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_area_limits_token_id'), ['token_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_area_limits_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('area_limits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_area_limits_user_id'))
        batch_op.drop_index(batch_op.f('ix_area_limits_token_id'))
    op.drop_table('area_limits')
