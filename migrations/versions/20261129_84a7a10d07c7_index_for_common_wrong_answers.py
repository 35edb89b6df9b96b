"""index for common wrong answers

Revision ID: 84a7a10d07c7
Revises: 905cdf2e22db
Create Date: 2026-11-29 00:57:53.268663

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '84a7a10d07c7'
down_revision = '905cdf2e22db'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.create_index('ix_submission_wrong_answers', ['assignment_problem_id', 'normalised', 'variant_id'], unique=False, postgresql_where=sa.text('raw_score < 1'), sqlite_where=sa.text('raw_score < 1'))



def downgrade():
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.drop_index('ix_submission_wrong_answers', postgresql_where=sa.text('raw_score < 1'), sqlite_where=sa.text('raw_score < 1'))

