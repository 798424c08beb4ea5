"""exposure notification: confirmed cases, their exposures, and the notices sent

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 14:00:00
"""

import sqlalchemy as sa
from alembic import op

import gateway.store.models

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

UTC = gateway.store.models.UTCDateTime


def upgrade() -> None:
    op.create_table(
        'exposure_cases',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('phone', sa.String(length=16), nullable=False),
        sa.Column('window_start', UTC(), nullable=False),
        sa.Column('window_end', UTC(), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('token_id', sa.Integer(), nullable=True),
        sa.Column('channel', sa.String(length=8), nullable=False),
        sa.Column('operator', sa.String(length=60), nullable=True),
        sa.Column('notified_at', UTC(), nullable=True),
        sa.Column('notified_by', sa.String(length=60), nullable=True),
        sa.Column('created_at', UTC(), nullable=False),
        sa.Column('updated_at', UTC(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['token_id'], ['api_tokens.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_exposure_cases_phone', 'exposure_cases', ['phone', 'window_start'])
    op.create_table(
        'exposure_notices',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('phone', sa.String(length=16), nullable=False),
        sa.Column('venue_id', sa.Integer(), nullable=False),
        sa.Column('visit_id', sa.Integer(), nullable=False),
        sa.Column('overlap_start', UTC(), nullable=False),
        sa.Column('overlap_end', UTC(), nullable=False),
        sa.Column('message_id', sa.Integer(), nullable=True),
        sa.Column('notified_at', UTC(), nullable=True),
        sa.Column('notified_by', sa.String(length=60), nullable=True),
        sa.Column('answer', sa.String(length=12), nullable=True),
        sa.Column('answered_at', UTC(), nullable=True),
        sa.Column('answer_channel', sa.String(length=8), nullable=True),
        sa.Column('channel', sa.String(length=8), nullable=False),
        sa.Column('created_at', UTC(), nullable=False),
        sa.Column('updated_at', UTC(), nullable=False),
        sa.ForeignKeyConstraint(['venue_id'], ['venues.id']),
        sa.ForeignKeyConstraint(['visit_id'], ['visits.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('phone', 'venue_id', 'visit_id', name='uq_exposure_notice_visit'),
    )
    op.create_index('ix_exposure_notices_phone_answer', 'exposure_notices',
                    ['phone', 'answer', 'notified_at'])
    op.create_table(
        'exposures',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('phone', sa.String(length=16), nullable=False),
        sa.Column('venue_id', sa.Integer(), nullable=False),
        sa.Column('visit_id', sa.Integer(), nullable=False),
        sa.Column('overlap_start', UTC(), nullable=False),
        sa.Column('overlap_end', UTC(), nullable=False),
        sa.Column('notice_id', sa.Integer(), nullable=True),
        sa.Column('created_at', UTC(), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['exposure_cases.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['venue_id'], ['venues.id']),
        sa.ForeignKeyConstraint(['visit_id'], ['visits.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['notice_id'], ['exposure_notices.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('case_id', 'visit_id', name='uq_exposure_case_visit'),
    )
    op.create_index('ix_exposures_venue_id', 'exposures', ['venue_id'])
    op.create_index('ix_exposures_visit_id', 'exposures', ['visit_id'])
    op.create_index('ix_exposures_notice_id', 'exposures', ['notice_id'])


def downgrade() -> None:
    op.drop_table('exposures')
    op.drop_table('exposure_notices')
    op.drop_table('exposure_cases')
