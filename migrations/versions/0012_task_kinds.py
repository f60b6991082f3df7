"""Tasks the app makes store what they are (a kind and its values), not text in one language.

Existing tasks whose title is one of the app's own texts, in Finnish, Swedish or English (the
catalogues' words when this was written), become that kind; a meeting task's "With: …" line
becomes a value. Any other text, and every task typed by hand, stays as it is.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 06:00:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

# kind: (the source that made it, its texts in en, fi, sv). Frozen here: later catalogue
# changes must not change what this migration did.
KNOWN_TITLES = {
    'worker_change': ('worker_change', (
        'Tell the client who their new responsible worker is',
        'Kerro asiakkaalle, kuka on hänen uusi vastuuhenkilönsä',
        'Berätta för klienten vem som är hens nya ansvariga medarbetare')),
    'ending_follow_up': ('ending', (
        'Follow-up call after the client relationship ended',
        'Seurantapuhelu asiakkuuden päättymisen jälkeen',
        'Uppföljningssamtal efter att klientrelationen avslutats')),
    'next_meeting': ('meeting', (
        'Next network meeting or follow-up',
        'Seuraava verkostopalaveri tai seuranta',
        'Nästa nätverksmöte eller uppföljning')),
    'agreement_review': ('agreement', (
        'Review the contact agreement together with the client',
        'Käy yhteydenpitosopimus läpi yhdessä asiakkaan kanssa',
        'Gå igenom kontaktavtalet tillsammans med klienten')),
}
# The "With: …" line of a meeting action's task, in en, fi, sv.
WITH_PREFIXES = ('With: ', 'Kenen kanssa: ', 'Med: ')

task = sa.table('follow_up_task', sa.column('id', sa.Integer), sa.column('title', sa.String),
                sa.column('kind', sa.String), sa.column('params', sa.JSON),
                sa.column('details', sa.Text), sa.column('source', sa.String))


def upgrade():
    # Plain add_column: no batch rebuild on SQLite.
    op.add_column('follow_up_task', sa.Column('kind', sa.String(length=30), nullable=True))
    op.add_column('follow_up_task', sa.Column('params', sa.JSON(), nullable=True))
    bind = op.get_bind()
    for kind, (source, titles) in KNOWN_TITLES.items():
        bind.execute(task.update()
                     .where(task.c.source == source, task.c.kind.is_(None),
                            task.c.title.in_(titles))
                     .values(kind=kind, title=''))
    rows = bind.execute(sa.select(task.c.id, task.c.details)
                        .where(task.c.source == 'meeting', task.c.details.is_not(None))).all()
    for task_id, details in rows:
        for prefix in WITH_PREFIXES:
            whom = details[len(prefix):].strip() if details.startswith(prefix) else ''
            if whom and '\n' not in whom:
                bind.execute(task.update().where(task.c.id == task_id)
                             .values(params={'with_whom': whom}, details=None))
                break


def downgrade():
    bind = op.get_bind()
    for kind, (_source, titles) in KNOWN_TITLES.items():
        bind.execute(task.update().where(task.c.kind == kind, task.c.title == '')
                     .values(title=titles[1]))
    rows = bind.execute(sa.select(task.c.id, task.c.params, task.c.details)
                        .where(task.c.params.is_not(None))).all()
    for task_id, params, details in rows:
        whom = (params or {}).get('with_whom')
        if whom and not details:
            bind.execute(task.update().where(task.c.id == task_id)
                         .values(details=WITH_PREFIXES[1] + whom))
    op.drop_column('follow_up_task', 'params')
    op.drop_column('follow_up_task', 'kind')
