"""Adding a client whose name is already taken warns first; the same form sent twice adds one."""
import re

from association_tool.clients import services
from association_tool.extensions import db
from association_tool.models import Client

from .factories import login, make_client
from .test_clients import form_data


def form_key(http) -> str:
    page = http.get("/clients/new").get_data(as_text=True)
    return re.search(r'name="form_key"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="form_key"',
                     page).group(0).split('value="')[1].split('"')[0]


def count() -> int:
    db.session.expire_all()
    return db.session.query(Client).count()


def test_a_taken_name_warns_links_to_the_other_and_can_still_be_added(client, staff):
    ended = make_client(display_name="Ärrä Öljymäki")
    ended.status = "ended"
    db.session.commit()
    login(client, staff)
    data = form_data(display_name="ärrä öljymäki", contact_notes="Soita iltapäivisin",
                     form_key=form_key(client))
    warned = client.post("/clients/new", data=data)
    assert warned.status_code == 422 and count() == 1
    page = warned.get_data(as_text=True)
    assert 'id="same-name"' in page and f'href="/clients/{ended.id}"' in page
    assert 'name="confirm_same_name"' in page and "Soita iltapäivisin" in page  # typed text kept
    added = client.post("/clients/new", data=dict(data, confirm_same_name="y"))
    assert added.status_code == 303 and count() == 2


def test_a_full_name_matching_counts_and_other_names_do_not(client, staff):
    make_client(display_name="Kettu", full_name="Kaisa Kettunen")
    assert [c.full_name for c in services.same_name_clients("KAISA KETTUNEN")] == ["Kaisa Kettunen"]
    assert services.same_name_clients("Kaisa") == []  # a part of a name is not the same name
    assert services.same_name_clients("Kettu_") == [] and services.same_name_clients("%") == []
    login(client, staff)
    response = client.post("/clients/new", data=form_data(display_name="Susi",
                                                          form_key=form_key(client)))
    assert response.status_code == 303 and count() == 2


def test_back_after_saving_and_saving_again_adds_no_second_client(client, staff):
    login(client, staff)
    data = form_data(display_name="Kettu", form_key=form_key(client))
    first = client.post("/clients/new", data=data)
    assert first.status_code == 303 and count() == 1
    again = client.post("/clients/new", data=dict(data, confirm_same_name="y"))
    assert again.status_code == 303 and count() == 1
    assert again.headers["Location"] == first.headers["Location"]  # back to the one added
    # A new form (a new key) is a new client, after the same-name question.
    other = form_data(display_name="Kettu", form_key=form_key(client), confirm_same_name="y")
    assert client.post("/clients/new", data=other).status_code == 303 and count() == 2
