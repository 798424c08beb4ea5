"""case page: alerts raised by danger signs, cleared by the manager with a note

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 11:00:00
"""

import sqlalchemy as sa
from alembic import op

import gateway.store.models


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'alerts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('report_id', sa.Integer(), nullable=True),
        sa.Column('raised_at', gateway.store.models.UTCDateTime(), nullable=False),
        sa.Column('reasons', sa.JSON(), nullable=False),
        sa.Column('cleared_at', gateway.store.models.UTCDateTime(), nullable=True),
        sa.Column('cleared_by', sa.String(length=60), nullable=True),
        sa.Column('note', sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['quarantine_cases.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['report_id'], ['health_reports.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.create_index('ix_alerts_case_open', ['case_id', 'cleared_at'], unique=False)
    # Cases flagged before alerts were records: one open alert each (reasons unknown),
    # so the flag and the records agree and the manager can clear them.
    op.execute("INSERT INTO alerts (case_id, raised_at, reasons, note) "
               "SELECT id, updated_at, '[]', '' FROM quarantine_cases WHERE alert")


def downgrade() -> None:
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.drop_index('ix_alerts_case_open')
    op.drop_table('alerts')
