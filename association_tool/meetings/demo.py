"""Demo network meetings: an approved one with actions and an addendum, and a planned one."""
from __future__ import annotations

from datetime import date, time, timedelta

from sqlalchemy import select

from ..extensions import db
from ..models import Client, NetworkMember, User
from . import services


def _user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email))


def _client(name: str) -> Client | None:
    return db.session.scalar(select(Client).where(Client.display_name == name).order_by(Client.id))


def load(today: date) -> None:
    """Add the meetings to the demo clients Ruusu (approved) and Kalle (planned), if they exist."""
    sanna = _user("ohjaaja@demo.example.org")
    matti = _user("vertainen@demo.example.org")
    ruusu, kalle = _client("Ruusu"), _client("Kalle")
    if sanna is None or ruusu is None:
        return
    members = db.session.scalars(select(NetworkMember).where(NetworkMember.client_id == ruusu.id)
                                 .order_by(NetworkMember.id)).all()
    invited = [m for m in members if m.display_name in ("Äiti", "Liisa Linkki", "Mirja Mielinen")]
    held_on = today - timedelta(days=12)
    meeting = services.plan_meeting(ruusu, dict(
        meeting_date=held_on, start_time=time(13, 30), place="Yhdistyksen olohuone",
        remote_link=None, method="open_dialogue", convener_id=sanna.id,
        support_person_wanted=matti is not None,
        support_person=matti.name if matti is not None else None,
        client_topics="Asunto ja vuokrarästit. Miten saan nukuttua paremmin.",
        invite_members=[m.id for m in invited],
        invite_users=[u.id for u in (sanna, matti) if u is not None]), by=sanna)
    concerns = {
        "Äiti": ("Pelkään, että Ruusu jää yksin, jos asunto ei järjesty.",
                 "Voin auttaa muutossa ja käydä kaupassa kerran viikossa."),
        "Liisa Linkki": ("Vuokrarästit kasvavat.",
                         "Selvitän ehkäisevän toimeentulotuen ja ohjaan velkaneuvontaan."),
        "Mirja Mielinen": ("Unettomuus on palannut.", "Vastaanottoaika järjestyy kahdessa viikossa."),
    }
    people = []
    for participant in meeting.participants:
        worry, strength = concerns.get(participant.name, (None, None))
        people.append(dict(id=participant.id, role=participant.role,
                           organisation=participant.organisation,
                           presence="absent" if participant.name == "Mirja Mielinen" else "present",
                           concerns=worry, resources=strength,
                           feedback=("Hyvä, että tavattiin kaikki yhdessä."
                                     if participant.name == "Äiti" else None)))
    actions = [dict(owner_id=sanna.id, what="Täytetään asumistukihakemus yhdessä.",
                    with_whom="Ruusu", due_date=today + timedelta(days=5))]
    if any(m.display_name == "Liisa Linkki" for m in invited):
        actions.append(dict(owner_party="Liisa Linkki, aikuissosiaalityö",
                            what="Selvitetään ehkäisevä toimeentulotuki vuokrarästeihin.",
                            with_whom="Ruusu, Sanna", due_date=today + timedelta(days=9)))
    if matti is not None:
        actions.append(dict(owner_id=matti.id, what="Soitetaan viikoittain ja lähdetään yhdessä ryhmään.",
                            with_whom="Ruusu", due_date=today + timedelta(days=2)))
    services.record_minutes(meeting, dict(
        client_present=True, chair=sanna.name, note_taker=matti.name if matti else sanna.name,
        why_gathered="Haluan oman vuokra-asunnon ennen kesää, ja vuokrarästit painavat mieltä.",
        client_view="Olen jaksanut paremmin ryhmässä. Öisin mietin rahaa.",
        responsible_person=sanna.name, backup_person="Jussi Työntekijä",
        next_date=today + timedelta(days=30), next_note="Seurantapalaveri yhdistyksellä",
        feedback="Ruusu: tulin kuulluksi. Äiti: helpotti kuulla suunnitelma.",
        contains_health=False,
        # The feedback round stays with the client and the association: not in the print.
        contents=["opening", "discussion", "plan"]),
        participants=people, actions=actions, version=meeting.version)
    services.approve(meeting, by=sanna, version=meeting.version)
    services.add_addendum(meeting, text="Korjaus: Kelan asiointi siirtyi seuraavalle viikolle.",
                          on=today, by=sanna)  # approved today: an addendum comes after
    if kalle is not None:
        kalle_members = db.session.scalars(select(NetworkMember).where(
            NetworkMember.client_id == kalle.id).order_by(NetworkMember.id)).all()
        services.plan_meeting(kalle, dict(
            meeting_date=today + timedelta(days=7), start_time=time(10, 0), place=None,
            remote_link="https://meet.example.org/kalle-verkostopalaveri", method="ordinary",
            convener_id=sanna.id, support_person_wanted=False, support_person=None,
            client_topics="Kelan asumistuki ja mitä teen, jos hakemus hylätään.",
            invite_members=[m.id for m in kalle_members], invite_users=[sanna.id]), by=sanna)
    db.session.flush()
