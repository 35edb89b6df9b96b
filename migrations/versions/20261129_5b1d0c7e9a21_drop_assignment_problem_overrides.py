"""drop assignment_problem.overrides

The column was never set by any page, the API or an import (always {}), yet four places
merged it over the template's config and policy. A problem's config and policy are its
template's; a problem that needs other settings gets its own copy of the template.

Revision ID: 5b1d0c7e9a21
Revises: 6d0b3f1e9a52
Create Date: 2026-11-29 08:45:00.000000

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = '5b1d0c7e9a21'
down_revision = '6d0b3f1e9a52'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('assignment_problem', schema=None) as batch_op:
        batch_op.drop_column('overrides')


def downgrade():
    with op.batch_alter_table('assignment_problem', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                'overrides',
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'),
                server_default=sa.text("'{}'"),
                nullable=False,
            )
        )
