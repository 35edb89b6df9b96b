"""lti 1.3: platform registrations, the tool key, launch state, LMS users, contexts, resource links and the score outbox

The LTI 1.3 Advantage tool (grader/lti, grader/services/lti*.py): every table is new, so
this migration touches nothing that exists.

Revision ID: cb4423ee5211
Revises: c41d2a7e5b90
Create Date: 2026-11-29 13:55:09.693666

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = 'cb4423ee5211'
down_revision = 'c41d2a7e5b90'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('lti_key',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kid', sa.String(length=100), nullable=False),
    sa.Column('private_pem', sa.Text(), nullable=False),
    sa.Column('public_pem', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lti_key')),
    sa.UniqueConstraint('kid', name=op.f('uq_lti_key_kid'))
    )
    op.create_table('lti_launch_state',
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('value', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_lti_launch_state'))
    )
    with op.batch_alter_table('lti_launch_state', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lti_launch_state_expires_at'), ['expires_at'], unique=False)

    op.create_table('lti_registration',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('issuer', sa.String(length=255), nullable=False),
    sa.Column('client_id', sa.String(length=255), nullable=False),
    sa.Column('deployment_ids', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('auth_login_url', sa.String(length=1000), nullable=False),
    sa.Column('auth_token_url', sa.String(length=1000), nullable=False),
    sa.Column('key_set_url', sa.String(length=1000), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lti_registration')),
    sa.UniqueConstraint('issuer', 'client_id', name=op.f('uq_lti_registration_issuer_client_id'))
    )
    op.create_table('lti_context',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('issuer', sa.String(length=255), nullable=False),
    sa.Column('context_id', sa.String(length=255), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=255), nullable=False),
    sa.Column('memberships_url', sa.String(length=1000), nullable=True),
    sa.Column('lineitems_url', sa.String(length=1000), nullable=True),
    sa.Column('ags_scopes', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], name=op.f('fk_lti_context_course_id_course'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['registration_id'], ['lti_registration.id'], name=op.f('fk_lti_context_registration_id_lti_registration'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lti_context')),
    sa.UniqueConstraint('issuer', 'context_id', name=op.f('uq_lti_context_issuer_context_id'))
    )
    with op.batch_alter_table('lti_context', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lti_context_course_id'), ['course_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lti_context_registration_id'), ['registration_id'], unique=False)

    op.create_table('lti_user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('issuer', sa.String(length=255), nullable=False),
    sa.Column('sub', sa.String(length=255), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_lti_user_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lti_user')),
    sa.UniqueConstraint('issuer', 'sub', name=op.f('uq_lti_user_issuer_sub'))
    )
    with op.batch_alter_table('lti_user', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lti_user_user_id'), ['user_id'], unique=False)

    op.create_table('lti_resource_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lti_context_id', sa.Integer(), nullable=False),
    sa.Column('resource_link_id', sa.String(length=255), nullable=False),
    sa.Column('assignment_id', sa.Integer(), nullable=False),
    sa.Column('lineitem_url', sa.String(length=1000), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['assignment_id'], ['assignment.id'], name=op.f('fk_lti_resource_link_assignment_id_assignment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['lti_context_id'], ['lti_context.id'], name=op.f('fk_lti_resource_link_lti_context_id_lti_context'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lti_resource_link')),
    sa.UniqueConstraint('lti_context_id', 'resource_link_id', name=op.f('uq_lti_resource_link_lti_context_id_resource_link_id'))
    )
    with op.batch_alter_table('lti_resource_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lti_resource_link_assignment_id'), ['assignment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lti_resource_link_lti_context_id'), ['lti_context_id'], unique=False)

    op.create_table('lti_score_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('resource_link_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('pending', sa.Boolean(), nullable=False),
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('sent_score', sa.Double(), nullable=True),
    sa.Column('sent_maximum', sa.Double(), nullable=True),
    sa.ForeignKeyConstraint(['resource_link_id'], ['lti_resource_link.id'], name=op.f('fk_lti_score_outbox_resource_link_id_lti_resource_link'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_lti_score_outbox_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lti_score_outbox')),
    sa.UniqueConstraint('resource_link_id', 'user_id', name=op.f('uq_lti_score_outbox_resource_link_id_user_id'))
    )
    with op.batch_alter_table('lti_score_outbox', schema=None) as batch_op:
        batch_op.create_index('ix_lti_score_outbox_pending', ['pending', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_lti_score_outbox_user_id'), ['user_id'], unique=False)



def downgrade():
    with op.batch_alter_table('lti_score_outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lti_score_outbox_user_id'))
        batch_op.drop_index('ix_lti_score_outbox_pending')

    op.drop_table('lti_score_outbox')
    with op.batch_alter_table('lti_resource_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lti_resource_link_lti_context_id'))
        batch_op.drop_index(batch_op.f('ix_lti_resource_link_assignment_id'))

    op.drop_table('lti_resource_link')
    with op.batch_alter_table('lti_user', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lti_user_user_id'))

    op.drop_table('lti_user')
    with op.batch_alter_table('lti_context', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lti_context_registration_id'))
        batch_op.drop_index(batch_op.f('ix_lti_context_course_id'))

    op.drop_table('lti_context')
    op.drop_table('lti_registration')
    with op.batch_alter_table('lti_launch_state', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lti_launch_state_expires_at'))

    op.drop_table('lti_launch_state')
    op.drop_table('lti_key')
