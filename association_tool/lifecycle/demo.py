"""A former demo client whose retention period has passed, for the retention review page."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from ..extensions import db
from ..models import Client, ClientEnding, Contact, Goal, User


def load(today: date) -> None:
    """Add a client whose relationship ended about 26 months ago (listed for anonymisation)."""
    from ..clients import services as clients

    worker = db.session.scalars(select(User).where(User.role == "staff").order_by(User.id)).first()
    if worker is None:
        return
    started = today - timedelta(days=4 * 365)
    ended = today - timedelta(days=800)
    client = clients.create_client(dict(
        display_name="Aarne", full_name="Aarne Esimerkki", level="client_guidance",
        language="fi", start_date=started, responsible_id=worker.id,
        referral_source="self"), actor=worker)
    db.session.add(Goal(client_id=client.id, text="Saan velat järjestykseen.", life_area="money",
                        term="long", status="achieved", created_by_id=worker.id))
    db.session.add(Contact(client_id=client.id, on=ended - timedelta(days=30), channel="drop_in",
                           minutes=45, worker_id=worker.id, topics="money",
                           note="Velkaneuvonnan ajanvaraus tehty yhdessä.",
                           created_by_id=worker.id))
    db.session.add(ClientEnding(client_id=client.id, end_date=ended, reason="goals_reached",
                                final_evaluation="Tavoite saavutettiin.",
                                recorded_by_id=worker.id))
    db.session.flush()
    db.session.get(Client, client.id).status = "ended"
