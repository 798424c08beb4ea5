"""venues, visits, users, quarantine, events, API tokens, audit

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 15:23:59.532418
"""

import sqlalchemy as sa
from alembic import op

import gateway.store.models


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('token_hash', sa.String(length=128), nullable=False),
    sa.Column('scopes', sa.String(length=60), nullable=False),
    sa.Column('created_at', gateway.store.models.UTCDateTime(), nullable=False),
    sa.Column('last_used_at', gateway.store.models.UTCDateTime(), nullable=True),
    sa.Column('revoked_at', gateway.store.models.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name'),
    sa.UniqueConstraint('token_hash')
    )
    op.create_table('events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('topic', sa.String(length=24), nullable=False),
    sa.Column('action', sa.String(length=12), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('txid', sa.BigInteger(), nullable=True),
    sa.Column('created_at', gateway.store.models.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_events_txid_id', 'events', ['txid', 'id'], unique=False)
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=60), nullable=False),
    sa.Column('display_name', sa.String(length=80), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('phone', sa.String(length=16), nullable=True),
    sa.Column('password_hash', sa.String(length=255), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('failed_logins', sa.Integer(), nullable=False),
    sa.Column('locked_until', gateway.store.models.UTCDateTime(), nullable=True),
    sa.Column('created_at', gateway.store.models.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('username')
    )
    op.create_table('venues',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=12), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('province_code', sa.Integer(), nullable=False),
    sa.Column('province_name', sa.String(length=60), nullable=False),
    sa.Column('ward_code', sa.Integer(), nullable=True),
    sa.Column('ward_name', sa.String(length=80), nullable=False),
    sa.Column('street', sa.String(length=120), nullable=False),
    sa.Column('contact_phone', sa.String(length=16), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('operator', sa.String(length=60), nullable=True),
    sa.Column('created_at', gateway.store.models.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('username', sa.String(length=60), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('phone', sa.String(length=16), nullable=True),
    sa.Column('detail', sa.String(length=255), nullable=False),
    sa.Column('created_at', gateway.store.models.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index('ix_audit_created', ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_log_phone'), ['phone'], unique=False)

    op.create_table('idempotency_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('status', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', gateway.store.models.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['token_id'], ['api_tokens.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_id', 'key', name='uq_idempotency_token_key')
    )
    op.create_table('quarantine_cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('phone', sa.String(length=16), nullable=False),
    sa.Column('full_name', sa.String(length=80), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('venue_id', sa.Integer(), nullable=True),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('manager_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('alert', sa.Boolean(), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('operator', sa.String(length=60), nullable=True),
    sa.Column('created_at', gateway.store.models.UTCDateTime(), nullable=False),
    sa.Column('updated_at', gateway.store.models.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['manager_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['venue_id'], ['venues.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('quarantine_cases', schema=None) as batch_op:
        batch_op.create_index('ix_cases_phone_status', ['phone', 'status'], unique=False)
        batch_op.create_index('ix_cases_status_end', ['status', 'end_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_quarantine_cases_manager_id'), ['manager_id'], unique=False)

    op.create_table('venue_staff',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('venue_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['venue_id'], ['venues.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'venue_id')
    )
    op.create_table('visits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('venue_id', sa.Integer(), nullable=False),
    sa.Column('phone', sa.String(length=16), nullable=False),
    sa.Column('declaration_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('operator', sa.String(length=60), nullable=True),
    sa.Column('checked_in_at', gateway.store.models.UTCDateTime(), nullable=False),
    sa.Column('checked_out_at', gateway.store.models.UTCDateTime(), nullable=True),
    sa.Column('closed_by', sa.String(length=12), nullable=True),
    sa.ForeignKeyConstraint(['declaration_id'], ['declarations.id'], ),
    sa.ForeignKeyConstraint(['venue_id'], ['venues.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.create_index('ix_visits_open', ['phone', 'checked_out_at'], unique=False)
        batch_op.create_index('ix_visits_phone_in', ['phone', 'checked_in_at'], unique=False)
        batch_op.create_index('ix_visits_venue_in', ['venue_id', 'checked_in_at'], unique=False)

    op.create_table('health_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('report_date', sa.Date(), nullable=False),
    sa.Column('symptoms', sa.JSON(), nullable=False),
    sa.Column('temperature', sa.Float(), nullable=True),
    sa.Column('danger', sa.Boolean(), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('operator', sa.String(length=60), nullable=True),
    sa.Column('created_at', gateway.store.models.UTCDateTime(), nullable=False),
    sa.Column('updated_at', gateway.store.models.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['quarantine_cases.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('case_id', 'report_date', name='uq_report_case_day')
    )
    with op.batch_alter_table('health_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_health_reports_report_date'), ['report_date'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('health_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_health_reports_report_date'))

    op.drop_table('health_reports')
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.drop_index('ix_visits_venue_in')
        batch_op.drop_index('ix_visits_phone_in')
        batch_op.drop_index('ix_visits_open')

    op.drop_table('visits')
    op.drop_table('venue_staff')
    with op.batch_alter_table('quarantine_cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quarantine_cases_manager_id'))
        batch_op.drop_index('ix_cases_status_end')
        batch_op.drop_index('ix_cases_phone_status')

    op.drop_table('quarantine_cases')
    op.drop_table('idempotency_keys')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_log_phone'))
        batch_op.drop_index('ix_audit_created')

    op.drop_table('audit_log')
    op.drop_table('venues')
    op.drop_table('users')
    op.drop_index('ix_events_txid_id', table_name='events')
    op.drop_table('events')
    op.drop_table('api_tokens')
