"""console search ignores diacritics: folded search text of cases, venues, users and
the audit log, backfilled, with trigram indexes on PostgreSQL

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 14:00:00
"""

import sqlalchemy as sa
from alembic import op

from gateway.text import searchable

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

BATCH = 5000  # rows folded per round trip: a large audit log is never all in memory

# table → (index, column size, the columns folded into it, in order)
FOLDED = {
    'quarantine_cases': ('ix_cases_search', 120, ('full_name',)),
    'venues': ('ix_venues_search', 400, ('name', 'street', 'ward_name', 'province_name')),
    'users': ('ix_users_search', 160, ('username', 'display_name')),
    'audit_log': ('ix_audit_search', 400, ('username', 'action', 'detail')),
}


def upgrade() -> None:
    bind = op.get_bind()
    postgresql = bind.dialect.name == 'postgresql'
    if postgresql:
        # pg_trgm ships with PostgreSQL and is a trusted extension (13+): the owner of
        # the database may create it.
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
    for table, (index, size, parts) in FOLDED.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('search_folded', sa.String(length=size),
                                          server_default='', nullable=False))
        _backfill(bind, table, size, parts)
        op.create_index(index, table, ['search_folded'], unique=False,
                        postgresql_using='gin',
                        postgresql_ops={'search_folded': 'gin_trgm_ops'})


def _backfill(bind, table: str, size: int, parts: tuple[str, ...]) -> None:
    """Fold the rows already there, in batches by id (folding needs Python: unidecode)."""
    rows = sa.table(table, sa.column('id'), sa.column('search_folded'),
                    *(sa.column(part) for part in parts))
    after = 0
    while True:
        batch = bind.execute(sa.select(rows.c.id, *(rows.c[p] for p in parts))
                             .where(rows.c.id > after).order_by(rows.c.id)
                             .limit(BATCH)).all()
        if not batch:
            return
        bind.execute(rows.update().where(rows.c.id == sa.bindparam('row_id'))
                     .values(search_folded=sa.bindparam('folded')),
                     [{'row_id': row[0], 'folded': searchable(*row[1:], limit=size)}
                      for row in batch])
        after = batch[-1][0]


def downgrade() -> None:
    for table, (index, _, _) in reversed(FOLDED.items()):
        op.drop_index(index, table_name=table)
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('search_folded')
