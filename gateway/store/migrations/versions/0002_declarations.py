"""declarations

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 15:03:58.601025
"""

import sqlalchemy as sa
from alembic import op

import gateway.store.models


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('declarations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=12), nullable=False),
    sa.Column('declarer_phone', sa.String(length=16), nullable=False),
    sa.Column('subject_phone', sa.String(length=16), nullable=True),
    sa.Column('relation', sa.String(length=16), nullable=False),
    sa.Column('full_name', sa.String(length=80), nullable=False),
    sa.Column('birth_year', sa.Integer(), nullable=False),
    sa.Column('gender', sa.String(length=8), nullable=False),
    sa.Column('id_type', sa.String(length=10), nullable=True),
    sa.Column('id_number', sa.String(length=20), nullable=True),
    sa.Column('insurance_number', sa.String(length=20), nullable=True),
    sa.Column('province_code', sa.Integer(), nullable=False),
    sa.Column('province_name', sa.String(length=60), nullable=False),
    sa.Column('ward_code', sa.Integer(), nullable=False),
    sa.Column('ward_name', sa.String(length=80), nullable=False),
    sa.Column('street', sa.String(length=120), nullable=False),
    sa.Column('symptoms', sa.JSON(), nullable=False),
    sa.Column('contact', sa.Boolean(), nullable=False),
    sa.Column('travel', sa.Boolean(), nullable=False),
    sa.Column('risk', sa.String(length=8), nullable=False),
    sa.Column('follow_up', sa.Boolean(), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('verification', sa.String(length=16), nullable=False),
    sa.Column('operator', sa.String(length=60), nullable=True),
    sa.Column('form_version', sa.String(length=20), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('created_at', gateway.store.models.UTCDateTime(), nullable=False),
    sa.Column('valid_until', gateway.store.models.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    with op.batch_alter_table('declarations', schema=None) as batch_op:
        batch_op.create_index('ix_declarations_declarer_created', ['declarer_phone', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_declarations_follow_up'), ['follow_up'], unique=False)
        batch_op.create_index('ix_declarations_subject_created', ['subject_phone', 'created_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('declarations', schema=None) as batch_op:
        batch_op.drop_index('ix_declarations_subject_created')
        batch_op.drop_index(batch_op.f('ix_declarations_follow_up'))
        batch_op.drop_index('ix_declarations_declarer_created')

    op.drop_table('declarations')
