"""statistics facets tags and indexes

Revision ID: b644022b60e3
Revises: 358fc4100268
Create Date: 2026-11-29 00:28:36.569113

"""
import json

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b644022b60e3'
down_revision = '358fc4100268'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('submission_tag',
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('tag', sa.String(length=60), nullable=False),
    sa.ForeignKeyConstraint(['submission_id'], ['submission.id'], name=op.f('fk_submission_tag_submission_id_submission'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('submission_id', 'tag', name=op.f('pk_submission_tag'))
    )
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.add_column(sa.Column('normalised', sa.Text(), nullable=True))

    with op.batch_alter_table('variant', schema=None) as batch_op:
        batch_op.add_column(sa.Column('facet_activation', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('facet_shape', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('facet_loss', sa.String(length=10), nullable=True))

    backfill()


def _facets(params):
    """The same facets as grader.services.variants.facets, frozen here for this migration."""
    activation = params.get("activation") or params.get("activation1")
    shape = None
    for key in ("W", "W1"):
        if isinstance(params.get(key), list) and params[key] and isinstance(params[key][0], list):
            shape = f"{len(params[key])}x{len(params[key][0])}"
            break
    return activation, shape, params.get("loss")


def _normalise(parsed):
    """The same as grader.services.submissions.normalise, frozen here for this migration."""
    def r(v):
        if isinstance(v, list):
            return [r(x) for x in v]
        if isinstance(v, float):
            return float(f"{v:.4g}") + 0.0
        return v
    return json.dumps({k: r(v) for k, v in parsed.items()}, sort_keys=True)


def _load(value):
    return json.loads(value) if isinstance(value, str) else value


def backfill():
    """Facets for existing variants, tag rows and normalised answers for existing submissions."""
    conn = op.get_bind()
    variant = sa.table("variant", sa.column("id"), sa.column("params"), sa.column("facet_activation"),
                       sa.column("facet_shape"), sa.column("facet_loss"))
    for vid, params in conn.execute(sa.select(variant.c.id, variant.c.params)).all():
        a, s, l = _facets(_load(params) or {})
        conn.execute(variant.update().where(variant.c.id == vid).values(facet_activation=a, facet_shape=s, facet_loss=l))
    submission = sa.table("submission", sa.column("id"), sa.column("misconceptions"), sa.column("parsed"),
                          sa.column("normalised"))
    tag = sa.table("submission_tag", sa.column("submission_id"), sa.column("tag"))
    for sid, tags, parsed in conn.execute(sa.select(submission.c.id, submission.c.misconceptions, submission.c.parsed)).all():
        for t in dict.fromkeys(_load(tags) or []):
            conn.execute(tag.insert().values(submission_id=sid, tag=t))
        conn.execute(submission.update().where(submission.c.id == sid)
                     .values(normalised=_normalise(_load(parsed) or {})))



def downgrade():
    with op.batch_alter_table('variant', schema=None) as batch_op:
        batch_op.drop_column('facet_loss')
        batch_op.drop_column('facet_shape')
        batch_op.drop_column('facet_activation')

    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.drop_column('normalised')

    op.drop_table('submission_tag')
