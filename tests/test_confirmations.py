"""Irreversible steps ask once more: putting a contact agreement into force, approving minutes."""
import re
from datetime import timedelta

from association_tool.extensions import db
from association_tool.models import FollowUpTask
from association_tool.models.consents import ContactAgreement
from association_tool.models.meetings import NetworkMeeting

from .factories import login, make_client
from .test_agreements import TODAY, header_data, line_data, start
from .test_consents import add_member, give
from .test_meetings import action, newest_meeting, plan, record


def ready_agreement(client, staff):
    target = make_client(display_name="Ruusu", responsible_id=staff.id)
    liisa = add_member(target, name="Liisa Linkki", relation="sosiaalityöntekijä", sector="services")
    give(target, liisa, information=["general", "progress"])
    login(client, staff)
    agreement = start(client, target)
    base = f"/clients/{target.id}/agreement/{agreement.id}"
    assert client.post(f"{base}/edit", data=header_data(agreement)).status_code == 303
    assert client.post(f"{base}/lines", data=line_data(liisa)).status_code == 303
    return target, agreement, base


def status_of(agreement) -> str:
    db.session.expire_all()
    return db.session.get(ContactAgreement, agreement.id).status


def version_of(agreement) -> str:
    db.session.expire_all()
    return str(db.session.get(ContactAgreement, agreement.id).row_version)


def test_the_signing_date_is_not_filled_in_for_the_user(client, staff):
    _target, _agreement, base = ready_agreement(client, staff)
    page = client.get(f"{base}/edit").get_data(as_text=True)
    signed = re.search(r'<input[^>]*name="signed_on"[^>]*>', page).group(0)
    assert 'value=""' in signed or "value=" not in signed
    # Without a date nothing happens and the user is told what is missing.
    response = client.post(f"{base}/activate", data={"signed_on": "", "version": "1"})
    assert response.status_code == 422
    assert 'id="signed_on-error"' in response.get_data(as_text=True)


def test_putting_into_force_asks_once_more_and_only_yes_does_it(client, staff):
    target, agreement, base = ready_agreement(client, staff)
    signed = TODAY.isoformat()
    asked = client.post(f"{base}/activate", data={"signed_on": signed,
                                                   "version": version_of(agreement)})
    assert asked.status_code == 200
    page = asked.get_data(as_text=True)
    panel = page[page.index('id="confirm-activate"'):]
    panel = panel[:panel.index("</section>")]
    assert 'autofocus' in panel and 'name="confirmed" value="yes"' in panel
    assert f'name="signed_on" value="{signed}"' in panel
    assert f"/clients/{target.id}/agreement/{agreement.id}/edit" in panel  # Cancel goes back
    assert status_of(agreement) == "draft"  # asking changed nothing

    done = client.post(f"{base}/activate", data={"signed_on": signed, "confirmed": "yes",
                                                  "version": version_of(agreement)})
    assert done.status_code == 303 and status_of(agreement) == "active"
    db.session.expire_all()
    assert db.session.get(ContactAgreement, agreement.id).signed_on.isoformat() == signed


def test_a_refused_activation_is_not_asked_about(client, staff):
    _target, agreement, base = ready_agreement(client, staff)
    future = (TODAY + timedelta(days=2)).isoformat()
    response = client.post(f"{base}/activate", data={"signed_on": future,
                                                      "version": version_of(agreement)})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "confirm-activate" not in page and 'id="signed_on-error"' in page
    stale = client.post(f"{base}/activate", data={"signed_on": TODAY.isoformat(), "version": "99"})
    assert stale.status_code == 409 and "confirm-activate" not in stale.get_data(as_text=True)
    assert status_of(agreement) == "draft"


def test_approving_the_minutes_asks_once_more(client, staff):
    ruusu = make_client(display_name="Ruusu", responsible_id=staff.id)
    login(client, staff)
    meeting = plan(client, ruusu, meeting_date=TODAY.isoformat())
    assert record(client, meeting, actions=[action(owner_party="Kela")]).status_code == 303
    meeting = newest_meeting()
    url = f"/clients/{ruusu.id}/meetings/{meeting.id}/approve"
    asked = client.post(url, data={"version": str(meeting.version)})
    assert asked.status_code == 200
    page = asked.get_data(as_text=True)
    panel = page[page.index('id="confirm-approve"'):]
    assert 'name="confirmed" value="yes"' in panel and "autofocus" in panel
    db.session.rollback()
    assert db.session.get(NetworkMeeting, meeting.id).status == "recorded"
    assert not db.session.query(FollowUpTask).filter_by(source="meeting").count()

    done = client.post(url, data={"version": str(meeting.version), "confirmed": "yes"})
    assert done.status_code == 303
    db.session.rollback()
    assert db.session.get(NetworkMeeting, meeting.id).approved
    assert db.session.query(FollowUpTask).filter_by(source="meeting", title="Haetaan asumistukea").count() == 1


def test_minutes_not_written_are_refused_without_asking(client, staff):
    ruusu = make_client(display_name="Ruusu", responsible_id=staff.id)
    login(client, staff)
    meeting = plan(client, ruusu)
    response = client.post(f"/clients/{ruusu.id}/meetings/{meeting.id}/approve",
                           data={"version": str(meeting.version)})
    assert response.status_code == 422 and "confirm-approve" not in response.get_data(as_text=True)


def test_each_step_says_it_was_done_once_on_the_page_it_leads_to(client, staff):
    target, agreement, base = ready_agreement(client, staff)
    liisa = add_member(target, name="Sisko Sari")
    give(target, liisa, information=["general", "progress"])
    client.get(f"{base}/edit")  # the messages of the steps before are shown and gone
    added = client.post(f"{base}/lines", data=line_data(liisa), follow_redirects=True)
    page = added.get_data(as_text=True)
    assert added.request.path == f"{base}/edit"
    assert page.count('notice notice-success') == 1
    # The message was shown: the next page has none.
    assert client.get(f"{base}/edit").get_data(as_text=True).count('notice notice-success') == 0
    done = client.post(f"{base}/activate", data={"signed_on": TODAY.isoformat(), "confirmed": "yes",
                                                  "version": version_of(agreement)},
                       follow_redirects=True)
    assert done.get_data(as_text=True).count('notice notice-success') == 1
