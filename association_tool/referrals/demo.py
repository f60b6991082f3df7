"""Fictional referrals for the demo association: both ways, in every state, some follow-ups overdue."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from ..extensions import db
from ..models import Client, ContactPerson, Organisation
from . import services

# (client, direction, organisation unit or name, contact person, target, handover, handover note,
#  reason, hopes, days ago sent, follow-up in days (None: none),
#  steps [(state, days ago, told by, reason, elsewhere)], follow-up answers [(days ago, got,
#  rating, words, obstacles, next, next in days)])
DEMO_REFERRALS = [
    ("Ruusu", "out", "Mielenterveys- ja päihdepalvelut", "Mirja Mielinen", "public_service",
     "accompanied_meeting", "Sanna menee mukaan ensikäynnille",
     "Haluan puhua jollekin siitä, miten juominen on lisääntynyt.", "Että saisin apua nukkumiseen.",
     30, -10,
     [("received", 28, "Mirja Mielinen puhelimessa", None, None),
      ("accepted", 25, "Mirja Mielinen puhelimessa", None, None),
      ("started", 20, "Ruusu itse", None, None)],
     [(10, "partly", 4, "Hyvä kun pääsin, mutta aikoja on harvoin.", ["waiting_time"],
       "continue", 20)]),
    ("Ruusu", "out", "Vertaistukiyhdistys (kuvitteellinen)", None, "activity", "alone",
     "Esite ja ryhmän aika mukaan", "Kaipaan seuraa ja jotain tekemistä iltoihin.",
     "Että löytäisin ryhmän, johon on helppo mennä.", 20, -3, [], []),
    ("Ruusu", "in", "Aikuissosiaalityö", "Liisa Linkki", None, None, None,
     "Asunnon menettämisen uhka, tarvitsee tukea arkeen ja raha-asioihin.", None, 60, None,
     [("accepted", 58, None, None, None), ("started", 50, None, None, None)], []),
    ("Kalle", "out", "Työllisyyspalvelut (kuvitteellinen)", "Tiina Työ", "public_service",
     "phone_together", "Soitettiin yhdessä Tiinalle", "Haluaisin kokeilla kuntouttavaa työtoimintaa.",
     "Päivään rytmiä.", 40, -5,
     [("declined", 35, "Tiina Työ puhelimessa", "Jonossa on nyt puoli vuotta; uusi haku syksyllä.",
       None)], []),
    ("Kalle", "out", "Kuopion palvelupiste", "Pekka Palvelu", "public_service",
     "accompanied_errand", "Asiointi Kelaan yhdessä", "Asumistuen hakeminen.", None, 15, 10,
     [("revoked", 12, None, None, None)], []),
    ("Kalle", "out", "Diakoniatyö", None, "association", "alone", None,
     "Ruoka-apu ja juttuseuraa.", "Että ei tarvitsisi olla yksin.", 90, -60,
     [("accepted", 85, "Diakoni puhelimessa", None, None),
      ("started", 80, "Kalle itse", None, None), ("ended", 30, "Kalle itse", None, None)],
     [(60, "yes", 5, "Sain ruokakassin ja tutustuin ihmisiin.", [], "end", None)]),
    ("Maja", "in", "Kuopion palvelupiste", "Pekka Palvelu", None, None, None,
     "Behöver hjälp med att fylla i ansökan om bostadsbidrag.", None, 5, None, [], []),
    ("Maja", "in", "Aikuissosiaalityö", "Olli Ohjaaja", None, None, None,
     "Tarvitsee säännöllistä terapiaa.", None, 30, None,
     [("declined", 29, None, "Yhdistys ei tarjoa terapiaa.",
       "Mielenterveys- ja päihdepalvelut, terapiaan hakeutuminen lähetteellä")], []),
    ("Maja", "out", "Työllisyyspalvelut (kuvitteellinen)", None, "public_service", "alone",
     "Yhteystiedot ja esite mukaan", "Jag vill hitta en praktikplats.", None, 6, 10,
     [("accepted", 2, "Tiina Työ per e-post", None, None)], []),
]


def load(today) -> None:
    """Add the demo referrals (skipped quietly if a client or an organisation is missing)."""
    organisations = {}
    for organisation in db.session.scalars(select(Organisation)):
        organisations[organisation.unit or organisation.name] = organisation
        organisations[organisation.name] = organisations.get(organisation.name, organisation)
    people = {p.name: p for p in db.session.scalars(select(ContactPerson))}
    for (nick, direction, where, person, target, handover, note, reason, hopes, sent_ago,
         follow_up, steps, answers) in DEMO_REFERRALS:
        client = db.session.scalars(select(Client).where(Client.display_name == nick)).first()
        organisation = organisations.get(where)
        if client is None or organisation is None or client.responsible is None:
            continue
        actor = client.responsible
        sent_on = today - timedelta(days=sent_ago)
        referral = services.create_referral(client, direction, dict(
            target_kind=target, organisation_id=organisation.id,
            contact_person_id=people[person].id if person in people else None, reason=reason,
            hopes=hopes, handover=handover, handover_note=note,
            first_contact_on=sent_on + timedelta(days=7) if direction == "in" else None,
            first_contact_note=None, sent_on=sent_on,
            follow_up_on=today + timedelta(days=follow_up) if follow_up is not None else None,
            worker_id=actor.id), actor=actor,
            told_by=f"{person}, {organisation.label}" if direction == "in" and person else None)
        for state, ago, told_by, why, elsewhere in steps:
            services.record_step(referral, state, on=today - timedelta(days=ago), told_by=told_by,
                                 reason=why, elsewhere=elsewhere, version=referral.version,
                                 actor=actor)
        for ago, got, rating, words, obstacles, next_step, next_in in answers:
            services.answer_follow_up(referral, services.FollowUpAnswer(
                got_service=got, next_step=next_step, answered_on=today - timedelta(days=ago),
                rating=rating, client_words=words, obstacles=obstacles,
                next_follow_up_on=today + timedelta(days=next_in) if next_in else None),
                version=referral.version, actor=actor)
        db.session.flush()
    _share_demo_observation(today, organisations)


def _share_demo_observation(today, organisations) -> None:
    """A consent to the mental health and substance services, and one observation shared under it."""
    from ..consents import services as consents

    client = db.session.scalars(select(Client).where(Client.display_name == "Ruusu")).first()
    organisation = organisations.get("Mielenterveys- ja päihdepalvelut")
    if client is None or organisation is None or client.responsible is None:
        return
    consents.record_consent(client, dict(
        kind="share", organisation_id=organisation.id, information=["general", "progress"],
        purpose="Ohjaus mielenterveys- ja päihdepalveluihin ja voinnin seuraaminen yhdessä.",
        form="written", given_on=today - timedelta(days=31), valid_until=today + timedelta(days=150),
        wording="Annan luvan kertoa ohjauksen syyn ja havaintoja voinnistani "
                "mielenterveys- ja päihdepalveluihin."), by=client.responsible)
    services.share_observation(client, dict(
        kind="observation", organisation_id=organisation.id,
        what="Ruusu kertoo nukkuvansa paremmin ja käy ryhmässä viikoittain.",
        information=["progress"], how="secure_email", client_knows=True,
        on=today - timedelta(days=7)), actor=client.responsible)
