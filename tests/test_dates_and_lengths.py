"""Over-long text is refused with a message, never cut off; dates say their format and keep it."""
import re
from datetime import date, datetime, time

from flask_babel import force_locale

from association_tool.extensions import db
from association_tool.i18n import date_filter, datetime_filter, time_of_day
from association_tool.models import Client

from .factories import login, make_user
from .test_clients import form_data


def tag(page: str, name: str) -> str:
    return re.search(rf'<(?:input|textarea)[^>]*name="{name}"[^>]*>', page).group(0)


def test_no_field_tells_the_browser_to_cut_text_off(client, staff):
    login(client, staff)
    page = client.get("/clients/new").get_data(as_text=True)
    assert "maxlength" not in page.replace("data-maxlength", "")
    assert 'data-maxlength="1000"' in tag(page, "contact_notes")
    assert 'data-maxlength="120"' in tag(page, "display_name")


def test_over_long_text_is_refused_with_the_counts_and_kept_whole(client, staff):
    login(client, staff)
    notes = "Soita iltapäivisin. " * 60  # 1,200 characters, the limit is 1,000
    response = client.post("/clients/new", data=form_data(display_name="Kettu", contact_notes=notes))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    error = re.search(r'id="contact_notes-error">([^<]*)<', page).group(1)
    assert "1199" in error and "1000" in error  # the text is stripped of its last space
    assert notes.strip() in page  # every character still there
    assert db.session.query(Client).count() == 0


def test_english_message_for_over_long_text(client):
    english = make_user(role="staff", locale="en")
    login(client, english)
    page = client.post("/clients/new", data=form_data(display_name="K" * 130)).get_data(as_text=True)
    assert "This is too long: 130 characters, at most 120." in page


def test_a_wrong_date_says_the_format_and_keeps_what_was_typed(client):
    english = make_user(role="staff", locale="en")
    login(client, english)
    response = client.post("/clients/new", data=form_data(start_date="31.2.2026"))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Write the date as day.month.year, for example 7.12.2026." in page
    field = tag(page, "start_date")
    assert 'value="31.2.2026"' in field and 'type="text"' in field  # visible as typed


def test_a_date_written_the_finnish_way_is_read(client, staff):
    login(client, staff)
    response = client.post("/clients/new", data=form_data(start_date="7.12.2026"))
    assert response.status_code == 303
    assert db.session.query(Client).one().start_date == date(2026, 12, 7)


def test_english_dates_and_times_are_written_the_finnish_way(app):
    with app.test_request_context(), force_locale("en"):
        assert date_filter(date(2026, 12, 7)) == "7.12.2026"
        assert date_filter(date(2026, 12, 7), "full") == "Monday 7.12.2026"
        assert datetime_filter(datetime(2026, 12, 7, 14, 5)).startswith("7.12.2026")
        assert time_of_day(time(14, 30)) == "14:30"
    with app.test_request_context(), force_locale("fi"):
        assert date_filter(date(2026, 12, 7)) == "7.12.2026" and time_of_day(time(9, 5)) == "9.05"
    assert time_of_day(time(14, 30), "en") == "14:30"


def test_the_english_pages_show_finnish_dates(client):
    english = make_user(role="staff", locale="en")
    login(client, english)
    assert client.post("/clients/new", data=form_data(start_date="2026-12-07")).status_code == 303
    client_id = db.session.query(Client).one().id
    page = client.get(f"/clients/{client_id}/edit").get_data(as_text=True)
    assert 'value="2026-12-07"' in tag(page, "start_date")  # the picker gets its own format
    shown = client.get(f"/clients/{client_id}").get_data(as_text=True)
    assert "7.12.2026" in shown and "12/7/26" not in shown

