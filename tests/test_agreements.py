"""The contact agreement: drafts, lines backed by consents, activation, versions, flags and the PDF."""
import io
import re
from datetime import timedelta

from pypdf import PdfReader
from sqlalchemy import select

from association_tool.agreements import services as agreement_services
from association_tool.consents import services as consents
from association_tool.extensions import db
from association_tool.models import AuditEvent, FollowUpTask
from association_tool.models.consents import AgreementLine, Consent, ContactAgreement
from association_tool.timeutil import local_today

from .factories import login, make_client, make_user, pair
from .test_consents import add_member, give

TODAY = local_today()


def line_data(member, **overrides):
    data = {"party": f"member:{member.id}", "direction": "both", "when": ["regular", "crisis"],
            "every_weeks": "4", "not_heard_days": "", "how": ["phone", "secure_mail"],
            "shares": ["general", "progress"], "note": "Liisa on nimetty yhteyshenkilö"}
    data.update(overrides)
    return data


def start(client, target):
    response = client.post(f"/clients/{target.id}/agreement/draft")
    assert response.status_code == 303
    return db.session.scalars(select(ContactAgreement).where(
        ContactAgreement.client_id == target.id, ContactAgreement.status == "draft")).one()


def header_data(agreement, **overrides):
    data = {"made_on": TODAY.isoformat(), "review_date": (TODAY + timedelta(days=90)).isoformat(),
            "preferred_channels": ["phone", "text"], "preferred_times": "Arkisin klo 10–14",
            "messages_may_say_topic": "", "preferences_note": "Ei soittoja aamuisin",
            "if_condition_changes": "Otamme yhteyttä sosiaalityöntekijään samana päivänä.",
            "follow_up_together": "Käymme sopimuksen läpi kolmen kuukauden välein.",
            "version": str(agreement.row_version)}
    data.update(overrides)
    return data


def activate(client, target, agreement, signed_on=TODAY):
    db.session.expire_all()
    version = db.session.get(ContactAgreement, agreement.id).row_version
    return client.post(f"/clients/{target.id}/agreement/{agreement.id}/activate",
                       data={"signed_on": signed_on.isoformat(), "version": str(version),
                             "confirmed": "yes"})


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_activation_is_refused_while_a_line_lacks_a_consent_then_allowed(client, staff):
    target = make_client(display_name="Ruusu", responsible_id=staff.id)
    liisa = add_member(target, name="Liisa Linkki", relation="sosiaalityöntekijä", sector="services")
    sister = add_member(target, name="Sisko Sisar")
    give(target, sister, information=["general"])  # covers less than the line shares
    login(client, staff)
    agreement = start(client, target)
    assert client.post(f"/clients/{target.id}/agreement/{agreement.id}/edit",
                       data=header_data(agreement)).status_code == 303
    base = f"/clients/{target.id}/agreement/{agreement.id}"
    assert client.post(f"{base}/lines", data=line_data(liisa)).status_code == 303
    assert client.post(f"{base}/lines", data=line_data(sister, when=["crisis"], every_weeks="",
                                                       shares=["general", "health"])).status_code == 303

    editor = client.get(f"{base}/edit").get_data(as_text=True)
    assert editor.count("line-flag") == 2  # both lines show they lack a consent
    assert "consent-for-line-" in editor   # …with a form to record one right there

    refused = activate(client, target, agreement)
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "Liisa Linkki" in page and "Sisko Sisar" in page
    assert re.search(r"(Rivi|Line) 1", page) and re.search(r"(Rivi|Line) 2", page)
    db.session.expire_all()
    assert db.session.get(ContactAgreement, agreement.id).status == "draft"

    # Record the missing consents from the editor itself.
    for line in db.session.get(ContactAgreement, agreement.id).lines:
        prefix = f"line{line.id}-"
        data = {prefix + k: v for k, v in {
            "kind": "share", "consent_to": f"member:{line.member_id}", "channel": "",
            "information": ["general", "progress"], "purpose": "Yhteydenpito sopimuksen mukaan",
            "form": "written", "matter": "", "given_on": TODAY.isoformat(), "valid_until": "",
            "until_relationship_ends": "y", "wording": "Annan luvan yhteydenpitoon."}.items()}
        if "health" in line.share_list:
            data[prefix + "health"] = "y"
        response = client.post(f"{base}/lines/{line.id}/consent", data=data)
        assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    assert client.get(f"{base}/edit").get_data(as_text=True).count("line-flag") == 0

    assert activate(client, target, agreement).status_code == 303
    db.session.expire_all()
    agreement = db.session.get(ContactAgreement, agreement.id)
    assert agreement.status == "active" and agreement.signed_on == TODAY
    assert all(line.consent_id is not None for line in agreement.lines)
    task = db.session.scalars(select(FollowUpTask).where(FollowUpTask.source == "agreement")).one()
    assert task.due_date == TODAY + timedelta(days=90) and task.owner_id == staff.id
    assert (task.kind, task.title) == ("agreement_review", "")  # read in each reader's language


