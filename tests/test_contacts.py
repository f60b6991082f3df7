"""Contacts: the client's contact log, recording a contact, and anonymous contacts counted."""
import re
from datetime import date, timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from association_tool.contacts import services
from association_tool.extensions import db
from association_tool.labels import label
from association_tool.models import AuditEvent, Contact
from association_tool.timeutil import local_today

from .factories import login, make_client, pair

HTMX = {"HX-Request": "true"}


def finnish(app, kind, value):
    """The label a Finnish-speaking user sees."""
    with app.test_request_context(), force_locale("fi"):
        return label(kind, value)


def checked(body, value):
    """Tell whether the topic checkbox with this value is ticked."""
    return re.search(rf'<input checked id="[\w-]+" name="topics" type="checkbox" value="{value}">',
                     body) is not None


def contact_count():
    return db.session.scalar(select(func.count(Contact.id)))


def events(**where):
    query = select(AuditEvent)
    for name, value in where.items():
        query = query.where(getattr(AuditEvent, name) == value)
    return db.session.scalars(query).all()


def valid_contact(**overrides):
    data = {"on": local_today().isoformat(), "channel": "phone", "minutes": "45",
            "worker_id": "", "peer_id": "", "topics": ["housing", "money"],
            "note": "Soitti vuokrarästeistä."}
    data.update(overrides)
    return data


# --- the section -------------------------------------------------------------------------------

def test_staff_sees_the_section_with_form_defaults_and_the_view_is_logged(app, client, staff):
    person = make_client(display_name="Tiina")
    login(client, staff)
    response = client.get(f"/clients/{person.id}/contacts")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="section-contacts"' in body and "<html" in body
    assert f'<option selected value="{staff.id}">' in body  # the worker defaults to the user
    assert f'value="{local_today().isoformat()}"' in body  # the date defaults to today
    assert events(action="view", object_type="contacts", client_id=person.id, user_id=staff.id)


def test_the_form_is_open_for_a_first_contact_and_fetched_when_opened_after(client, staff, peer):
    person = make_client(display_name="Tiina")
    pair(peer, person, sections=("contacts",))
    login(client, staff)
    first = client.get(f"/clients/{person.id}/contacts", headers=HTMX).get_data(as_text=True)
    assert "<details open>" in first and 'name="minutes"' in first
    saved = client.post(f"/clients/{person.id}/contacts", data=valid_contact(), headers=HTMX)
    after = saved.get_data(as_text=True)
    assert saved.status_code == 200 and "notice-success" in after
    assert 'name="minutes"' not in after and f'hx-get="/clients/{person.id}/contacts/new"' in after
    fresh = client.get(f"/clients/{person.id}/contacts/new", headers=HTMX).get_data(as_text=True)
    assert f'<option selected value="{staff.id}">' in fresh and 'value="45"' not in fresh
    # A peer supporter's form records them as the peer, as in the section.
    login(client, peer)
    own = client.get(f"/clients/{person.id}/contacts/new", headers=HTMX).get_data(as_text=True)
    assert 'name="minutes"' in own and 'name="peer_id"' not in own
    assert "kokemusasiantuntijaksi" in own  # "you are recorded as the peer supporter"


def test_htmx_gets_the_section_alone(client, staff):
    person = make_client()
    login(client, staff)
    body = client.get(f"/clients/{person.id}/contacts", headers=HTMX).get_data(as_text=True)
    assert body.lstrip().startswith("<section id=\"section-contacts\"") and "<html" not in body


