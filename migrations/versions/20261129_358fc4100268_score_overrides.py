"""score overrides

Revision ID: 358fc4100268
Revises: c8ef628250cb
Create Date: 2026-11-29 00:19:12.787682

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '358fc4100268'
down_revision = 'c8ef628250cb'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('score_override',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assignment_problem_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Double(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['assignment_problem_id'], ['assignment_problem.id'], name=op.f('fk_score_override_assignment_problem_id_assignment_problem'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['changed_by_id'], ['user.id'], name=op.f('fk_score_override_changed_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_score_override_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_score_override'))
    )
    with op.batch_alter_table('score_override', schema=None) as batch_op:
        batch_op.create_index('ix_score_override_problem_user', ['assignment_problem_id', 'user_id'], unique=False)



def downgrade():
    with op.batch_alter_table('score_override', schema=None) as batch_op:
        batch_op.drop_index('ix_score_override_problem_user')

    op.drop_table('score_override')
