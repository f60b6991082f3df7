"""A contact or an errand tagged to a funded activity of its own, and the client's municipality
from the association's own list: recorded on the forms, kept on an unchanged save, and counted
on the statistics page."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from association_tool.extensions import db
from association_tool.models import AuditEvent, Client, Contact
from association_tool.models.errands import Errand
from association_tool.models.groups import FundedActivity
from association_tool.settings import MUNICIPALITIES, municipalities, store_setting
from association_tool.stats import figures
from association_tool.timeutil import local_today

from .factories import login, make_client

YEAR = date(2025, 1, 1), date(2025, 12, 31)


@pytest.fixture
def activities(app):
    polku = FundedActivity(name="Polku-hanke")
    tupa = FundedActivity(name="Olohuonetoiminta")
    db.session.add_all([polku, tupa])
    db.session.commit()
    return polku, tupa


def _contact_data(**overrides):
    data = {"on": local_today().isoformat(), "channel": "drop_in", "minutes": "30",
            "worker_id": "", "note": "Juteltiin"}
    data.update(overrides)
    return data


def _errand_data(**overrides):
    data = {"about": "Asumistuen hakeminen", "type": "kela",
            "on": (local_today() + timedelta(days=3)).isoformat(), "starts_at": "",
            "place": "", "address": "", "meet_whom": "", "companion_id": "",
            "things_to_bring": "Henkilöllisyystodistus", "questions": ""}
    data.update(overrides)
    return data


# --- the forms ----------------------------------------------------------------------------------

def test_a_contact_is_tagged_to_an_activity_and_the_tag_survives_a_correction(
        client, staff, activities):
    polku, tupa = activities
    person = make_client(activity_id=polku.id)
    login(client, staff)
    page = client.get(f"/clients/{person.id}/contacts").get_data(as_text=True)
    assert 'name="activity_id"' in page and ">Olohuonetoiminta<" in page

    assert client.post(f"/clients/{person.id}/contacts",
                       data=_contact_data(activity_id=str(tupa.id))).status_code == 303
    assert client.post(f"/clients/{person.id}/contacts", data=_contact_data()).status_code == 303
    tagged, plain = db.session.scalars(select(Contact).order_by(Contact.id)).all()
    assert (tagged.activity_id, plain.activity_id) == (tupa.id, None)

    # The activity is no longer in use: the contact keeps it through an unchanged correction.
    tupa.archived = True
    db.session.commit()
    edit = f"/clients/{person.id}/contacts/{tagged.id}/edit"
    page = client.get(edit).get_data(as_text=True)
    assert f'<option selected value="{tupa.id}">Olohuonetoiminta' in page
    response = client.post(edit, data=_contact_data(activity_id=str(tupa.id), version="1"))
    assert response.status_code == 303
    assert db.session.get(Contact, tagged.id).activity_id == tupa.id
    # Moved to another activity: a correction like any other, the earlier tag in its history.
    response = client.post(edit, data=_contact_data(activity_id=str(polku.id), version="1"))
    assert response.status_code == 303
    contact = db.session.get(Contact, tagged.id)
    assert contact.activity_id == polku.id and contact.versions[0].activity_id == tupa.id
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.object_type == "contact", AuditEvent.action == "update")).one()
    assert "activity_id" in event.detail
    # A value that is not on the list is refused next to the field, the note kept.
    response = client.post(edit, data=_contact_data(activity_id="999", version="2",
                                                    note="Uusi sanamuoto"))
    assert response.status_code == 422
    assert "Uusi sanamuoto" in response.get_data(as_text=True)


def test_without_activities_the_forms_ask_nothing_and_a_tag_stays(client, staff, app):
    person = make_client()
    login(client, staff)
    page = client.get(f"/clients/{person.id}/contacts").get_data(as_text=True)
    assert "Funded activity" not in page and 'name="activity_id"' not in page
    assert client.post(f"/clients/{person.id}/errands", data=_errand_data()).status_code == 303
    errand = db.session.scalars(select(Errand)).one()
    assert errand.activity_id is None


def test_an_errand_is_tagged_and_keeps_its_tag(client, staff, activities):
    polku, tupa = activities
    person = make_client(activity_id=polku.id)
    login(client, staff)
    response = client.post(f"/clients/{person.id}/errands",
                           data=_errand_data(activity_id=str(tupa.id)))
    assert response.status_code == 303
    errand = db.session.scalars(select(Errand)).one()
    assert errand.activity_id == tupa.id
    page = client.get(f"/clients/{person.id}/errands/{errand.id}/edit").get_data(as_text=True)
    assert f'<option selected value="{tupa.id}">Olohuonetoiminta' in page
    response = client.post(f"/clients/{person.id}/errands/{errand.id}/edit",
                           data=_errand_data(activity_id="", version=str(errand.version)))
    assert response.status_code == 303
    assert db.session.get(Errand, errand.id).activity_id is None


def test_an_anonymous_contact_can_be_counted_under_an_activity(client, staff, activities):
    polku, _ = activities
    login(client, staff)
    response = client.post("/contacts/anonymous", data={
        "on": local_today().isoformat(), "channel": "phone", "age_group": "18_29",
        "activity_id": str(polku.id)})
    assert response.status_code == 303
    contact = db.session.scalars(select(Contact)).one()
    assert contact.client_id is None and contact.activity_id == polku.id


# --- municipalities -----------------------------------------------------------------------------

def test_admins_keep_the_list_of_municipalities(client, admin):
    login(client, admin)
    page = client.get("/admin/settings").get_data(as_text=True)
    data = {"association_name": "Yhdistys", "association_phone": "", "association_address": "",
            "association_hours": "", "municipalities": " Kuopio \n\nSiilinjärvi\nkuopio\n"}
    assert 'name="municipalities"' in page
    assert client.post("/admin/settings", data=data).status_code == 302
    assert municipalities() == ["Kuopio", "Siilinjärvi"]
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "settings")).one()
    assert "municipalities" in event.detail
    # A name too long comes back with the list as typed.
    data["municipalities"] = "Kuopio\n" + "x" * 81
    response = client.post("/admin/settings", data=data)
    assert response.status_code == 422
    assert "x" * 81 in response.get_data(as_text=True)
    assert municipalities() == ["Kuopio", "Siilinjärvi"]


def test_a_client_names_a_municipality_from_the_list_and_keeps_one_taken_off(client, staff):
    store_setting(MUNICIPALITIES, "Kuopio\nSiilinjärvi")
    person = make_client(municipality="Leppävirta")  # since taken off the list
    db.session.commit()
    login(client, staff)
    page = client.get(f"/clients/{person.id}/edit").get_data(as_text=True)
    assert '<option selected value="Leppävirta">' in page and ">Siilinjärvi<" in page
    form = client.get("/clients/new").get_data(as_text=True)
    assert ">Leppävirta<" not in form and ">Kuopio<" in form
    response = client.post("/clients/new", data={
        "display_name": "Uusi", "language": "fi", "level": "advice", "status": "active",
        "start_date": local_today().isoformat(), "referral_source": "self",
        "municipality": "Helsinki"})
    assert response.status_code == 422  # not on the list
    assert 'value="Uusi"' in response.get_data(as_text=True)


def test_without_a_list_the_client_form_asks_no_municipality(client, staff):
    login(client, staff)
    assert 'name="municipality"' not in client.get("/clients/new").get_data(as_text=True)


# --- the figures --------------------------------------------------------------------------------

def test_the_figures_count_a_record_under_its_own_activity_else_its_clients(app, activities):
    polku, tupa = activities
    ours = make_client(display_name="Oma", start_date=date(2024, 1, 1), activity_id=polku.id,
                       municipality="Kuopio")
    other = make_client(display_name="Muu", start_date=date(2024, 1, 1), activity_id=tupa.id,
                        municipality="Siilinjärvi")
    loose = make_client(display_name="Vapaa", start_date=date(2024, 1, 1))
    on = date(2025, 3, 3)
    rows = [  # (client, the contact's own tag)
        (ours, None),        # counts under Polku through its client
        (ours, tupa.id),     # tagged elsewhere: not Polku's
        (other, polku.id),   # another activity's client, tagged to Polku
        (loose, None),       # nobody's
        (None, polku.id),    # anonymous, tagged to Polku
        (None, None),        # anonymous, untagged
    ]
    for person, tag in rows:
        db.session.add(Contact(client_id=person.id if person else None, on=on, channel="phone",
                               topics="", activity_id=tag))
    db.session.add_all([
        Errand(client_id=ours.id, about="x", type="kela", on=on),
        Errand(client_id=loose.id, about="x", type="bank", on=on, activity_id=polku.id),
        Errand(client_id=ours.id, about="x", type="other", on=on, activity_id=tupa.id)])
    db.session.commit()

    polku_year = figures.count_figures(figures.Period(*YEAR, polku.id))
    assert polku_year["contact_channel"] == {"phone": 3}  # anonymous contacts count too
    assert polku_year["people"]["anonymous_contacts"] == 1
    assert polku_year["errand_type"] == {"kela": 1, "bank": 1}
    # Reached under Polku: its own client, and those whose contact or errand was tagged to it.
    assert polku_year["people"]["reached"] == 3
    assert polku_year["municipality"] == {"Kuopio": 1, "Siilinjärvi": 1, "": 1}

    everyone = figures.count_figures(figures.Period(*YEAR))
    assert everyone["contact_channel"] == {"phone": 6}
    assert everyone["people"]["anonymous_contacts"] == 2
    assert everyone["errand_type"] == {"kela": 1, "bank": 1, "other": 1}


def test_the_municipality_table_is_suppressed_with_the_others(app):
    for i in range(9):
        make_client(display_name=f"A{i}", start_date=date(2025, 2, 1),
                    municipality="Kuopio" if i < 7 else "Rautavaara")
    db.session.commit()
    period = figures.Period(*YEAR)
    report = figures.build_report(figures.count_figures(period), period, 5)
    table = {row.key: row.text for row in report.table("municipality").rows}
    # Two in a small municipality are hidden, and so is the seven that would give them away.
    assert table == {"Kuopio": "×", "Rautavaara": "<5", "": "0"}
    assert [row.label for row in report.table("municipality").rows][-1] == "Ei kirjattu"
    assert db.session.scalar(select(Client.municipality).where(Client.display_name == "A8")) \
        == "Rautavaara"
