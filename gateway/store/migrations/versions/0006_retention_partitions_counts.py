"""retention: weekly partitions of the message log and the feed, inbound dedup keys,
daily counts

On PostgreSQL `inbound_messages` and `events` become range-partitioned by week of their
timestamp (gateway/store/partitions.py): each is renamed, a partitioned table is made
under its name with the same columns and sequence, partitions are created from its
oldest row's week to a few weeks ahead (plus a DEFAULT one), the rows are copied over
and the old table dropped. This copies every row once: on a large message log, run it
in a quiet hour. SQLite keeps plain tables. On both, the inbound dedup moves from a
unique key of the message log to the small table `inbound_keys`.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 10:00:00
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import gateway.store.models
from gateway.store import partitions

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

UTC_TIME = gateway.store.models.UTCDateTime


def _inbound_columns(id_column: sa.Column) -> list:
    return [id_column,
            sa.Column('channel', sa.String(length=8), nullable=False),
            sa.Column('provider', sa.String(length=16), nullable=False),
            sa.Column('provider_id', sa.String(length=64), nullable=False),
            sa.Column('phone', sa.String(length=16), nullable=False),
            sa.Column('recipient', sa.String(length=32), nullable=False),
            sa.Column('body', sa.Text(), nullable=False),
            sa.Column('reply', sa.Text(), nullable=False),
            sa.Column('received_at', UTC_TIME(), nullable=False)]


def _event_columns(id_column: sa.Column) -> list:
    return [id_column,
            sa.Column('topic', sa.String(length=24), nullable=False),
            sa.Column('action', sa.String(length=12), nullable=False),
            sa.Column('record_id', sa.Integer(), nullable=False),
            sa.Column('txid', sa.BigInteger(), nullable=True),
            sa.Column('created_at', UTC_TIME(), nullable=False)]


# table -> (its columns given an id column, its id type, its indexes)
TABLES = {
    'inbound_messages': (_inbound_columns, sa.Integer(),
                         {'ix_inbound_messages_phone': ['phone'],
                          'ix_inbound_provider_id': ['provider', 'provider_id'],
                          'ix_inbound_received': ['received_at']}),
    'events': (_event_columns, sa.BigInteger(),
               {'ix_events_txid_id': ['txid', 'id'], 'ix_events_created_at': ['created_at']}),
}


def upgrade() -> None:
    op.create_table('inbound_keys',
    sa.Column('provider', sa.String(length=16), nullable=False),
    sa.Column('provider_id', sa.String(length=64), nullable=False),
    sa.Column('received_at', UTC_TIME(), nullable=False),
    sa.PrimaryKeyConstraint('provider', 'provider_id')
    )
    op.create_index('ix_inbound_keys_received_at', 'inbound_keys', ['received_at'])
    op.execute("INSERT INTO inbound_keys (provider, provider_id, received_at) "
               "SELECT provider, provider_id, min(received_at) FROM inbound_messages "
               "GROUP BY provider, provider_id")
    op.create_table('daily_counts',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('province_code', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day', 'kind', 'province_code', 'channel')
    )
    if op.get_bind().dialect.name == 'postgresql':
        for table in TABLES:
            _partition(table)
        return
    with op.batch_alter_table('inbound_messages', schema=None) as batch_op:
        batch_op.drop_constraint('uq_inbound_provider_id', type_='unique')
        batch_op.create_index('ix_inbound_provider_id', ['provider', 'provider_id'])
        batch_op.create_index('ix_inbound_received', ['received_at'])
    op.create_index('ix_events_created_at', 'events', ['created_at'])


def _partition(table: str) -> None:
    """Rebuild `table` as a partitioned table with the same name, columns and rows."""
    columns, id_type, indexes = TABLES[table]
    key = partitions.PARTITIONED[table]
    old = f'{table}_unpartitioned'
    sequence = f'{table}_id_seq'
    op.rename_table(table, old)
    op.execute(f'ALTER TABLE {old} RENAME CONSTRAINT {table}_pkey TO {old}_pkey')
    for name in indexes:
        op.execute(f'DROP INDEX IF EXISTS {name}')
    op.create_table(table, *columns(sa.Column(
        'id', id_type, nullable=False,
        server_default=sa.text(f"nextval('{sequence}'::regclass)"))),
        sa.PrimaryKeyConstraint('id', key), postgresql_partition_by=f'RANGE ({key})')
    op.execute(f'ALTER SEQUENCE {sequence} OWNED BY {table}.id')
    op.execute(f'CREATE TABLE {table}_default PARTITION OF {table} DEFAULT')
    connection = op.get_bind()
    oldest = connection.execute(sa.text(f'SELECT min({key}) FROM {old}')).scalar()
    now = datetime.now(UTC).replace(tzinfo=None)
    for partition in partitions.missing(connection, table, oldest or now,
                                        now + partitions.AHEAD):
        partitions.create(connection, table, partition)
    names = ', '.join(c.name for c in columns(sa.Column('id', id_type)))
    op.execute(f'INSERT INTO {table} ({names}) SELECT {names} FROM {old}')
    op.drop_table(old)
    for name, indexed in indexes.items():
        op.create_index(name, table, indexed)


def _unpartition(table: str) -> None:
    """Back to a plain table: the rows of every partition copied into it."""
    columns, id_type, indexes = TABLES[table]
    plain = f'{table}_plain'
    sequence = f'{table}_id_seq'
    op.create_table(plain, *columns(sa.Column(
        'id', id_type, nullable=False,
        server_default=sa.text(f"nextval('{sequence}'::regclass)"))),
        sa.PrimaryKeyConstraint('id', name=f'{plain}_pkey'))
    names = ', '.join(c.name for c in columns(sa.Column('id', id_type)))
    op.execute(f'INSERT INTO {plain} ({names}) SELECT {names} FROM {table}')
    op.execute(f'ALTER SEQUENCE {sequence} OWNED BY {plain}.id')
    op.drop_table(table)  # its partitions and indexes go with it
    op.rename_table(plain, table)
    op.execute(f'ALTER TABLE {table} RENAME CONSTRAINT {plain}_pkey TO {table}_pkey')
    for name, indexed in indexes.items():
        if name not in ('ix_inbound_provider_id', 'ix_inbound_received',
                        'ix_events_created_at'):
            op.create_index(name, table, indexed)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        for table in TABLES:
            _unpartition(table)
        op.create_unique_constraint('uq_inbound_provider_id', 'inbound_messages',
                                    ['provider', 'provider_id'])
    else:
        op.drop_index('ix_events_created_at', table_name='events')
        with op.batch_alter_table('inbound_messages', schema=None) as batch_op:
            batch_op.drop_index('ix_inbound_received')
            batch_op.drop_index('ix_inbound_provider_id')
            batch_op.create_unique_constraint('uq_inbound_provider_id',
                                              ['provider', 'provider_id'])
    op.drop_table('daily_counts')
    op.drop_index('ix_inbound_keys_received_at', table_name='inbound_keys')
    op.drop_table('inbound_keys')
