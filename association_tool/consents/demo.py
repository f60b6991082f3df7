"""Demo consents, a contact agreement in force and a notification for the first demo client."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from ..extensions import db
from ..models import Client, NetworkMember, Organisation, User


def load(today: date) -> None:
    """Add consents to two services on the first client's network and an agreement resting on one."""
    from ..agreements import services as agreements
    from . import services

    client = db.session.scalars(select(Client).order_by(Client.id)).first()
    worker = db.session.get(User, client.responsible_id)
    members = {m.display_name: m for m in db.session.scalars(
        select(NetworkMember).where(NetworkMember.client_id == client.id))}
    liisa, mirja = members.get("Liisa Linkki"), members.get("Mirja Mielinen")
    if liisa is None or mirja is None:
        return
    services.record_consent(client, dict(
        kind="share", member_id=liisa.id, information=["general", "progress"],
        purpose="Asumisen tuen suunnittelu yhdessä sosiaalityön kanssa.", form="written",
        given_on=today - timedelta(days=20), until_relationship_ends=True,
        wording="Annan luvan, että yhdistyksen työntekijä ja sosiaalityöntekijä Liisa Linkki "
                "kertovat toisilleen yleisestä tilanteestani ja siitä, miten asiat etenevät."),
        by=worker)
    services.record_consent(client, dict(
        kind="share", member_id=mirja.id, information=["general", "health"],
        purpose="Hoidon ja tuen yhteensovittaminen.", form="written",
        given_on=today - timedelta(days=160), valid_until=today + timedelta(days=20),
        wording="Annan luvan kertoa voinnistani ja hoidostani sairaanhoitaja Mirja Mielisen kanssa."),
        by=worker)
    kela = db.session.scalars(select(Organisation).where(Organisation.type == "kela")).first()
    if kela is not None:
        # A consent to the organisation whose wording covers its staff: usable for any Kela
        # contact person, on the map or not, and for no one else.
        services.record_consent(client, dict(
            kind="share", organisation_id=kela.id, covers_people=True, information=["general"],
            purpose="Asumistuen hakeminen.", form="written", given_on=today - timedelta(days=12),
            valid_until=today + timedelta(days=170),
            wording="Annan luvan kertoa Kelan työntekijöille tilanteestani asumistuen hakemista "
                    "varten."), by=worker)
    draft = agreements.start_draft(client, by=worker)
    agreements.update_header(draft, dict(
        made_on=today - timedelta(days=14), review_date=today + timedelta(days=76),
        preferred_channels=["phone", "text"], preferred_times="Arkisin klo 10–14",
        messages_may_say_topic=False, preferences_note="Ei soittoja aamuisin.",
        if_condition_changes="Jos vointi heikkenee, työntekijä soittaa samana päivänä ja sopii "
                             "yhdessä asiakkaan kanssa, otetaanko yhteyttä sosiaalityöhön.",
        follow_up_together="Kolmen kuukauden päästä katsotaan yhdessä, onko yhteydenpito auttanut."),
        version=draft.row_version)
    agreements.add_line(client, draft, dict(
        member_id=liisa.id, direction="both", when=["regular", "condition_change"], every_weeks=4,
        how=["phone", "secure_mail"], shares=["general", "progress"]))
    # The responsible worker is a party too: inside the association, no consent is needed.
    agreements.add_line(client, draft, dict(
        user_id=worker.id, direction="both", when=["not_heard", "crisis"], not_heard_days=14,
        how=["phone", "text"], shares=["general", "progress"]))
    agreements.activate(client, draft, signed_on=today - timedelta(days=14), by=worker,
                        version=draft.row_version)
    services.record_notification(client, dict(
        path="guided", concern="Vuokrarästit ovat kasvaneet; asiakas ohjattiin ottamaan yhteyttä "
                               "aikuissosiaalityöhön.", made_on=today - timedelta(days=7)), by=worker)
