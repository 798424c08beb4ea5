"""data-subject requests: access, erasure, withdrawal, restriction and their deadlines

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 10:00:00
"""

import sqlalchemy as sa
from alembic import op

import gateway.store.models


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'data_requests',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('phone', sa.String(length=16), nullable=False),
        sa.Column('kind', sa.String(length=12), nullable=False),
        sa.Column('channel', sa.String(length=8), nullable=False),
        sa.Column('received_at', gateway.store.models.UTCDateTime(), nullable=False),
        sa.Column('acknowledge_by', gateway.store.models.UTCDateTime(), nullable=False),
        sa.Column('deadline', gateway.store.models.UTCDateTime(), nullable=False),
        sa.Column('acknowledged_at', gateway.store.models.UTCDateTime(), nullable=True),
        sa.Column('done_at', gateway.store.models.UTCDateTime(), nullable=True),
        sa.Column('outcome', sa.String(length=8), nullable=True),
        sa.Column('reason', sa.String(length=255), nullable=False),
        sa.Column('operator', sa.String(length=60), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_data_requests_phone_kind', 'data_requests', ['phone', 'kind'])
    op.create_index('ix_data_requests_open', 'data_requests', ['done_at', 'deadline'])


def downgrade() -> None:
    op.drop_index('ix_data_requests_open', table_name='data_requests')
    op.drop_index('ix_data_requests_phone_kind', table_name='data_requests')
    op.drop_table('data_requests')
