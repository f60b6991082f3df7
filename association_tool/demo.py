"""A fictional demo association; it grows as features are added."""
from __future__ import annotations

from .auth import services


class DemoError(Exception):
    """The demo cannot be loaded here."""


DEMO_PASSWORD = "kokeile-demoa-rauhassa"
DEMO_USERS = [
    ("admin", "paakayttaja@demo.example.org", "Aino Pääkäyttäjä"),
    ("staff", "ohjaaja@demo.example.org", "Sanna Palveluohjaaja"),
    ("staff", "tyontekija@demo.example.org", "Jussi Työntekijä"),
    ("peer", "vertainen@demo.example.org", "Matti Kokemusasiantuntija"),
]


def load_demo() -> list[tuple[str, str, str]]:
    """Create the demo association in an empty database; return (role, e-mail, password) rows."""
    if services.any_user_exists():
        raise DemoError("The database already has users; the demo loads only into an empty one.")
    services.set_association_name("Demoyhdistys ry (kuvitteellinen)")
    logins = []
    for role, email, name in DEMO_USERS:
        services.create_user(name=name, email=email, role=role, password=DEMO_PASSWORD,
                             must_change_password=False)
        logins.append((role, email, DEMO_PASSWORD))
    return logins
