"""background jobs: the job table and its output file's chunks

Long work (regrade plan and apply, the long CSV, simulated classes) runs in a huey worker;
the queue carries the job's id, this table what staff see of it. At most one active job
per dedupe key (a partial unique index on both databases).

Revision ID: a7c3e9d41f20
Revises: 5b1d0c7e9a21
Create Date: 2026-11-29 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = 'a7c3e9d41f20'
down_revision = '5b1d0c7e9a21'
branch_labels = None
depends_on = None

JSONType = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')
ACTIVE = "status IN ('queued', 'running')"


def upgrade():
    op.create_table(
        'job',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('course_id', sa.Integer(), nullable=False),
        sa.Column('assignment_id', sa.Integer(), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('dedupe_key', sa.String(length=120), nullable=False),
        sa.Column('params', JSONType, nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('progress_done', sa.Integer(), nullable=False),
        sa.Column('progress_total', sa.Integer(), nullable=True),
        sa.Column('log', sa.Text(), nullable=False),
        sa.Column('result', JSONType, nullable=True),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=True),
        sa.Column('heartbeat_at', sa.DateTime(), nullable=True),
        sa.Column('finished_at', sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'done', 'failed')", name=op.f('ck_job_status')
        ),
        sa.ForeignKeyConstraint(
            ['assignment_id'], ['assignment.id'], name=op.f('fk_job_assignment_id_assignment'),
            ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['course_id'], ['course.id'], name=op.f('fk_job_course_id_course'), ondelete='CASCADE'
        ),
        sa.ForeignKeyConstraint(
            ['created_by_id'], ['user.id'], name=op.f('fk_job_created_by_id_user'),
            ondelete='SET NULL',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_job')),
    )
    op.create_index('ix_job_course_created', 'job', ['course_id', 'created_at'])
    op.create_index(
        'uq_job_active_dedupe_key', 'job', ['dedupe_key'], unique=True,
        sqlite_where=sa.text(ACTIVE), postgresql_where=sa.text(ACTIVE),
    )
    op.create_table(
        'job_file_chunk',
        sa.Column('job_id', sa.Integer(), nullable=False),
        sa.Column('seq', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ['job_id'], ['job.id'], name=op.f('fk_job_file_chunk_job_id_job'), ondelete='CASCADE'
        ),
        sa.PrimaryKeyConstraint('job_id', 'seq', name=op.f('pk_job_file_chunk')),
    )


def downgrade():
    op.drop_table('job_file_chunk')
    op.drop_index('uq_job_active_dedupe_key', table_name='job')
    op.drop_index('ix_job_course_created', table_name='job')
    op.drop_table('job')
