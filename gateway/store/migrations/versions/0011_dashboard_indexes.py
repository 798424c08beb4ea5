"""locality dashboard: indexes for declarations and check-ins by day and area

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 11:00:00
"""

from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

INDEXES = (
    ('ix_declarations_created', 'declarations', ['created_at']),
    ('ix_declarations_province_created', 'declarations', ['province_code', 'created_at']),
    ('ix_declarations_ward_created', 'declarations', ['ward_code', 'created_at']),
    ('ix_visits_checked_in', 'visits', ['checked_in_at']),
    ('ix_venues_area', 'venues', ['province_code', 'ward_code']),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
