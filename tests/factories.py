"""Builders for test data that read like the domain."""
from __future__ import annotations

import itertools

from association_tool.auth import accounts
from association_tool.extensions import db
from association_tool.settings import association_name, set_association_name

PASSWORD = "pitka-testisalasana-joka-kelpaa"
_seq = itertools.count(1)


def login(browser, user, password: str = PASSWORD):
    """Sign a test browser in as a user, signing out whoever was signed in."""
    browser.post("/logout")
    response = browser.post("/login", data={"email": user.email, "password": password})
    assert response.status_code in (302, 303), f"{user.email} could not sign in"
    return response


def make_user(*, role: str = "staff", name: str | None = None, email: str | None = None,
              password: str = PASSWORD, active: bool = True, locale: str = "fi",
              must_change_password: bool = False):
    """Create and commit a user; the association gets a name on the first call."""
    n = next(_seq)
    if not association_name():
        set_association_name("Testiyhdistys ry")
    user = accounts.create_user(name=name or f"Käyttäjä {n}", email=email or f"user{n}@test.example.org",
                                role=role, password=password, locale=locale,
                                must_change_password=must_change_password)
    user.active = active
    db.session.commit()
    return user


def make_client(*, display_name: str | None = None, actor=None, **fields):
    """Create and commit a client; `fields` are any of the client form's fields."""
    from association_tool.clients import services as clients
    from association_tool.models import User
    from sqlalchemy import select

    actor = actor or db.session.scalars(select(User).order_by(User.id)).first()
    client = clients.create_client(
        dict(display_name=display_name or f"Asiakas {next(_seq)}", **fields), actor=actor)
    db.session.commit()
    return client


def pair(peer, client, sections=("goals", "contacts", "tasks", "errands"), ends_on=None):
    """Pair a peer supporter with a client, allowing the given sections; commit."""
    from association_tool.clients import services as clients
    from association_tool.timeutil import local_today

    pairing = clients.save_pairing(client, peer=peer, sections=list(sections),
                                   agreed_on=local_today(), agreed_how="suullisesti tapaamisessa",
                                   ends_on=ends_on)
    db.session.commit()
    return pairing


def make_organisation(*, name: str = "Kuopion kaupunki", unit: str | None = "Aikuissosiaalityö",
                      type: str = "sote", people=(), **fields):
    """Create an organisation with contact persons [(name, title, is_liaison), …]; commit."""
    from association_tool.directory import services as directory

    organisation = directory.create_organisation(dict(type=type, name=name, unit=unit, **fields))
    for person_name, title, liaison in people:
        directory.create_person(organisation, dict(name=person_name, title=title, is_liaison=liaison))
    db.session.commit()
    return organisation
