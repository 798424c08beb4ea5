"""area quarantine: isolation areas, and the quarantine cases of their residents

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 14:00:00
"""

import sqlalchemy as sa
from alembic import op

import gateway.store.models


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'isolation_areas',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=12), nullable=False),
        sa.Column('province_code', sa.Integer(), nullable=False),
        sa.Column('province_name', sa.String(length=60), nullable=False),
        sa.Column('ward_code', sa.Integer(), nullable=False),
        sa.Column('ward_name', sa.String(length=80), nullable=False),
        sa.Column('street', sa.String(length=120), nullable=False),
        sa.Column('start_date', sa.Date(), nullable=False),
        sa.Column('end_date', sa.Date(), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('declared_by', sa.Integer(), nullable=True),
        sa.Column('manager_id', sa.Integer(), nullable=False),
        sa.Column('enrolled_at', gateway.store.models.UTCDateTime(), nullable=True),
        sa.Column('lifted_at', gateway.store.models.UTCDateTime(), nullable=True),
        sa.Column('channel', sa.String(length=8), nullable=False),
        sa.Column('operator', sa.String(length=60), nullable=True),
        sa.Column('created_at', gateway.store.models.UTCDateTime(), nullable=False),
        sa.Column('updated_at', gateway.store.models.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['declared_by'], ['users.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['manager_id'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('code'),
    )
    op.create_index('ix_isolation_areas_place', 'isolation_areas',
                    ['province_code', 'ward_code'], unique=False)
    op.create_index('ix_isolation_areas_status_end', 'isolation_areas',
                    ['status', 'end_date'], unique=False)
    if op.get_bind().dialect.name == 'sqlite':
        # SQLite adds a column with its REFERENCES clause in place; a batch copy of the
        # table would drop quarantine_cases (and cascade its alerts) on the way.
        op.execute('ALTER TABLE quarantine_cases ADD COLUMN area_id INTEGER '
                   'REFERENCES isolation_areas (id)')
    else:
        op.add_column('quarantine_cases', sa.Column('area_id', sa.Integer(), nullable=True))
        op.create_foreign_key('quarantine_cases_area_id_fkey', 'quarantine_cases',
                              'isolation_areas', ['area_id'], ['id'])
    op.create_index('uq_cases_area_phone', 'quarantine_cases', ['area_id', 'phone'],
                    unique=True)


def downgrade() -> None:
    op.drop_index('uq_cases_area_phone', table_name='quarantine_cases')
    with op.batch_alter_table('quarantine_cases', schema=None) as batch_op:
        batch_op.drop_column('area_id')
    op.drop_index('ix_isolation_areas_status_end', table_name='isolation_areas')
    op.drop_index('ix_isolation_areas_place', table_name='isolation_areas')
    op.drop_table('isolation_areas')
