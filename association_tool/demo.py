"""A fictional demo association; it grows as features are added."""
from __future__ import annotations

from datetime import timedelta

from .auth import accounts
from .extensions import db
from .models import Contact, Goal, GoalProgress, GoalReview
from .settings import set_association_name
from .timeutil import local_today


class DemoError(Exception):
    """The demo cannot be loaded here."""


DEMO_PASSWORD = "kokeile-demoa-rauhassa"
DEMO_USERS = [
    ("admin", "paakayttaja@demo.example.org", "Aino Pääkäyttäjä"),
    ("staff", "ohjaaja@demo.example.org", "Sanna Palveluohjaaja"),
    ("staff", "tyontekija@demo.example.org", "Jussi Työntekijä"),
    ("peer", "vertainen@demo.example.org", "Matti Vertainen"),
]

# Fictional clients: (display name, full name, level, language, goals in the client's own words)
DEMO_CLIENTS = [
    ("Ruusu", "Rosa Virtanen", "intensive", "fi",
     [("Haluan oman vuokra-asunnon ennen kesää.", "housing", "long"),
      ("Käyn kerran viikossa ryhmässä.", "meaningful_activity", "short")]),
    ("Kalle", None, "client_guidance", "fi",
     [("Saan Kelan asumistukihakemuksen tehtyä.", "money", "short")]),
    ("Maja", "Maja Lindqvist", "client_guidance", "sv",
     [("Jag vill få ordning på mina räkningar.", "money", "short")]),
    ("Tuuli", None, "advice", "fi", []),
    ("Sam", "Samuel Okoye", "intensive", "en",
     [("I want to find a job or a course.", "work_studies", "long")]),
]


def load_demo() -> list[tuple[str, str, str]]:
    """Create the demo association in an empty database; return (role, e-mail, password) rows."""
    from .clients import services as clients
    from .tasks.services import create_task

    if accounts.any_user_exists():
        raise DemoError("The database already has users; the demo loads only into an empty one.")
    set_association_name("Demoyhdistys ry (kuvitteellinen)")
    logins, users = [], {}
    for role, email, name in DEMO_USERS:
        users[email] = accounts.create_user(name=name, email=email, role=role,
                                            password=DEMO_PASSWORD, must_change_password=False)
        logins.append((role, email, DEMO_PASSWORD))
    sanna = users["ohjaaja@demo.example.org"]
    jussi = users["tyontekija@demo.example.org"]
    matti = users["vertainen@demo.example.org"]
    today = local_today()
    for index, (nick, full, level, language, goals) in enumerate(DEMO_CLIENTS):
        worker = sanna if index % 2 == 0 else jussi
        client = clients.create_client(dict(
            display_name=nick, full_name=full, level=level, language=language,
            start_date=today - timedelta(days=30 * (index + 1)), responsible_id=worker.id,
            backup_id=(jussi if worker is sanna else sanna).id,
            referral_source="sote" if index % 2 else "self"), actor=worker)
        for g_index, (text, area, term) in enumerate(goals):
            goal = Goal(client_id=client.id, text=text, life_area=area, term=term,
                        status="in_progress", created_by_id=worker.id,
                        review_date=today + timedelta(days=7 * g_index - 3))
            db.session.add(goal)
            db.session.flush()
            db.session.add(GoalProgress(goal_id=goal.id, on=today - timedelta(days=10),
                                        note="Ensimmäinen askel otettu yhdessä.", author_id=worker.id))
            if g_index == 0 and level == "intensive":
                db.session.add(GoalReview(goal_id=goal.id, on=today - timedelta(days=20),
                                          sufficient="partly", matched_needs="yes",
                                          matched_expectations="partly", matched_goals="yes",
                                          client_comment="Tuki auttoi, mutta kaipaan lisää aikaa.",
                                          author_id=worker.id))
        for c_index, channel in enumerate(("drop_in", "phone", "accompanied_errand")):
            db.session.add(Contact(client_id=client.id, on=today - timedelta(days=4 * c_index + 1),
                                   channel=channel, minutes=30 + 15 * c_index, worker_id=worker.id,
                                   peer_id=matti.id if channel == "accompanied_errand" else None,
                                   topics="housing,money" if c_index % 2 else "health",
                                   note="Kuulumiset ja seuraavat askeleet.", created_by_id=worker.id))
        create_task(client, title="Soita ja kysy kuulumiset", owner_id=worker.id,
                    due_date=today + timedelta(days=index - 1), created_by_id=worker.id)
        if index < 2:
            clients.save_pairing(client, peer=matti, sections=["goals", "contacts", "tasks", "errands"],
                                 agreed_on=today - timedelta(days=14),
                                 agreed_how="Suullisesti tapaamisessa", ends_on=None)
    _load_directory_and_networks()
    _load_features(today)
    for channel, age in (("drop_in", "30_44"), ("phone", "45_64"), ("drop_in", "18_29")):
        db.session.add(Contact(client_id=None, on=today - timedelta(days=2), channel=channel,
                               minutes=15, age_group=age, topics="money", created_by_id=sanna.id))
    return logins


