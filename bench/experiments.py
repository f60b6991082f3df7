"""Measurement-only variants of the app, to size a change before anyone makes it in the app.

Never deploy these. Use them with `python -m bench.run --app-module bench.experiments:NAME`.

- `original_list`: the client list as it was before the benchmark's change to
  `clients.listing.list_clients` (one query of whole client rows sorted by name, and a count of
  the same query), to compare before and after on the same machine and data. (The list's
  template now reads plain rows: this variant shows "–" for the responsible worker.)
"""
from __future__ import annotations


def _original_list_clients(user, filters):
    """list_clients before the change (copied as it was)."""
    from sqlalchemy import or_, select
    from sqlalchemy.orm import joinedload

    from association_tool.access import visible_clients_filter
    from association_tool.clients.listing import PER_PAGE, SORTS
    from association_tool.extensions import db
    from association_tool.models import Client, ClientStatus

    query = select(Client).options(joinedload(Client.responsible))
    visible = visible_clients_filter(user)
    if visible is not None:
        query = query.where(visible)
    if filters.q:
        for word in filters.q.lower().split()[:5]:
            query = query.where(Client.search_text.contains(word, autoescape=True))
    if filters.mine:
        query = query.where(or_(Client.responsible_id == user.id, Client.backup_id == user.id))
    if filters.level:
        query = query.where(Client.level == filters.level)
    if filters.status == "all":
        pass
    elif filters.status:
        query = query.where(Client.status == filters.status)
    else:
        query = query.where(Client.status != ClientStatus.ENDED.value)
    if filters.worker_id:
        query = query.where(or_(Client.responsible_id == filters.worker_id,
                                Client.backup_id == filters.worker_id))
    query = query.order_by(*SORTS.get(filters.sort, SORTS["name"]))
    return db.paginate(query, page=filters.page, per_page=PER_PAGE, error_out=False)


def _original_list_app():
    from association_tool.clients import listing

    listing.list_clients = _original_list_clients
    from app import app as application

    return application


def __getattr__(name: str):
    # Build a variant only when gunicorn asks for it, so importing this module changes nothing.
    if name == "original_list":
        return _original_list_app()
    raise AttributeError(name)
