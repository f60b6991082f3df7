"""Fictional errands for the demo association (called by association_tool.demo)."""
from __future__ import annotations

from datetime import time, timedelta

from sqlalchemy import select

from ..extensions import db
from ..models import Client, User
from . import services

# (client's display name, companion's e-mail, days from today, time, type, about, place, address,
#  whom to meet, interpreter, things to bring, questions, what was agreed, next steps)
DEMO_ERRANDS = [
    ("Ruusu", "vertainen@demo.example.org", 3, time(13, 30), "social_office",
     "Toimeentulotuen hakeminen ja vuokrarästit", "Aikuissosiaalityön toimisto",
     "Esimerkkikatu 1, Kuopio", "Sosiaalityöntekijä Liisa Linkki", False,
     "Henkilöllisyystodistus\nVuokrasopimus\nTiliotteet kahdelta kuukaudelta\nLaskut ja kuitit",
     "Voinko saada tukea vuokrarästeihin?\nKuinka kauan päätös kestää?", None, []),
    ("Maja", "ohjaaja@demo.example.org", 8, time(10, 0), "kela",
     "Bostadsbidrag: vilka papper behövs", "Kela, Kuopion palvelupiste",
     "Esimerkkitie 5, Kuopio", "Palveluneuvoja Pekka Palvelu", False,
     "", "Hur länge tar det att få beslut?\nKan jag få svar på svenska?", None, []),
    ("Kalle", "vertainen@demo.example.org", -6, time(9, 15), "kela",
     "Asumistukihakemus yhdessä", "Kela, Kuopion palvelupiste", "Esimerkkitie 5, Kuopio",
     None, False, "Henkilöllisyystodistus\nKela-kortti\nVuokrasopimus",
     "Mitä liitteitä hakemukseen tarvitaan?",
     "Hakemus jätettiin. Kela pyytää vielä tiliotteet, jotka toimitetaan viikon sisällä.",
     [("Toimita tiliotteet Kelaan", None, "Kalle", 5),
      ("Soita Kallelle ja kysy, tuliko päätös", "vertainen@demo.example.org", None, 21)]),
]


def load(today) -> None:
    """Add a few fictional errands for the demo clients (skipped quietly if one is missing)."""
    users = {u.email: u for u in db.session.scalars(select(User)).all()}
    for (nick, companion, days, at, kind, about, place, address, whom, interpreter, bring,
         questions, agreed, steps) in DEMO_ERRANDS:
        client = db.session.scalars(select(Client).where(Client.display_name == nick)).first()
        companion_user = users.get(companion)
        actor = client.responsible if client is not None else None
        if client is None or companion_user is None or actor is None:
            continue
        errand = services.create_errand(client, dict(
            about=about, type=kind, on=today + timedelta(days=days), starts_at=at, place=place,
            address=address, meet_whom=whom, companion_id=companion_user.id,
            interpreter_needed=interpreter, things_to_bring=bring, questions=questions),
            actor=actor)
        if agreed:
            services.record_outcome(
                errand, agreed=agreed, version=errand.version, actor=companion_user,
                steps=[services.Step(what=what, owner_id=users[owner].id if owner else None,
                                     owner_party=party, due_date=today + timedelta(days=due))
                       for what, owner, party, due in steps])