def test_staff_records_a_contact(app, client, staff, peer):
    person = make_client()
    login(client, staff)
    response = client.post(f"/clients/{person.id}/contacts", data=valid_contact(
        worker_id=str(staff.id), peer_id=str(peer.id)))
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/clients/{person.id}/contacts")
    contact = db.session.scalars(select(Contact)).one()
    assert (contact.client_id, contact.on, contact.channel, contact.minutes) == (
        person.id, local_today(), "phone", 45)
    assert (contact.worker_id, contact.peer_id, contact.created_by_id) == (staff.id, peer.id, staff.id)
    assert contact.topic_list == ["housing", "money"]
    assert contact.note == "Soitti vuokrarästeistä."
    assert events(action="create", object_type="contact", object_id=str(contact.id),
                  client_id=person.id)

    body = client.get(f"/clients/{person.id}/contacts").get_data(as_text=True)
    assert "Soitti vuokrarästeistä." in body
    assert staff.name in body and peer.name in body
    assert finnish(app, "contact_channel", "phone") in body
    assert finnish(app, "life_area", "money") in body


def test_htmx_record_returns_the_section_with_a_fresh_form(client, staff):
    person = make_client()
    login(client, staff)
    response = client.post(f"/clients/{person.id}/contacts",
                           data=valid_contact(note="Kävi kahvilla."), headers=HTMX)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="section-contacts"' in body and "notice-success" in body and "<html" not in body
    assert "Kävi kahvilla." in body  # in the log ...
    assert body.count("Kävi kahvilla.") == 1  # ... and not left in the form
    assert contact_count() == 1


def test_minimal_contact_needs_only_date_and_channel(client, staff):
    person = make_client()
    login(client, staff)
    response = client.post(f"/clients/{person.id}/contacts",
                           data={"on": "2025-03-04", "channel": "drop_in"})
    assert response.status_code == 303
    contact = db.session.scalars(select(Contact)).one()
    assert contact.on == date(2025, 3, 4) and contact.minutes is None and contact.note is None
    assert contact.topics == "" and contact.worker_id is None and contact.peer_id is None


@pytest.mark.parametrize("field, value, kept", [
    ("minutes", "-5", 'value="-5"'),
    ("minutes", "abc", 'value="abc"'),
    ("minutes", "1441", 'value="1441"'),
    ("on", "2026-02-30", 'value="2026-02-30"'),
    ("on", "", None),
    ("on", (date.today() + timedelta(days=3)).isoformat(), None),
    ("channel", "teleport", None),
    ("channel", "", None),
    ("topics", ["housing", "astrology"], None),
    ("note", "x" * 2001, "x" * 2001),
    ("worker_id", "99999", None),
    ("worker_id", "abc", None),
    ("peer_id", "99999", None),
])
def test_bad_contact_input_is_refused_and_kept(client, staff, field, value, kept):
    person = make_client()
    login(client, staff)
    data = valid_contact(note="Tämä teksti säilyy.")
    data[field] = value
    for headers in ({}, HTMX):
        response = client.post(f"/clients/{person.id}/contacts", data=data, headers=headers)
        body = response.get_data(as_text=True)
        assert response.status_code == 422, (field, value)
        assert 'class="field-error"' in body
        assert 'aria-invalid="true"' in body or field == "topics"  # checkboxes: a fieldset error
        if field != "note":
            assert "Tämä teksti säilyy." in body
        if kept:
            assert kept in body
        assert checked(body, "housing") or field == "topics"
    assert contact_count() == 0


def test_garbage_bodies_never_give_a_500(client, staff):
    person = make_client()
    login(client, staff)
    url = f"/clients/{person.id}/contacts"
    assert client.post(url, data={}).status_code == 422
    assert client.post(url, data={"minutes": ["1", "2"], "on": ["x", "y"]}).status_code == 422
    # A body that is not UTF-8 is refused before the form is read.
    assert client.post(url, data=b"\xff\xfe", content_type="application/x-www-form-urlencoded"
                       ).status_code == 400
    assert client.get(url + "?page=abc").status_code == 200
    assert client.get(url + "?page=-3").status_code == 200
    assert client.get(url + "?page=99999999999999999999").status_code == 200
    assert contact_count() == 0


