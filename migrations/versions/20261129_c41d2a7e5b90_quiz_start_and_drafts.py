"""quiz start and drafts: a timed quiz's clock starts when the student presses Start

A row per (quiz, student) with the moment they started; a draft per variant with the boxes'
values as typed. Quizzes already under way keep their clock: their start is the first view
of any of their problems (the old rule), copied into quiz_start.

Revision ID: c41d2a7e5b90
Revises: a7c3e9d41f20
Create Date: 2026-11-29 13:40:00.000000

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = 'c41d2a7e5b90'
down_revision = 'a7c3e9d41f20'
branch_labels = None
depends_on = None

JSONType = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade():
    op.create_table(
        'quiz_start',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('assignment_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=False),
        sa.Column('finalized_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ['assignment_id'], ['assignment.id'],
            name=op.f('fk_quiz_start_assignment_id_assignment'), ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['user_id'], ['user.id'], name=op.f('fk_quiz_start_user_id_user'), ondelete='CASCADE'
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_quiz_start')),
        sa.UniqueConstraint(
            'assignment_id', 'user_id', name=op.f('uq_quiz_start_assignment_id_user_id')
        ),
    )
    op.create_index(op.f('ix_quiz_start_user_id'), 'quiz_start', ['user_id'])
    op.create_table(
        'draft',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('variant_id', sa.Integer(), nullable=False),
        sa.Column('raw', JSONType, nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('outcome', sa.String(length=20), nullable=True),
        sa.Column('submission_id', sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "outcome IN ('submitted', 'unreadable', 'same', 'no_attempts_left')",
            name=op.f('ck_draft_outcome'),
        ),
        sa.ForeignKeyConstraint(
            ['submission_id'], ['submission.id'], name=op.f('fk_draft_submission_id_submission'),
            ondelete='SET NULL',
        ),
        sa.ForeignKeyConstraint(
            ['variant_id'], ['variant.id'], name=op.f('fk_draft_variant_id_variant'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_draft')),
        sa.UniqueConstraint('variant_id', name=op.f('uq_draft_variant_id')),
    )
    # Quizzes under way keep their clock: the first view of any problem was the start.
    op.execute(
        "INSERT INTO quiz_start (assignment_id, user_id, started_at) "
        "SELECT ap.assignment_id, v.user_id, MIN(v.created_at) FROM variant v "
        "JOIN assignment_problem ap ON ap.id = v.assignment_problem_id "
        "JOIN assignment a ON a.id = ap.assignment_id "
        "WHERE a.mode = 'quiz' AND a.time_limit_minutes IS NOT NULL "
        "GROUP BY ap.assignment_id, v.user_id"
    )


def downgrade():
    op.drop_table('draft')
    op.drop_index(op.f('ix_quiz_start_user_id'), table_name='quiz_start')
    op.drop_table('quiz_start')