def test_oral_consent_does_not_back_a_line(client, staff):
    target = make_client()
    sister = add_member(target)
    give(target, sister, form="oral", matter="Yksi puhelu", valid_until=TODAY)
    login(client, staff)
    agreement = start(client, target)
    client.post(f"/clients/{target.id}/agreement/{agreement.id}/lines", data=line_data(sister))
    response = activate(client, target, agreement)
    assert response.status_code == 422
    assert "An oral consent covers one matter only" in response.get_data(as_text=True) or \
        "suullinen" in response.get_data(as_text=True).lower()
    db.session.expire_all()
    line = db.session.scalars(select(AgreementLine)).one()
    check = agreement_services.check_line(target, line, TODAY)
    assert not check.ok and check.reason == "oral"
    # A written consent given next to it backs the line; the oral one still does not.
    written = give(target, sister, given_on=TODAY - timedelta(days=20))
    assert agreement_services.check_line(target, line, TODAY).consent == written
    assert activate(client, target, agreement).status_code == 303


def test_the_line_asks_the_consent_service_what_covers_an_agreement_line(app, monkeypatch):
    """The rule is the consent service's table, not the agreement's own: change it, and the
    agreement follows."""
    make_user(role="staff")
    target = make_client()
    sister = add_member(target)
    oral = give(target, sister, form="oral", matter="Yksi puhelu", valid_until=TODAY)
    line = AgreementLine(member=sister, shares="general")
    assert agreement_services.check_line(target, line, TODAY).reason == "oral"
    monkeypatch.setitem(consents.FORMS_COVERING, consents.AGREEMENT_LINE,
                        frozenset({"written", "electronic", "oral"}))
    assert agreement_services.check_line(target, line, TODAY).consent == oral


def _active_agreement(client, staff, target, member, **line):
    give(target, member, information=["general", "progress"], given_on=TODAY - timedelta(days=30))
    agreement = start(client, target)
    client.post(f"/clients/{target.id}/agreement/{agreement.id}/lines", data=line_data(member, **line))
    assert activate(client, target, agreement).status_code == 303
    return agreement


def test_a_new_version_supersedes_the_old_which_stays_readable(client, staff):
    target = make_client()
    liisa = add_member(target, name="Liisa Linkki", sector="services")
    login(client, staff)
    first = _active_agreement(client, staff, target, liisa, note="Ensimmäinen versio")
    second = start(client, target)
    assert second.version_no == 2 and len(second.lines) == 1  # the draft starts as a copy
    line = second.lines[0]
    client.post(f"/clients/{target.id}/agreement/{second.id}/lines/{line.id}/edit",
                data=line_data(liisa, note="Toinen versio"))
    assert activate(client, target, second).status_code == 303
    db.session.expire_all()
    assert db.session.get(ContactAgreement, first.id).status == "superseded"
    assert db.session.get(ContactAgreement, second.id).status == "active"
    old_page = client.get(f"/clients/{target.id}/agreement/{first.id}").get_data(as_text=True)
    assert "Ensimmäinen versio" in old_page and "Toinen versio" not in old_page
    section = client.get(f"/clients/{target.id}/agreement").get_data(as_text=True)
    assert "Toinen versio" in section and f"/agreement/{first.id}" in section