def test_the_log_is_newest_first_and_paged(client, staff):
    person = make_client()
    start = date(2025, 1, 1)
    for i in range(25):
        services.create_contact(person, on=start + timedelta(days=i), channel="phone",
                                note=f"merkintä-{i:02d}")
    db.session.commit()
    login(client, staff)
    first = client.get(f"/clients/{person.id}/contacts").get_data(as_text=True)
    assert "merkintä-24" in first and "merkintä-05" in first and "merkintä-04" not in first
    assert first.index("merkintä-24") < first.index("merkintä-23")
    assert f"/clients/{person.id}/contacts?page=2" in first
    second = client.get(f"/clients/{person.id}/contacts?page=2", headers=HTMX).get_data(as_text=True)
    assert "merkintä-04" in second and "merkintä-00" in second and "merkintä-05" not in second


def test_unknown_client_is_404(client, staff):
    login(client, staff)
    assert client.get("/clients/999/contacts").status_code == 404
    assert client.post("/clients/999/contacts", data=valid_contact()).status_code == 404
    assert contact_count() == 0


def test_signed_out_user_is_sent_to_sign_in(client, staff):
    person = make_client()
    response = client.get(f"/clients/{person.id}/contacts")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# --- peer supporters ---------------------------------------------------------------------------

def test_peer_allowed_contacts_views_and_records_as_themselves(client, staff, peer):
    person = make_client()
    pair(peer, person)
    services.create_contact(person, on=local_today(), channel="phone", note="Aiempi käynti.")
    db.session.commit()
    login(client, peer)
    body = client.get(f"/clients/{person.id}/contacts").get_data(as_text=True)
    assert "Aiempi käynti." in body
    assert 'name="peer_id"' not in body  # a peer records as themselves
    response = client.post(f"/clients/{person.id}/contacts", data=valid_contact(
        channel="accompanied_errand", worker_id=str(staff.id), peer_id=str(staff.id),
        note="Kävimme Kelassa."))
    assert response.status_code == 303
    contact = db.session.scalars(select(Contact).where(Contact.note == "Kävimme Kelassa.")).one()
    assert contact.peer_id == peer.id and contact.worker_id == staff.id
    assert contact.created_by_id == peer.id
    assert events(action="view", object_type="contacts", user_id=peer.id, client_id=person.id)
    assert events(action="create", object_type="contact", user_id=peer.id)


@pytest.mark.parametrize("sections", [("goals", "tasks"), None])
def test_peer_without_the_section_gets_404_and_sees_nothing(client, peer, sections):
    person = make_client()
    if sections is not None:
        pair(peer, person, sections=sections)
    services.create_contact(person, on=local_today(), channel="phone", note="Salainen muistiinpano.")
    db.session.commit()
    login(client, peer)
    for response in (client.get(f"/clients/{person.id}/contacts"),
                     client.get(f"/clients/{person.id}/contacts", headers=HTMX),
                     client.post(f"/clients/{person.id}/contacts", data=valid_contact(note="Uusi."))):
        assert response.status_code == 404
        assert "Salainen muistiinpano." not in response.get_data(as_text=True)
    assert contact_count() == 1
    assert events(action="denied", user_id=peer.id, client_id=person.id)


def test_ended_pairing_gives_404(client, peer):
    person = make_client()
    pair(peer, person, ends_on=local_today() - timedelta(days=1))
    login(client, peer)
    assert client.get(f"/clients/{person.id}/contacts").status_code == 404


# --- anonymous contacts ------------------------------------------------------------------------

def valid_anonymous(**overrides):
    data = {"on": local_today().isoformat(), "channel": "drop_in", "minutes": "15",
            "age_group": "30_44", "topics": ["money"]}
    data.update(overrides)
    return data


