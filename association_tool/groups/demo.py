"""Fictional groups, sessions and hours for the demo association (called by association_tool.demo)."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from ..extensions import db
from ..models import Client, User
from ..models.groups import FundedActivity, Group, GroupSession, HelperHours, SessionParticipant
from ..settings import MUNICIPALITIES, store_setting


def load(today) -> None:
    """A funded activity, a weekly drop-in table and a peer group with their last sessions."""
    polku = FundedActivity(name="Polku-hanke")
    db.session.add(polku)
    db.session.flush()
    clients = {c.display_name: c for c in db.session.scalars(select(Client))}
    for name in ("Ruusu", "Kalle", "Tuuli"):
        if name in clients:
            clients[name].activity_id = polku.id
    # Where the clients live, from the association's own list (fictional, as all demo data).
    store_setting(MUNICIPALITIES, "Kuopio\nSiilinjärvi\nLeppävirta")
    for name, place in (("Ruusu", "Kuopio"), ("Kalle", "Kuopio"), ("Maja", "Siilinjärvi"),
                        ("Sam", "Kuopio")):
        if name in clients:
            clients[name].municipality = place
    sanna = db.session.scalars(select(User).where(User.email == "ohjaaja@demo.example.org")).first()
    matti = db.session.scalars(select(User).where(User.email == "vertainen@demo.example.org")).first()
    table = Group(name="Kohtaamisten pöytä", kind="drop_in_table", activity_id=polku.id)
    peers = Group(name="Vertaisryhmä Arjen askeleet", kind="peer_group")
    db.session.add_all([table, peers])
    db.session.flush()
    # (group, weeks between sessions, sessions, others present, who took part by name)
    plan = [(table, 1, 12, (7, 9, 11, 8, 12, 10), ("Ruusu", "Kalle", "Tuuli")),
            (peers, 2, 6, (3, 4, 2), ("Ruusu", "Sam", "Maja"))]
    for group, every, count, others, names in plan:
        for n in range(count):
            on = today - timedelta(days=7 * every * n + 2)
            session = GroupSession(group_id=group.id, on=on, anonymous_count=others[n % len(others)],
                                   count_basis="estimate" if n % 4 == 3 else "recorded",
                                   created_by_id=sanna.id if sanna else None)
            db.session.add(session)
            db.session.flush()
            for i, name in enumerate(names):
                if name in clients and (n + i) % 3 != 2:
                    db.session.add(SessionParticipant(session_id=session.id,
                                                      client_id=clients[name].id))
            if matti is not None:
                db.session.add(HelperHours(
                    user_id=matti.id, kind="peer" if group is peers else "volunteer", on=on,
                    minutes=150 if group is table else 120, activity_id=group.activity_id,
                    session_id=session.id, created_by_id=sanna.id if sanna else None))
    if matti is not None:
        db.session.add(HelperHours(user_id=matti.id, kind="peer", on=today - timedelta(days=9),
                                   minutes=180, activity_id=polku.id,
                                   created_by_id=sanna.id if sanna else None))
