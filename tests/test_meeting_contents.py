"""The staff member chooses what the printed minutes contain; a left-out party links to a consent."""
from __future__ import annotations

import html
import re

from association_tool.extensions import db
from association_tool.meetings import services
from association_tool.models.meetings import NetworkMeeting

from .factories import login, make_client
from .test_meeting_pdf import consent, flat, in_lang, print_pdf
from .test_meetings import TODAY, action, add_member, approve, minutes_data, newest_meeting, plan
from .test_pdf_engine import text_of

ALL = ["opening", "discussion", "plan", "feedback"]


def recorded(http, ruusu, members=(), **overrides):
    meeting = plan(http, ruusu, members)
    response = http.post(f"/clients/{ruusu.id}/meetings/{meeting.id}/record",
                         data=minutes_data(meeting, actions=[action(owner_party="Kela")],
                                           **overrides))
    return response, newest_meeting()


def test_the_minutes_contain_everything_unless_chosen_otherwise(client, staff):
    ruusu = make_client(display_name="Ruusu", responsible_id=staff.id)
    login(client, staff)
    meeting = plan(client, ruusu)
    form = client.get(f"/clients/{ruusu.id}/meetings/{meeting.id}/record").get_data(as_text=True)
    for part in ALL:  # every part ticked when the minutes are first written
        assert _ticked(form, part), part
    response, meeting = recorded(client, ruusu)
    assert response.status_code == 303
    assert meeting.contents is None and meeting.content_list == ALL
    assert services.minutes_scopes(meeting) == ("general", "progress")


def _ticked(page: str, value: str) -> bool:
    tag = re.search(rf'<input[^>]*value="{value}"[^>]*>', page)
    return bool(tag and "checked" in tag.group(0))


def test_leaving_out_the_plan_lets_a_general_consent_receive_the_minutes(client, staff):
    ruusu = make_client(display_name="Ruusu", responsible_id=staff.id)
    sister = add_member(ruusu, "Sisko Sari")
    consent(ruusu, sister, staff, information=("general",))
    login(client, staff)
    response, meeting = recorded(client, ruusu, [sister])
    listed, left_out = services.distribution(meeting, TODAY)
    assert [l.name for l in left_out] == ["Sisko Sari"] and left_out[0].reason == "scope"
    page = client.get(f"/clients/{ruusu.id}/meetings/{meeting.id}").get_data(as_text=True)
    assert f'href="/clients/{ruusu.id}/consents"' in page  # the reason links to recording a consent
    assert "Sisko Sari" in html.unescape(page)

    response = client.post(f"/clients/{ruusu.id}/meetings/{meeting.id}/record",
                           data=minutes_data(meeting, contents=["opening", "discussion", "feedback"]))
    assert response.status_code == 303
    meeting = newest_meeting()
    assert meeting.contents == "opening,discussion,feedback"
    assert services.minutes_scopes(meeting) == ("general",)
    listed, left_out = services.distribution(meeting, TODAY)
    assert "Sisko Sari" in [r.name for r in listed] and not left_out
    # Opening the form again shows the choice as saved.
    form = client.get(f"/clients/{ruusu.id}/meetings/{meeting.id}/record").get_data(as_text=True)
    assert _ticked(form, "opening") and not _ticked(form, "plan")


def test_the_print_leaves_out_what_was_not_chosen(client, staff):
    ruusu = make_client(display_name="Ruusu", responsible_id=staff.id)
    login(client, staff)
    response, meeting = recorded(client, ruusu, contents=["opening", "plan"])
    assert response.status_code == 303
    assert approve(client, meeting).status_code == 303
    meeting = newest_meeting()
    text = flat(text_of(print_pdf(client, meeting).data))
    assert flat(in_lang("fi", "Opening the meeting")) in text
    assert flat(in_lang("fi", "Agreed actions")) in text
    assert flat(in_lang("fi", "Discussing matters")) not in text
    assert flat("Palaveri tuntui turvalliselta.") not in text  # the feedback round stays out
    assert flat("Minua huolettaa vuokrarästi") not in text


def test_choosing_nothing_is_refused_and_the_text_kept(client, staff):
    ruusu = make_client(display_name="Ruusu", responsible_id=staff.id)
    login(client, staff)
    meeting = plan(client, ruusu)
    data = minutes_data(meeting, why_gathered="Oma teksti jää talteen")
    del data["contents"]
    response = client.post(f"/clients/{ruusu.id}/meetings/{meeting.id}/record", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="contents-error"' in page and "Oma teksti jää talteen" in page
    db.session.rollback()
    assert db.session.get(NetworkMeeting, meeting.id).status == "planned"
    # Something that is not a part of the minutes is refused, not stored.
    data["contents"] = ["opening", "secrets"]
    assert client.post(f"/clients/{ruusu.id}/meetings/{meeting.id}/record",
                       data=data).status_code == 422


def test_each_participant_has_their_own_words_in_the_feedback_round(client, staff):
    """The feedback round is recorded per participant, shown on the meeting and printed."""
    from association_tool.models.meetings import MeetingParticipant

    ruusu = make_client(display_name="Ruusu", responsible_id=staff.id)
    login(client, staff)
    response, meeting = recorded(client, ruusu, extra_people=[{
        "name": "Liisa Linkki", "presence": "present",
        "feedback": "Hyvä, että kuultiin kaikkia."}])
    assert response.status_code == 303
    first = meeting.participants[0]
    assert db.session.get(MeetingParticipant, first.id).feedback == "Hyvä, että kuultiin kaikkia."
    page = client.get(f"/clients/{ruusu.id}/meetings/{meeting.id}").get_data(as_text=True)
    assert "Hyvä, että kuultiin kaikkia." in html.unescape(page)
    form = client.get(f"/clients/{ruusu.id}/meetings/{meeting.id}/record").get_data(as_text=True)
    assert "Hyvä, että kuultiin kaikkia." in html.unescape(form)  # kept when the form is opened
    assert approve(client, meeting).status_code == 303
    text = flat(text_of(print_pdf(client, newest_meeting()).data))
    assert flat("Hyvä, että kuultiin kaikkia.") in text
    assert flat(first.name) in text