def test_anonymous_contact_is_counted_without_identity(client, staff):
    login(client, staff)
    response = client.post("/contacts/anonymous",
                           data=valid_anonymous(note="Nimi ja tarina", name="Matti"), headers=HTMX)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert body.lstrip().startswith('<section id="anonymous-contact"') and "<html" not in body
    assert "notice-success" in body
    assert 'value="15"' not in body  # the form is empty again
    contact = db.session.scalars(select(Contact)).one()
    assert contact.client_id is None and contact.note is None
    assert (contact.channel, contact.minutes, contact.age_group, contact.topics) == (
        "drop_in", 15, "30_44", "money")
    assert services.anonymous_count() == 1
    assert services.anonymous_count(local_today(), local_today()) == 1
    assert services.anonymous_count(date_to=local_today() - timedelta(days=1)) == 0
    [event] = events(action="create", object_type="anonymous_contact")
    assert event.client_id is None and event.object_id == str(contact.id)
    assert event.user_id == staff.id


def test_anonymous_contacts_are_not_in_any_client_log(client, staff):
    person = make_client()
    login(client, staff)
    client.post("/contacts/anonymous", data=valid_anonymous(channel="group"))
    services.create_contact(person, on=local_today(), channel="phone", note="Oma käynti.")
    db.session.commit()
    assert services.list_contacts(person).total == 1
    assert services.anonymous_count() == 1


def test_anonymous_contact_without_javascript_redirects_home(client, peer):
    login(client, peer)  # every signed-in user may count one
    response = client.post("/contacts/anonymous", data=valid_anonymous())
    assert response.status_code == 303 and response.headers["Location"].endswith("/")
    assert services.anonymous_count() == 1
    assert "notice-success" in client.get("/").get_data(as_text=True)


def test_anonymous_partial_renders_for_the_home_page(app, staff):
    from flask import render_template
    from flask_login import login_user

    from association_tool.contacts.forms import AnonymousContactForm

    with app.test_request_context("/"):
        login_user(staff)
        html = render_template("contacts/_anonymous_form.html", anon_form=AnonymousContactForm())
    assert 'id="anonymous-contact"' in html and 'hx-target="#anonymous-contact"' in html
    assert 'name="note"' not in html and 'name="name"' not in html
    assert 'name="age_group"' in html and 'method="post"' in html


def test_the_home_page_fetches_the_anonymous_form_when_it_is_opened(client, peer):
    login(client, peer)  # every signed-in user may count one
    home = client.get("/").get_data(as_text=True)
    assert 'id="anonymous-contact"' in home and 'name="age_group"' not in home
    assert 'hx-get="/contacts/anonymous"' in home and 'href="/contacts/anonymous#anonymous-contact"' in home
    fragment = client.get("/contacts/anonymous", headers=HTMX)
    body = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and body.lstrip().startswith("<form") and "<html" not in body
    assert 'name="age_group"' in body and 'name="csrf_token"' in body
    # Without scripts the link opens a page of its own with the form, and a way back home.
    page = client.get("/contacts/anonymous").get_data(as_text=True)
    assert "<html" in page and 'name="age_group"' in page and '<details open>' in page
    assert 'href="/"' in page
    # Counting from it leads home, as from the home page.
    saved = client.post("/contacts/anonymous", data=valid_anonymous())
    assert saved.status_code == 303 and services.anonymous_count() == 1


@pytest.mark.parametrize("field, value, kept", [
    ("minutes", "-5", 'value="-5"'),
    ("minutes", "abc", 'value="abc"'),
    ("on", "2026-02-30", 'value="2026-02-30"'),
    ("channel", "teleport", None),
    ("age_group", "ancient", None),
    ("topics", ["astrology"], None),
])
def test_bad_anonymous_input_is_refused_and_kept(client, staff, field, value, kept):
    login(client, staff)
    data = valid_anonymous(minutes="33")
    data[field] = value
    fragment = client.post("/contacts/anonymous", data=data, headers=HTMX)
    page = client.post("/contacts/anonymous", data=data)
    for response in (fragment, page):
        body = response.get_data(as_text=True)
        assert response.status_code == 422
        assert 'id="anonymous-contact"' in body and "field-error" in body
        if field != "minutes":
            assert 'value="33"' in body
        if kept:
            assert kept in body
    assert "<html" not in fragment.get_data(as_text=True)
    assert "<html" in page.get_data(as_text=True)
    assert contact_count() == 0


