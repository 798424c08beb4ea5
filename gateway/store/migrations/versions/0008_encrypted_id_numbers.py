"""declarations: ID and insurance numbers encrypted, with keyed lookup hashes

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 10:10:00

The data step encrypts the numbers already stored (and removes them from `answers`)
with the keyring `gateway db upgrade` passes (DATA_ENCRYPTION_KEY); a database that
holds numbers cannot be upgraded without one.
"""

import sqlalchemy as sa
from alembic import op



revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

_declarations = sa.table(
    'declarations', sa.column('id', sa.Integer()), sa.column('id_number', sa.Text()),
    sa.column('insurance_number', sa.Text()), sa.column('id_number_hash', sa.String()),
    sa.column('insurance_number_hash', sa.String()), sa.column('answers', sa.JSON()))


def upgrade() -> None:
    ring = _keyring()  # before any change: SQLite's DDL is not undone by a failure
    with op.batch_alter_table('declarations', schema=None) as batch_op:
        batch_op.alter_column('id_number', type_=sa.Text(), existing_nullable=True)
        batch_op.alter_column('insurance_number', type_=sa.Text(), existing_nullable=True)
        batch_op.add_column(sa.Column('id_number_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('insurance_number_hash', sa.String(length=64),
                                      nullable=True))
        batch_op.create_index(batch_op.f('ix_declarations_id_number_hash'),
                              ['id_number_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_declarations_insurance_number_hash'),
                              ['insurance_number_hash'], unique=False)
    _rewrite(ring, _encrypt)


def downgrade() -> None:
    _rewrite(_keyring(), _decrypt)
    with op.batch_alter_table('declarations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_declarations_insurance_number_hash'))
        batch_op.drop_index(batch_op.f('ix_declarations_id_number_hash'))
        batch_op.drop_column('insurance_number_hash')
        batch_op.drop_column('id_number_hash')
        batch_op.alter_column('insurance_number', type_=sa.String(length=20),
                              existing_nullable=True)
        batch_op.alter_column('id_number', type_=sa.String(length=20), existing_nullable=True)


def _keyring():
    """The keyring `gateway db upgrade` passed; None when there are no declarations to
    rewrite (a new database); refused when there are some and no keyring."""
    ring = op.get_context().config.attributes.get('keyring')
    if ring is None and op.get_bind().execute(
            sa.select(sa.func.count()).select_from(_declarations)).scalar():
        raise RuntimeError('declarations hold ID numbers: run `gateway db upgrade` with '
                           'DATA_ENCRYPTION_KEY set to encrypt them')
    return ring


def _rewrite(ring, change) -> None:
    """Apply `change(ring, row)` to every declaration."""
    connection = op.get_bind()
    rows = connection.execute(sa.select(_declarations)).mappings().all()
    for row in rows:
        connection.execute(sa.update(_declarations).where(_declarations.c.id == row['id'])
                           .values(**change(ring, row)))


def _without_numbers(answers: dict) -> dict:
    """As gateway.store.declarations.without_numbers did when this was written (a
    migration must not change with the code after it)."""
    kept = {k: v for k, v in answers.items()
            if k not in ('id_number', 'insurance', 'insurance_number')}
    identity = answers.get('id_number')
    if isinstance(identity, dict) and identity.get('type'):
        kept['id_number'] = {'type': identity['type']}
    return kept


def _encrypt(ring, row) -> dict:
    values = {'answers': _without_numbers(row['answers'] or {})}
    for name in ('id_number', 'insurance_number'):
        plain = row[name]
        values[name] = None if plain is None else ring.encrypt(plain)
        values[f'{name}_hash'] = None if plain is None else ring.digest(plain)
    return values


def _decrypt(ring, row) -> dict:
    return {name: None if row[name] is None else ring.decrypt(row[name])
            for name in ('id_number', 'insurance_number')}