DEMO_DIRECTORY = [
    ("sote", "Itä-Suomen hyvinvointialue (kuvitteellinen)", "Aikuissosiaalityö",
     "Esimerkkikatu 1, Kuopio", "017 000 0001", [("Liisa Linkki", "Sosiaalityöntekijä", True),
                                                 ("Olli Ohjaaja", "Sosiaaliohjaaja", False)]),
    ("sote", "Itä-Suomen hyvinvointialue (kuvitteellinen)", "Mielenterveys- ja päihdepalvelut",
     "Esimerkkikatu 3, Kuopio", "017 000 0003", [("Mirja Mielinen", "Sairaanhoitaja", True)]),
    ("kela", "Kela", "Kuopion palvelupiste", "Esimerkkitie 5, Kuopio", "020 000 0005",
     [("Pekka Palvelu", "Palveluneuvoja", False)]),
    ("employment", "Työllisyyspalvelut (kuvitteellinen)", None, "Työkatu 7, Kuopio", None,
     [("Tiina Työ", "Työvalmentaja", False)]),
    ("parish", "Esimerkin seurakunta", "Diakoniatyö", None, None, []),
    ("association", "Vertaistukiyhdistys (kuvitteellinen)", None, None, None, []),
]


def _load_directory_and_networks() -> None:
    """A small fictional directory, and network maps for the first demo clients."""
    from sqlalchemy import select

    from .directory import services as directory
    from .models import Client
    from .network import services as network

    people = {}
    organisations = {}
    for kind, name, unit, address, phone, persons in DEMO_DIRECTORY:
        organisation = directory.create_organisation(dict(
            type=kind, name=name, unit=unit, address=address, phone=phone))
        organisations[unit or name] = organisation
        for person_name, title, liaison in persons:
            people[person_name] = directory.create_person(
                organisation, dict(name=person_name, title=title, is_liaison=liaison))
    first, second = db.session.scalars(select(Client).order_by(Client.id).limit(2)).all()
    for client, members in (
        (first, [("private", None, None, "Äiti", "äiti", "family", "inner"),
                 ("private", None, None, "Pikkuveli Toni", "veli", "family", "middle"),
                 ("private", None, None, "Naapurin Sirpa", "naapuri", "friends", "middle"),
                 ("person", "Liisa Linkki", None, None, None, "services", "inner"),
                 ("person", "Mirja Mielinen", None, None, None, "services", "middle"),
                 ("organisation", None, "Kuopion palvelupiste", None, None, "services", "outer"),
                 ("organisation", None, "Diakoniatyö", None, None, "associations", "outer"),
                 ("private", None, None, "Ryhmän Riikka", "vertainen", "associations", "middle")]),
        (second, [("person", "Pekka Palvelu", None, None, None, "services", "middle"),
                  ("private", None, None, "Ystävä Ville", "ystävä", "friends", "inner")]),
    ):
        for kind, person, organisation, name, relation, sector, ring in members:
            network.add_member(client, dict(
                kind=kind, contact_person_id=people[person].id if person else None,
                organisation_id=organisations[organisation].id if organisation else None,
                name=name, relation=relation, sector=sector, ring=ring, involved=True))


def _load_features(today) -> None:
    """Let each feature add its own demo records (consents, errands, meetings, referrals, a former
    client past the retention period) when present."""
    import importlib

    for name in ("consents", "errands", "meetings", "referrals", "groups", "lifecycle"):
        try:
            module = importlib.import_module(f"{__package__}.{name}.demo")
        except ModuleNotFoundError:
            continue
        module.load(today)
        db.session.flush()