# --- correcting a contact ----------------------------------------------------------------------

def _recorded(person, by, **fields):
    values = dict(on=local_today() - timedelta(days=2), channel="phone", minutes=30,
                  topics=["housing"], note="Puhuttiin vuokrasta ja Kelasta.", created_by_id=by.id)
    values.update(fields)
    contact = services.create_contact(person, **values)
    db.session.commit()
    return contact


def _edit_url(person, contact):
    return f"/clients/{person.id}/contacts/{contact.id}/edit"


def _correction(contact, **overrides):
    data = {"on": contact.on.isoformat(), "channel": contact.channel,
            "minutes": str(contact.minutes or ""), "worker_id": str(contact.worker_id or ""),
            "peer_id": str(contact.peer_id or ""), "topics": contact.topic_list,
            "note": contact.note or "", "version": str(contact.row_version)}
    data.update(overrides)
    return data


def test_staff_corrects_a_contact_and_the_earlier_wording_stays_readable(app, client, staff):
    person = make_client()
    contact = _recorded(person, staff, worker_id=staff.id)
    login(client, staff)
    page = client.get(_edit_url(person, contact)).get_data(as_text=True)
    assert "Puhuttiin vuokrasta ja Kelasta." in page and checked(page, "housing")
    assert f'href="{_edit_url(person, contact)}"' in client.get(
        f"/clients/{person.id}/contacts").get_data(as_text=True)

    response = client.post(_edit_url(person, contact), data=_correction(
        contact, note="Puhuttiin vuokrasta ja Kelan asumistuesta.", topics=["housing", "money"]))
    assert response.status_code == 303
    contact = db.session.get(Contact, contact.id)
    assert contact.note == "Puhuttiin vuokrasta ja Kelan asumistuesta."
    assert contact.topic_list == ["housing", "money"] and contact.row_version == 2
    [earlier] = contact.versions
    assert (earlier.note, earlier.topics, earlier.version_no) == (
        "Puhuttiin vuokrasta ja Kelasta.", "housing", 1)
    assert earlier.replaced_by_id == staff.id and earlier.worker_id == staff.id
    [event] = events(action="update", object_type="contact", object_id=str(contact.id))
    assert event.user_id == staff.id and event.client_id == person.id and "note" in event.detail
    # The earlier wording is shown with the correction; the log marks the contact corrected.
    page = client.get(_edit_url(person, contact)).get_data(as_text=True)
    assert "Puhuttiin vuokrasta ja Kelasta." in page and "Kelan asumistuesta" in page
    assert finnish(app, "life_area", "money") in page


def test_a_stale_correction_is_refused_with_the_text_kept(client, staff, admin):
    person = make_client()
    contact = _recorded(person, staff)
    login(client, staff)
    opened = _correction(contact, note="Minun korjaukseni.")
    services.update_contact(contact, on=contact.on, channel="drop_in", minutes=30, worker_id=None,
                            peer_id=None, topics=["housing"], note=contact.note, version=1, by=admin)
    db.session.commit()
    response = client.post(_edit_url(person, contact), data=opened)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Minun korjaukseni." in body and 'name="version" type="hidden" value="2"' in body
    contact = db.session.get(Contact, contact.id)
    assert contact.note == "Puhuttiin vuokrasta ja Kelasta." and contact.channel == "drop_in"
    # Saving again on the version now shown goes through.
    assert client.post(_edit_url(person, contact), data=_correction(
        contact, note="Minun korjaukseni.")).status_code == 303
    assert db.session.get(Contact, contact.id).note == "Minun korjaukseni."
    assert len(db.session.get(Contact, contact.id).versions) == 2