def test_an_agreement_in_force_cannot_be_changed(client, staff):
    target = make_client()
    liisa = add_member(target, sector="services")
    login(client, staff)
    agreement = _active_agreement(client, staff, target, liisa)
    line = db.session.get(ContactAgreement, agreement.id).lines[0]
    base = f"/clients/{target.id}/agreement/{agreement.id}"
    attempts = [(f"{base}/edit", header_data(agreement, preferences_note="MUUTETTU")),
                (f"{base}/lines", line_data(liisa, note="MUUTETTU")),
                (f"{base}/lines/{line.id}/edit", line_data(liisa, note="MUUTETTU")),
                (f"{base}/lines/{line.id}/remove", {}),
                (f"{base}/discard", {}),
                (f"{base}/activate", {"signed_on": TODAY.isoformat(), "version": "1"})]
    for url, data in attempts:
        assert client.post(url, data=data).status_code == 303, url  # sent back to the read-only view
    db.session.expire_all()
    agreement = db.session.get(ContactAgreement, agreement.id)
    assert agreement.status == "active" and len(agreement.lines) == 1
    assert agreement.lines[0].note != "MUUTETTU" and agreement.preferences_note != "MUUTETTU"


def test_withdrawing_a_consent_flags_the_lines_it_backed(client, staff):
    target = make_client()
    liisa = add_member(target, name="Liisa Linkki", sector="services")
    login(client, staff)
    agreement = _active_agreement(client, staff, target, liisa)
    section = client.get(f"/clients/{target.id}/agreement").get_data(as_text=True)
    assert "line-flag" not in section
    consent = db.session.scalars(select(Consent)).one()
    response = client.post(f"/clients/{target.id}/consents/{consent.id}/withdraw", data={
        "withdrawn_on": TODAY.isoformat(), "how": "phone", "heard_by_id": str(staff.id)},
        follow_redirects=True)
    assert re.search(r"suostumusta: 1\.|1 line", response.get_data(as_text=True))
    section = client.get(f"/clients/{target.id}/agreement").get_data(as_text=True)
    assert "line-flag" in section and "notice-error" in section
    page = client.get(f"/clients/{target.id}/agreement/{agreement.id}").get_data(as_text=True)
    assert "line-flag" in page


def test_bad_line_and_header_input_keeps_the_text(client, staff):
    target = make_client()
    liisa = add_member(target, sector="services")
    other = make_client()
    stranger = add_member(other, name="Vieras")
    login(client, staff)
    agreement = start(client, target)
    base = f"/clients/{target.id}/agreement/{agreement.id}"
    for data in (line_data(liisa, when=[]), line_data(liisa, how=[]), line_data(liisa, every_weeks=""),
                 line_data(liisa, when=["not_heard"], not_heard_days=""), line_data(stranger),
                 line_data(liisa, direction="sideways"), line_data(liisa, every_weeks="-3"),
                 line_data(liisa, party="x")):
        data["note"] = "Tämä muistiinpano säilyy"
        response = client.post(f"{base}/lines", data=data)
        assert response.status_code == 422, data
        assert "Tämä muistiinpano säilyy" in response.get_data(as_text=True)
    response = client.post(f"{base}/edit", data=header_data(
        agreement, review_date=(TODAY - timedelta(days=5)).isoformat(), preferences_note="Säilyvä toive"))
    assert response.status_code == 422 and "Säilyvä toive" in response.get_data(as_text=True)
    stale = client.post(f"{base}/edit", data=header_data(agreement, version="99", preferences_note="Vanha lomake"))
    assert stale.status_code == 422 and "Vanha lomake" in stale.get_data(as_text=True)
    for signed in (TODAY + timedelta(days=1), TODAY - timedelta(days=400)):
        assert activate(client, target, agreement, signed_on=signed).status_code == 422
    assert activate(client, target, agreement).status_code == 422  # no lines yet
    db.session.expire_all()
    assert not db.session.get(ContactAgreement, agreement.id).lines


def test_the_pdf_holds_the_parties_lines_and_consents_and_is_logged(client, staff):
    target = make_client(display_name="Ruusu Ruohonen", language="fi")
    liisa = add_member(target, name="Liisa Linkki", relation="sosiaalityöntekijä", sector="services")
    login(client, staff)
    agreement = _active_agreement(client, staff, target, liisa, note="Soittaa kuukauden välein")
    consent = db.session.scalars(select(Consent)).one()
    response = client.get(f"/clients/{target.id}/agreement/{agreement.id}/pdf?lang=fi")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "yhteydenpitosopimus-" in response.headers["Content-Disposition"]
    text = pdf_text(response.data)
    for expected in ("Ruusu Ruohonen", "Liisa Linkki", "Soittaa kuukauden välein", consent.purpose,
                     "Testiyhdistys ry"):
        assert expected in text, expected
    assert "Yhteydenpitosopimus" in text
    assert len(PdfReader(io.BytesIO(response.data)).pages) <= 2
    swedish = pdf_text(client.get(f"/clients/{target.id}/agreement/{agreement.id}/pdf?lang=sv").data)
    assert "Kontaktavtal" in swedish and "Liisa Linkki" in swedish
    english = pdf_text(client.get(f"/clients/{target.id}/agreement/{agreement.id}/pdf?lang=en").data)
    assert "Contact agreement" in english
    prints = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "print")).all()
    assert len(prints) == 3 and all(p.client_id == target.id for p in prints)


