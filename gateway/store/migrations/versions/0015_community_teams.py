"""community teams: residents without a phone, reports made for them by a team

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 14:30:00
"""

from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


@contextmanager
def _rebuilding(table: str):
    """Change a column of `table`. SQLite does it by rebuilding the table (copy, drop,
    rename), and health reports and alerts point at the cases (alerts at the reports
    too): the drop would fail or follow their foreign keys, so SQLite's own procedure
    turns the check off around the rebuild (possible only outside a transaction) and
    checks every key after it."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        with op.batch_alter_table(table, schema=None) as batch_op:
            yield batch_op
        return
    raw = bind.connection.driver_connection
    if raw.in_transaction:  # earlier migrations of this run wrote rows: keep them
        raw.commit()
    raw.execute("PRAGMA foreign_keys = OFF")
    try:
        with op.batch_alter_table(table, schema=None) as batch_op:
            yield batch_op
    finally:
        raw.execute("PRAGMA foreign_keys = ON")
    broken = bind.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise RuntimeError(f"foreign keys broken by rebuilding {table}: {broken[:5]}")


def upgrade() -> None:
    # A resident a community team adds without a phone has a case with no phone.
    with _rebuilding('quarantine_cases') as batch_op:
        batch_op.alter_column('phone', existing_type=sa.String(length=16), nullable=True)
        batch_op.add_column(sa.Column('birth_year', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('address', sa.String(length=120), nullable=True))
    with op.batch_alter_table('health_reports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('relation', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('verified', sa.Boolean(), nullable=False,
                                      server_default=sa.true()))


def downgrade() -> None:
    # Alerts point at reports (ON DELETE SET NULL): the rebuild must not unlink them.
    with _rebuilding('health_reports') as batch_op:
        batch_op.drop_column('verified')
        batch_op.drop_column('relation')
    # Residents without a phone cannot stay once the column needs one again.
    op.execute("DELETE FROM health_reports WHERE case_id IN "
               "(SELECT id FROM quarantine_cases WHERE phone IS NULL)")
    op.execute("DELETE FROM alerts WHERE case_id IN "
               "(SELECT id FROM quarantine_cases WHERE phone IS NULL)")
    op.execute("DELETE FROM quarantine_cases WHERE phone IS NULL")
    with _rebuilding('quarantine_cases') as batch_op:
        batch_op.drop_column('address')
        batch_op.drop_column('birth_year')
        batch_op.alter_column('phone', existing_type=sa.String(length=16), nullable=False)
