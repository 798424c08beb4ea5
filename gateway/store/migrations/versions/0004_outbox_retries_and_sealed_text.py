"""outbox: retry schedule per message, sealed secret text

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 02:40:00
"""

import sqlalchemy as sa
from alembic import op

import gateway.store.models


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outbound_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('next_attempt_at', gateway.store.models.UTCDateTime(),
                                      nullable=True))
        batch_op.add_column(sa.Column('sealed', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('outbound_messages', schema=None) as batch_op:
        batch_op.drop_column('sealed')
        batch_op.drop_column('next_attempt_at')