def test_the_pdf_shows_hostile_text_literally(client, staff):
    target = make_client(display_name="<img src=\"file:///etc/passwd\">")
    liisa = add_member(target, name="<link rel=\"attachment\" href=\"file:///etc/passwd\">",
                       sector="services")
    login(client, staff)
    agreement = _active_agreement(client, staff, target, liisa, note="http://127.0.0.1:9/leak")
    response = client.get(f"/clients/{target.id}/agreement/{agreement.id}/pdf")
    assert response.status_code == 200
    text = pdf_text(response.data)
    assert '<img src="file:///etc/passwd">' in text
    assert "root:" not in text
    assert b"/EmbeddedFile" not in response.data


def test_peers_see_the_agreement_but_no_consents_and_cannot_change_or_print_it(client, staff, peer):
    target = make_client()
    liisa = add_member(target, name="Liisa Linkki", sector="services")
    login(client, staff)
    agreement = _active_agreement(client, staff, target, liisa)
    client.post("/logout")
    pair(peer, target, sections=("goals", "agreement"))
    login(client, peer)
    for headers in ({}, {"HX-Request": "true"}):
        section = client.get(f"/clients/{target.id}/agreement", headers=headers)
        body = section.get_data(as_text=True)
        assert section.status_code == 200 and "Liisa Linkki" in body
        assert "line-ok" not in body and "/consents" not in body
        page = client.get(f"/clients/{target.id}/agreement/{agreement.id}", headers=headers).get_data(as_text=True)
        assert "Liisa Linkki" in page and "line-ok" not in page and "/consents" not in page
    base = f"/clients/{target.id}/agreement/{agreement.id}"
    assert client.get(f"{base}/pdf").status_code in (403, 404)
    assert client.post(f"/clients/{target.id}/agreement/draft").status_code in (403, 404)
    assert client.get(f"{base}/edit").status_code in (403, 404)
    assert db.session.query(ContactAgreement).count() == 1
    # Without the section, nothing at all.
    other_peer = make_user(role="peer")
    pair(other_peer, target, sections=("goals",))
    client.post("/logout")
    login(client, other_peer)
    assert client.get(f"/clients/{target.id}/agreement").status_code == 404
    assert client.get(f"{base}").status_code == 404


def test_agreement_ids_of_another_client_are_not_found(client, staff):
    target, other = make_client(), make_client()
    login(client, staff)
    foreign = start(client, other)
    for suffix in ("", "/edit", "/pdf"):
        assert client.get(f"/clients/{target.id}/agreement/{foreign.id}{suffix}").status_code == 404
    assert client.post(f"/clients/{target.id}/agreement/{foreign.id}/discard").status_code == 404
    assert db.session.get(ContactAgreement, foreign.id) is not None


def ticked_channels(page: str) -> set[str]:
    return set(re.findall(r'<input checked id="[\w-]+" name="preferred_channels" type="checkbox" '
                          r'value="(\w+)">', page))


def test_the_editor_shows_the_clients_contact_wishes_as_saved(client, staff):
    """A draft (or a new version) opens with the channels ticked; saving it keeps them."""
    target = make_client()
    login(client, staff)
    draft = start(client, target)
    url = f"/clients/{target.id}/agreement/{draft.id}/edit"
    assert client.post(url, data=header_data(draft)).status_code == 303
    assert ticked_channels(client.get(url).get_data(as_text=True)) == {"phone", "text"}
    # A new version of the agreement in force starts from its wishes, shown ticked as well.
    db.session.expire_all()
    draft = db.session.get(ContactAgreement, draft.id)
    draft.status = "active"
    db.session.commit()
    newer = start(client, target)
    assert newer.id != draft.id and newer.preferred_channels == "phone,text"
    page = client.get(f"/clients/{target.id}/agreement/{newer.id}/edit").get_data(as_text=True)
    assert ticked_channels(page) == {"phone", "text"}
