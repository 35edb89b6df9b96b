"""statistics summaries on variants

Revision ID: 905cdf2e22db
Revises: b644022b60e3
Create Date: 2026-11-29 00:37:14.972304

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '905cdf2e22db'
down_revision = 'b644022b60e3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.add_column(sa.Column('assignment_problem_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_submission_assignment_problem_id'), ['assignment_problem_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_submission_assignment_problem_id_assignment_problem'), 'assignment_problem', ['assignment_problem_id'], ['id'], ondelete='CASCADE')

    with op.batch_alter_table('submission_tag', schema=None) as batch_op:
        batch_op.add_column(sa.Column('assignment_problem_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('user_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_submission_tag_assignment_problem_id'), ['assignment_problem_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_submission_tag_user_id_user'), 'user', ['user_id'], ['id'], ondelete='CASCADE')
        batch_op.create_foreign_key(batch_op.f('fk_submission_tag_assignment_problem_id_assignment_problem'), 'assignment_problem', ['assignment_problem_id'], ['id'], ondelete='CASCADE')

    with op.batch_alter_table('variant', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attempts', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('best_score', sa.Double(), nullable=True))
        batch_op.add_column(sa.Column('last_score', sa.Double(), nullable=True))
        batch_op.add_column(sa.Column('first_correct', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('correct', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('first_correct_attempt', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('first_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('first_correct_at', sa.DateTime(), nullable=True))


    for statement in BACKFILL:
        op.execute(statement)


BACKFILL = [
    "UPDATE submission SET assignment_problem_id = "
    "(SELECT v.assignment_problem_id FROM variant v WHERE v.id = submission.variant_id)",
    "UPDATE submission_tag SET "
    "assignment_problem_id = (SELECT s.assignment_problem_id FROM submission s WHERE s.id = submission_tag.submission_id), "
    "user_id = (SELECT v.user_id FROM submission s JOIN variant v ON v.id = s.variant_id "
    "WHERE s.id = submission_tag.submission_id)",
    "UPDATE variant SET "
    "attempts = (SELECT count(*) FROM submission s WHERE s.variant_id = variant.id), "
    "best_score = (SELECT max(s.score) FROM submission s WHERE s.variant_id = variant.id), "
    "last_score = (SELECT s.score FROM submission s WHERE s.variant_id = variant.id ORDER BY s.attempt DESC LIMIT 1), "
    "first_correct = EXISTS (SELECT 1 FROM submission s WHERE s.variant_id = variant.id AND s.attempt = 1 "
    "AND s.raw_score >= 1), "
    "correct = EXISTS (SELECT 1 FROM submission s WHERE s.variant_id = variant.id AND s.raw_score >= 1), "
    "first_correct_attempt = (SELECT min(s.attempt) FROM submission s WHERE s.variant_id = variant.id "
    "AND s.raw_score >= 1), "
    "first_at = (SELECT min(s.created_at) FROM submission s WHERE s.variant_id = variant.id), "
    "first_correct_at = (SELECT min(s.created_at) FROM submission s WHERE s.variant_id = variant.id "
    "AND s.raw_score >= 1)",
]


def downgrade():
    with op.batch_alter_table('variant', schema=None) as batch_op:
        batch_op.drop_column('first_correct_at')
        batch_op.drop_column('first_at')
        batch_op.drop_column('first_correct_attempt')
        batch_op.drop_column('correct')
        batch_op.drop_column('first_correct')
        batch_op.drop_column('last_score')
        batch_op.drop_column('best_score')
        batch_op.drop_column('attempts')

    with op.batch_alter_table('submission_tag', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_submission_tag_assignment_problem_id_assignment_problem'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_submission_tag_user_id_user'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_submission_tag_assignment_problem_id'))
        batch_op.drop_column('user_id')
        batch_op.drop_column('assignment_problem_id')

    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_submission_assignment_problem_id_assignment_problem'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_submission_assignment_problem_id'))
        batch_op.drop_column('assignment_problem_id')

