"""The pages without sign-in are exactly those access.py names, and the feedback pages among
them reveal nothing of anyone: no names, no counts, whatever is recorded."""
import re

from association_tool.access import PUBLIC_ENDPOINTS, rule_for
from association_tool.extensions import db
from association_tool.feedback import services
from tests.factories import make_client


def test_every_public_route_is_named_in_access_py(app):
    public = {endpoint for endpoint in app.view_functions
              if (rule := rule_for(endpoint)) is not None and rule.public}
    assert public == PUBLIC_ENDPOINTS


def test_the_feedback_pages_show_nothing_of_anyone(client, admin, staff):
    services.set_switches(kiosk=True, partner_links=True)
    person = make_client(display_name="Ruusu Ranta", full_name="Ruusu Marjatta Ranta")
    for n in range(7):
        services.record_feedback(source="kiosk", first=5, second=4, words=f"Salainen sana {n}",
                                 language="fi", client_id=person.id if n == 0 else None)
    link, token = services.create_partner_link("Sosiaalitoimi", staff.id)
    db.session.commit()
    for url in ("/palaute", "/palaute?lang=sv", "/palaute?lang=en",
                f"/palaute/kumppani/{token}", "/palaute/kumppani/wrong"):
        page = client.get(url).get_data(as_text=True)
        for private in ("Ruusu", "Ranta", "Salainen", admin.name, staff.name, admin.email,
                        "Sosiaalitoimi"):
            assert private not in page, (url, private)
        visible = re.sub(r"<[^>]+>", " ", page)
        assert not re.search(r"\b7\b", visible), url  # no count of answers anywhere
    thanks = client.post("/palaute?lang=en", data={"first": "5"}).get_data(as_text=True)
    assert "Ruusu" not in thanks and "Salainen" not in thanks and not re.search(
        r"\b8\b", re.sub(r"<[^>]+>", " ", thanks))
