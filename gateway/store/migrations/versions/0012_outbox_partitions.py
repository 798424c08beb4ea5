"""retention: weekly partitions of the outbox, its dedup keys in their own table

On PostgreSQL `outbound_messages` becomes range-partitioned by week of `created_at`
(gateway/store/partitions.py), as 0006 did for the message log and the feed: the table
is renamed, a partitioned table is made under its name with the same columns and id
sequence, partitions are created from its oldest row's week to a few weeks ahead (plus a
DEFAULT one), the rows are copied over and the old table dropped. This copies every row
once: run it in a quiet hour, with the workers stopped (a send marked meanwhile would be
lost with the old table). SQLite keeps a plain table.

A partitioned table cannot hold a key unique over all time, so on both engines the
unique keys go: `dedup_key` moves to the small table `outbound_keys` (filled from the
rows), and `provider_id` keeps a plain index (a status report finds the newest row with
that id; see gateway/store/messages.py).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 14:30:00
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import gateway.store.models
from gateway.store import partitions

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

UTC_TIME = gateway.store.models.UTCDateTime
TABLE = 'outbound_messages'
KEY = partitions.PARTITIONED[TABLE]
SEQUENCE = f'{TABLE}_id_seq'
OLD_INDEXES = {'ix_outbound_messages_phone': ['phone'],
               'ix_outbound_messages_status': ['status']}
NEW_INDEXES = {'ix_outbound_provider_id': ['provider_id'],
               'ix_outbound_dedup_key': ['dedup_key'],
               'ix_outbound_created': ['created_at']}
# The unique keys of 0001, under the names PostgreSQL gave them (SQLite: ours).
UNIQUE = {'dedup_key': 'outbound_messages_dedup_key_key',
          'provider_id': 'outbound_messages_provider_id_key'}
SQLITE_NAMES = {'uq': 'uq_%(table_name)s_%(column_0_name)s'}


def _columns(id_column: sa.Column) -> list:
    return [id_column,
            sa.Column('phone', sa.String(length=16), nullable=False),
            sa.Column('body', sa.Text(), nullable=False),
            sa.Column('kind', sa.String(length=16), nullable=False),
            sa.Column('priority', sa.String(length=8), nullable=False),
            sa.Column('status', sa.String(length=12), nullable=False),
            sa.Column('backend', sa.String(length=16), nullable=False),
            sa.Column('sender', sa.String(length=40), nullable=False),
            sa.Column('provider_id', sa.String(length=64), nullable=True),
            sa.Column('dedup_key', sa.String(length=120), nullable=True),
            sa.Column('segments', sa.Integer(), nullable=False),
            sa.Column('attempts', sa.Integer(), nullable=False),
            sa.Column('error_code', sa.String(length=16), nullable=True),
            sa.Column('error_message', sa.String(length=255), nullable=True),
            sa.Column('created_at', UTC_TIME(), nullable=False),
            sa.Column('claimed_at', UTC_TIME(), nullable=True),
            sa.Column('sent_at', UTC_TIME(), nullable=True),
            sa.Column('updated_at', UTC_TIME(), nullable=False),
            sa.Column('next_attempt_at', UTC_TIME(), nullable=True),
            sa.Column('sealed', sa.Text(), nullable=True)]


def _names() -> str:
    return ', '.join(c.name for c in _columns(sa.Column('id', sa.Integer())))


def upgrade() -> None:
    op.create_table('outbound_keys',
    sa.Column('dedup_key', sa.String(length=120), nullable=False),
    sa.Column('created_at', UTC_TIME(), nullable=False),
    sa.PrimaryKeyConstraint('dedup_key')
    )
    op.create_index('ix_outbound_keys_created_at', 'outbound_keys', ['created_at'])
    op.execute("INSERT INTO outbound_keys (dedup_key, created_at) "
               "SELECT dedup_key, min(created_at) FROM outbound_messages "
               "WHERE dedup_key IS NOT NULL GROUP BY dedup_key")
    if op.get_bind().dialect.name == 'postgresql':
        _partition()
        return
    with op.batch_alter_table(TABLE, naming_convention=SQLITE_NAMES) as batch_op:
        for column in UNIQUE:
            batch_op.drop_constraint(f'uq_{TABLE}_{column}', type_='unique')
        for name, indexed in NEW_INDEXES.items():
            batch_op.create_index(name, indexed)


def _partition() -> None:
    """Rebuild the outbox as a partitioned table with the same name, columns and rows."""
    old = f'{TABLE}_unpartitioned'
    op.rename_table(TABLE, old)
    op.execute(f'ALTER TABLE {old} RENAME CONSTRAINT {TABLE}_pkey TO {old}_pkey')
    for name in OLD_INDEXES:
        op.execute(f'DROP INDEX IF EXISTS {name}')
    op.create_table(TABLE, *_columns(sa.Column(
        'id', sa.Integer(), nullable=False,
        server_default=sa.text(f"nextval('{SEQUENCE}'::regclass)"))),
        sa.PrimaryKeyConstraint('id', KEY), postgresql_partition_by=f'RANGE ({KEY})')
    op.execute(f'ALTER SEQUENCE {SEQUENCE} OWNED BY {TABLE}.id')
    op.execute(f'CREATE TABLE {TABLE}_default PARTITION OF {TABLE} DEFAULT')
    connection = op.get_bind()
    oldest = connection.execute(sa.text(f'SELECT min({KEY}) FROM {old}')).scalar()
    now = datetime.now(UTC).replace(tzinfo=None)
    for partition in partitions.missing(connection, TABLE, oldest or now,
                                        now + partitions.AHEAD):
        partitions.create(connection, TABLE, partition)
    op.execute(f'INSERT INTO {TABLE} ({_names()}) SELECT {_names()} FROM {old}')
    op.drop_table(old)  # its unique keys go with it
    for name, indexed in {**OLD_INDEXES, **NEW_INDEXES}.items():
        op.create_index(name, TABLE, indexed)


def _unpartition() -> None:
    """Back to a plain table: the rows of every partition copied into it."""
    plain = f'{TABLE}_plain'
    op.create_table(plain, *_columns(sa.Column(
        'id', sa.Integer(), nullable=False,
        server_default=sa.text(f"nextval('{SEQUENCE}'::regclass)"))),
        sa.PrimaryKeyConstraint('id', name=f'{plain}_pkey'))
    op.execute(f'INSERT INTO {plain} ({_names()}) SELECT {_names()} FROM {TABLE}')
    op.execute(f'ALTER SEQUENCE {SEQUENCE} OWNED BY {plain}.id')
    op.drop_table(TABLE)  # its partitions and indexes go with it
    op.rename_table(plain, TABLE)
    op.execute(f'ALTER TABLE {TABLE} RENAME CONSTRAINT {plain}_pkey TO {TABLE}_pkey')
    for name, indexed in OLD_INDEXES.items():
        op.create_index(name, TABLE, indexed)
    for column, name in UNIQUE.items():
        op.create_unique_constraint(name, TABLE, [column])


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        _unpartition()
    else:
        with op.batch_alter_table(TABLE) as batch_op:
            for name in reversed(NEW_INDEXES):
                batch_op.drop_index(name)
            for column in UNIQUE:
                batch_op.create_unique_constraint(f'uq_{TABLE}_{column}', [column])
    op.drop_index('ix_outbound_keys_created_at', table_name='outbound_keys')
    op.drop_table('outbound_keys')
