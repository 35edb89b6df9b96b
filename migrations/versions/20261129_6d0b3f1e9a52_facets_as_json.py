"""facets as json

A variant's statistics facets move from three columns (facet_activation, facet_shape,
facet_loss) to one JSON mapping, facet name → value, as each kind declares them: a new
kind's facet needs no migration. Existing values are copied in one statement each way
(no row is read into Python), leaving out facets a variant does not have.

Revision ID: 6d0b3f1e9a52
Revises: e072ff35752a
Create Date: 2026-11-29 08:45:00.000000

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = '6d0b3f1e9a52'
down_revision = 'e072ff35752a'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')
OLD = (('activation', 20), ('shape', 20), ('loss', 10))


def upgrade():
    with op.batch_alter_table('variant', schema=None) as batch_op:
        batch_op.add_column(sa.Column('facets', JSON, server_default=sa.text("'{}'"), nullable=False))
    pairs = ", ".join(f"'{name}', facet_{name}" for name, _size in OLD)
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f"UPDATE variant SET facets = jsonb_strip_nulls(jsonb_build_object({pairs}))")
    else:
        # a JSON merge patch drops the members whose value is null
        op.execute(f"UPDATE variant SET facets = json_patch('{{}}', json_object({pairs}))")
    with op.batch_alter_table('variant', schema=None) as batch_op:
        for name, _size in reversed(OLD):
            batch_op.drop_column(f'facet_{name}')


def downgrade():
    with op.batch_alter_table('variant', schema=None) as batch_op:
        for name, size in OLD:
            batch_op.add_column(sa.Column(f'facet_{name}', sa.String(length=size), nullable=True))
    postgres = op.get_bind().dialect.name == 'postgresql'
    sets = ", ".join(
        f"facet_{name} = substr(" + (f"facets ->> '{name}'" if postgres else f"json_extract(facets, '$.{name}')") + f", 1, {size})"
        for name, size in OLD
    )
    op.execute(f"UPDATE variant SET {sets}")
    with op.batch_alter_table('variant', schema=None) as batch_op:
        batch_op.drop_column('facets')
