"""A bare baseline: the client list and search over the same database, without our layers.

Plain Flask and SQLAlchemy Core: no sign-in, no server-side session, no access log, no Babel,
no forms, no CSRF, no security headers. It runs the same SQL as the real list (the ids of one page
of 25 by display_name, the count, those clients with their responsible workers, the next due task
or review of each) and renders the same table, so the ratio to it measures what our layers cost.

    DATABASE_URL=sqlite:////tmp/x/bench.db gunicorn --workers 2 bench.baseline_app:app
"""
from __future__ import annotations

import os

from flask import Flask, request
from sqlalchemy import (Column, Date, Integer, MetaData, String, Table, and_, create_engine, func,
                        select)

PER_PAGE = 25
metadata = MetaData()
client = Table("client", metadata, Column("id", Integer, primary_key=True),
               Column("display_name", String), Column("full_name", String),
               Column("search_text", String), Column("level", String), Column("status", String),
               Column("responsible_id", Integer))
user = Table("user", metadata, Column("id", Integer, primary_key=True), Column("name", String))
task = Table("follow_up_task", metadata, Column("id", Integer, primary_key=True),
             Column("client_id", Integer), Column("due_date", Date), Column("title", String),
             Column("status", String))
goal = Table("goal", metadata, Column("id", Integer, primary_key=True), Column("client_id", Integer),
             Column("review_date", Date), Column("text", String), Column("status", String))


def _url(url: str) -> str:
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


engine = create_engine(_url(os.environ["DATABASE_URL"]))
app = Flask(__name__)

RESULTS = """<div id="client-results" aria-live="polite">
  <p class="muted">{{ total }} clients</p>
  <table>
    <thead><tr><th scope="col">Name</th><th scope="col">Level</th>
      <th scope="col">Responsible worker</th><th scope="col">Next due</th></tr></thead>
    <tbody>
    {% for c in rows %}
      <tr>
        <td><a href="/clients/{{ c.id }}">{{ c.display_name }}</a>
          {% if c.full_name %}<br><small class="muted">{{ c.full_name }}</small>{% endif %}
          {% if c.status != 'active' %} <span class="badge">{{ c.status }}</span>{% endif %}</td>
        <td>{{ c.level }}</td>
        <td>{{ c.worker or '–' }}</td>
        <td>{% set d = due.get(c.id) %}{% if d %}{{ d[0] }} {{ d[1]|truncate(60) }}{% else %}–{% endif %}</td>
      </tr>
    {% else %}
      <tr><td colspan="4">No clients match.</td></tr>
    {% endfor %}
    </tbody>
  </table>
  {% if pages > 1 %}<nav class="pager">Page {{ page }} of {{ pages }}
    <a href="/clients/?page={{ page + 1 }}&amp;q={{ q }}">Next</a></nav>{% endif %}
</div>"""

PAGE = """<!doctype html>
<html lang="fi"><head><meta charset="utf-8"><title>Clients</title>
<link rel="stylesheet" href="/static/pico.min.css"></head>
<body><main class="container"><h1>Clients</h1>
<form method="get" action="/clients/"><input type="search" name="q" value="{{ q }}">
<button type="submit">Search</button></form>
""" + RESULTS + "</main></body></html>"


@app.get("/clients/")
def clients():
    q = request.args.get("q", "")[:100]
    page = max(1, request.args.get("page", 1, type=int) or 1)
    words = q.lower().split()[:5]
    # The same SQL as the app's list_clients: the page's ids first, then those clients.
    if words:
        where = and_(*[client.c.search_text.contains(w, autoescape=True) for w in words],
                     client.c.status != "ended")
        ids_query = select(client.c.id).where(where)
        count_query = select(func.count(client.c.id)).where(where)
    else:
        ids_query = select(client.c.id).where(client.c.status.in_(("active", "paused")))
        count_query = select(select(func.count()).select_from(client).scalar_subquery()
                             - select(func.count()).select_from(client)
                             .where(client.c.status == "ended").scalar_subquery())
    with engine.connect() as conn:
        ids = conn.execute(ids_query.order_by(client.c.display_name, client.c.id)
                           .limit(PER_PAGE).offset((page - 1) * PER_PAGE)).scalars().all()
        total = conn.execute(count_query).scalar_one()
        found = {r.id: r for r in conn.execute(
            select(client.c.id, client.c.display_name, client.c.full_name, client.c.level,
                   client.c.status, user.c.name.label("worker"))
            .select_from(client.outerjoin(user, user.c.id == client.c.responsible_id))
            .where(client.c.id.in_(ids)))} if ids else {}
        rows = [found[i] for i in ids if i in found]
        due: dict[int, tuple] = {}
        if ids:
            for table, column, label in ((task, task.c.due_date, task.c.title),
                                         (goal, goal.c.review_date, goal.c.text)):
                status = (table.c.status == "open" if table is task
                          else table.c.status.in_(("open", "in_progress")))
                for cid, on, text in conn.execute(
                        select(table.c.client_id, column, label)
                        .where(table.c.client_id.in_(ids), status, column.is_not(None))
                        .order_by(table.c.client_id, column)):
                    if cid not in due or on < due[cid][0]:
                        due[cid] = (on, text)
    context = dict(rows=rows, total=total, due=due, q=q, page=page,
                   pages=(total + PER_PAGE - 1) // PER_PAGE)
    fragment = request.headers.get("HX-Request") and request.headers.get("HX-Target") == "client-results"
    return _template("results" if fragment else "page").render(**context)


_compiled: dict = {}


def _template(name: str):
    """Compile each template once per worker, as Flask's render_template does through its cache."""
    if name not in _compiled:
        _compiled[name] = app.jinja_env.from_string(RESULTS if name == "results" else PAGE)
    return _compiled[name]


@app.get("/login")
def login():
    """Answers as soon as the app is up (the cold-start probe uses the same path for both apps)."""
    return "ok"