def test_bad_correction_is_refused_and_kept(client, staff):
    person = make_client()
    contact = _recorded(person, staff)
    login(client, staff)
    response = client.post(_edit_url(person, contact), data=_correction(
        contact, on=(local_today() + timedelta(days=1)).isoformat(), note="Uusi sanamuoto."))
    assert response.status_code == 422 and "Uusi sanamuoto." in response.get_data(as_text=True)
    for junk in ({"version": "x"}, {"minutes": "-5"}, {"channel": "carrier_pigeon"},
                 {"worker_id": "999999"}, {"note": "x" * 2001}):
        assert client.post(_edit_url(person, contact), data=_correction(contact, **junk)).status_code == 422
    assert db.session.get(Contact, contact.id).row_version == 1
    assert not db.session.get(Contact, contact.id).versions


def test_saving_a_correction_unchanged_writes_nothing(client, staff):
    person = make_client()
    contact = _recorded(person, staff)
    login(client, staff)
    assert client.post(_edit_url(person, contact), data=_correction(contact)).status_code == 303
    contact = db.session.get(Contact, contact.id)
    assert contact.row_version == 1 and not contact.versions
    assert not events(action="update", object_type="contact")


def test_a_peer_corrects_their_own_contact_and_stays_its_peer(client, staff, peer):
    person = make_client()
    pair(peer, person)
    own = _recorded(person, peer, peer_id=peer.id, note="Kävimme kaupassa.")
    login(client, peer)
    page = client.get(f"/clients/{person.id}/contacts").get_data(as_text=True)
    assert f'href="{_edit_url(person, own)}"' in page
    response = client.post(_edit_url(person, own), data=_correction(
        own, note="Kävimme apteekissa.", peer_id=str(staff.id)))
    assert response.status_code == 303
    own = db.session.get(Contact, own.id)
    assert own.note == "Kävimme apteekissa." and own.peer_id == peer.id
    assert own.versions[0].replaced_by_id == peer.id


def test_a_peer_cannot_correct_a_contact_someone_else_recorded(client, staff, peer):
    person = make_client()
    pair(peer, person)
    other = _recorded(person, staff, note="Työntekijän kirjaus.")
    login(client, peer)
    assert f'href="{_edit_url(person, other)}"' not in client.get(
        f"/clients/{person.id}/contacts").get_data(as_text=True)
    assert client.get(_edit_url(person, other)).status_code == 404
    assert client.post(_edit_url(person, other), data=_correction(other, note="Muutettu.")).status_code == 404
    assert db.session.get(Contact, other.id).note == "Työntekijän kirjaus."
    assert events(action="denied", user_id=peer.id, client_id=person.id)


def test_a_peer_whose_pairing_ended_cannot_correct_their_contact(client, peer):
    from association_tool.models import PeerPairing

    person = make_client()
    pair(peer, person)
    own = _recorded(person, peer, peer_id=peer.id, note="Oma kirjaus.")
    pairing = db.session.scalars(select(PeerPairing).where(PeerPairing.peer_id == peer.id)).one()
    pairing.ends_on = local_today() - timedelta(days=1)
    db.session.commit()
    login(client, peer)
    assert client.get(_edit_url(person, own)).status_code == 404
    assert client.post(_edit_url(person, own), data=_correction(own, note="Muutettu.")).status_code == 404
    assert db.session.get(Contact, own.id).note == "Oma kirjaus."


def test_a_contact_of_another_client_is_404(client, staff):
    person, other = make_client(), make_client()
    contact = _recorded(other, staff)
    login(client, staff)
    assert client.get(_edit_url(person, contact)).status_code == 404
    assert client.get(f"/clients/{person.id}/contacts/{2**40}/edit").status_code == 404
