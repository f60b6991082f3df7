"""Builders for test data that read like the domain."""
from __future__ import annotations

import itertools

from association_tool.auth import services
from association_tool.extensions import db

PASSWORD = "pitka-testisalasana-joka-kelpaa"
_seq = itertools.count(1)


def make_user(*, role: str = "staff", name: str | None = None, email: str | None = None,
              password: str = PASSWORD, active: bool = True, locale: str = "fi",
              must_change_password: bool = False):
    """Create and commit a user; the association gets a name on the first call."""
    n = next(_seq)
    if not services.association_name():
        services.set_association_name("Testiyhdistys ry")
    user = services.create_user(name=name or f"Käyttäjä {n}", email=email or f"user{n}@test.example.org",
                                role=role, password=password, locale=locale,
                                must_change_password=must_change_password)
    user.active = active
    db.session.commit()
    return user
