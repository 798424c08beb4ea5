"""consent: the consents table (append-only) and the consent of each declaration

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 10:05:00
"""

import sqlalchemy as sa
from alembic import op

import gateway.store.models


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'consents',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('phone', sa.String(length=16), nullable=False),
        sa.Column('channel', sa.String(length=8), nullable=False),
        sa.Column('answer', sa.String(length=12), nullable=False),
        sa.Column('notice_version', sa.String(length=40), nullable=False),
        sa.Column('notice_hash', sa.String(length=64), nullable=True),
        sa.Column('legal_basis', sa.String(length=40), nullable=True),
        sa.Column('operator', sa.String(length=60), nullable=True),
        sa.Column('given_at', gateway.store.models.UTCDateTime(), nullable=False),
        sa.Column('created_at', gateway.store.models.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_consents_phone_id', 'consents', ['phone', 'id'], unique=False)
    with op.batch_alter_table('declarations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('consent_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_declarations_consent_id', 'consents',
                                    ['consent_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('declarations', schema=None) as batch_op:
        batch_op.drop_constraint('fk_declarations_consent_id', type_='foreignkey')
        batch_op.drop_column('consent_id')
    op.drop_index('ix_consents_phone_id', table_name='consents')
    op.drop_table('consents')
