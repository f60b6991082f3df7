"""A bare baseline: the client list and search over the same database, without our layers.

Plain Flask and SQLAlchemy Core: no sign-in, no server-side session, no access log, no Babel,
no forms, no CSRF, no security headers. It runs the same SQL as the real list (the ids of one page
of 25 by display_name, the count, those clients with their responsible workers, the next due task
or review of each, and the workers for the filter) and renders the same page: the layout with its
navigation, the filter form with the same choices (the worker list from the database) and the same
table, in fixed Finnish. So the ratio to it measures what our layers cost, not a smaller page.
(Until 2026-11-24 it rendered a heading, a search box and the table only: about half the page.)

    DATABASE_URL=sqlite:////tmp/x/bench.db gunicorn --workers 2 bench.baseline_app:app
"""
from __future__ import annotations

import os

from flask import Flask, request
from sqlalchemy import (Boolean, Column, Date, Integer, MetaData, String, Table, and_, create_engine, func,
                        select)

PER_PAGE = 25
metadata = MetaData()
client = Table("client", metadata, Column("id", Integer, primary_key=True),
               Column("display_name", String), Column("full_name", String),
               Column("search_text", String), Column("level", String), Column("status", String),
               Column("responsible_id", Integer))
user = Table("user", metadata, Column("id", Integer, primary_key=True), Column("name", String),
             Column("role", String), Column("active", Boolean))
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
<html lang="fi">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta name="csrf-token" content="{{ token }}">
  <title>Asiakkaat – Penkkiyhdistys ry</title>
  <link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
  <link rel="stylesheet" href="/static/css/pico-2.1.1.min.css">
  <link rel="stylesheet" href="/static/css/app.css">
  <script src="/static/js/htmx-2.0.7.min.js" defer></script>
  <script src="/static/js/app.js" defer></script>
</head>
<body hx-boost="true">
  <a class="skip-link" href="#main">Siirry sisältöön</a>
  <header class="container">
    <nav aria-label="Päävalikko">
      <ul><li><a class="brand" href="/"><strong>Penkkiyhdistys ry</strong></a></li></ul>
      <ul>
        <li><a href="/">Etusivu</a></li>
        <li><a href="/clients/" aria-current="page">Asiakkaat</a></li>
        <li><a href="/directory/">Palveluhakemisto</a></li>
        <li><a href="/account" title="Oma tili">Aino Ohjaaja 1 <small>(Työntekijä)</small></a></li>
        <li><form method="post" action="/logout" class="inline-form">
          <input type="hidden" name="csrf_token" value="{{ token }}">
          <button type="submit" class="secondary outline">Kirjaudu ulos</button></form></li>
      </ul>
    </nav>
  </header>
  <main id="main" class="container" tabindex="-1">
<div class="page-head"><h1>Asiakkaat</h1><a href="/clients/new" role="button">Lisää asiakas</a></div>
<form method="get" action="/clients/" class="filters" aria-label="Hae ja rajaa asiakkaita"
      hx-get="/clients/" hx-target="#client-results" hx-swap="outerHTML"
      hx-trigger="input changed delay:300ms from:#q, change from:select, change from:input[type=checkbox], submit"
      hx-push-url="true" novalidate>
  <div><label for="q">Hae nimellä</label>
  <input aria-describedby="q-help" id="q" maxlength="100" name="q" type="text" value="{{ q }}"><small id="q-help">Vapaaehtoinen. </small></div>
  {% for name, label, options in selects %}
  <div><label for="{{ name }}">{{ label }}</label>
  {% if options is none %}<input aria-describedby="{{ name }}-help" id="{{ name }}" maxlength="120" name="{{ name }}_name" type="text" value="{{ chosen.get(name ~ '_name', '') }}"><small id="{{ name }}-help">Osa työntekijän nimestä.</small>
  {% else %}<select id="{{ name }}" name="{{ name }}">{% for value, text in options %}<option {% if value == chosen.get(name, '') %}selected {% endif %}value="{{ value }}">{{ text }}</option>{% endfor %}</select>{% endif %}</div>
  {% endfor %}
  <div><label for="mine"><input id="mine" name="mine" type="checkbox" value="y"> Vain omat asiakkaani</label></div>
  <div class="no-js-only"><button type="submit">Hae</button></div>
</form>
""" + RESULTS + """
  </main>
  <footer class="container"><small>Penkkiyhdistys ry</small></footer>
</body>
</html>"""

# The filter form's fixed choices, as the app shows them in Finnish.
STATUSES = [("", "Aktiiviset ja tauolla olevat"), ("active", "Aktiivinen"), ("paused", "Tauolla"),
            ("ended", "Päättynyt"), ("all", "Kaikki")]
LEVELS = [("", "Kaikki tasot"), ("advice", "Neuvonta ja ohjaus"),
          ("client_guidance", "Asiakasohjaus"), ("intensive", "Intensiivinen palveluohjaus")]
SORTS = [("name", "Nimi"), ("-start", "Uusimmat ensin"), ("start", "Vanhimmat ensin"),
         ("level", "Taso")]
TOKEN = "x" * 86  # where the app writes its CSRF token (no CSRF here)


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
    fragment = request.headers.get("HX-Request") and request.headers.get("HX-Target") == "client-results"
    with engine.connect() as conn:
        # As the app: the workers listed up to 100, a part of a name typed when there are more.
        named = [] if fragment else [(str(i), name) for i, name in conn.execute(
            select(user.c.id, user.c.name)
            .where(user.c.active.is_(True), user.c.role.in_(("staff", "admin")))
            .order_by(user.c.name).limit(101))]
        workers = None if len(named) > 100 else [("", "Kaikki työntekijät")] + named
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
    if fragment:
        return _template("results").render(**context)
    selects = [("status", "Tila", STATUSES), ("level", "Taso", LEVELS),
               ("worker", "Työntekijä", workers), ("sort", "Järjestys", SORTS)]
    return _template("page").render(selects=selects, chosen=request.args, token=TOKEN, **context)


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
