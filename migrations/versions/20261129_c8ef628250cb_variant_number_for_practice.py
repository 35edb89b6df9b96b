"""variant number for practice

Revision ID: c8ef628250cb
Revises: acdab501b1a4
Create Date: 2026-11-29 00:11:48.803341

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c8ef628250cb'
down_revision = 'acdab501b1a4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('variant', schema=None) as batch_op:
        batch_op.add_column(sa.Column('number', sa.Integer(), server_default='1', nullable=False))
        batch_op.drop_constraint(batch_op.f('uq_variant_assignment_problem_id_user_id'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_variant_assignment_problem_id_user_id_number'), ['assignment_problem_id', 'user_id', 'number'])



def downgrade():
    # Practice variants beyond the first cannot survive the old one-per-student constraint.
    op.execute("DELETE FROM variant WHERE number > 1")
    with op.batch_alter_table('variant', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_variant_assignment_problem_id_user_id_number'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_variant_assignment_problem_id_user_id'), ['assignment_problem_id', 'user_id'])
        batch_op.drop_column('number')

