"""The client's voice: the kiosk and partner forms without sign-in (revealing nothing, rate
limited, switched by staff), paper answers typed in, and the quality self-assessment."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from association_tool.extensions import db
from association_tool.feedback import services
from association_tool.models import AuditEvent
from association_tool.models.feedback import Feedback, PartnerLink, QualityCriterion
from association_tool.timeutil import local_today
from tests.factories import make_client


def _switch(kiosk=True, partner_links=True):
    services.set_switches(kiosk=kiosk, partner_links=partner_links)
    db.session.commit()


def test_the_kiosk_is_closed_until_staff_switch_it_on(client, admin):
    response = client.get("/palaute?lang=en")
    assert response.status_code == 404
    assert "not being collected" in response.get_data(as_text=True)
    assert client.post("/palaute", data={"first": "5"}).status_code == 404
    assert db.session.scalar(select(func.count(Feedback.id))) == 0


def test_a_client_answers_on_the_kiosk_without_signing_in(client, admin):
    _switch()
    make_client(display_name="Ruusu Ranta")
    page = client.get("/palaute?lang=en").get_data(as_text=True)
    assert "Did you get help?" in page and "Ruusu" not in page and admin.name not in page
    assert "Sign out" not in page  # no navigation, no user
    response = client.post("/palaute?lang=en", data={"first": "4", "second": "5",
                                                     "words": "Kiitos kahvista."})
    assert response.status_code == 200 and "Thank you" in response.get_data(as_text=True)
    answer = db.session.scalars(select(Feedback)).one()
    assert (answer.source, answer.first, answer.second, answer.words, answer.client_id,
            answer.entered_by_id, answer.language) == ("kiosk", 4, 5, "Kiitos kahvista.", None,
                                                       None, "en")
    assert answer.received_on == local_today()


def test_bad_kiosk_input_comes_back_with_the_text_kept(client, admin):
    _switch()
    long = "sana " * 300
    response = client.post("/palaute?lang=en", data={"first": "9", "words": long})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Choose one of the faces." in page and "At most 1000 characters" in page
    assert long.strip() in page  # the typed text is kept
    empty = client.post("/palaute?lang=en", data={})
    assert empty.status_code == 422 and "Answer at least one question." in empty.get_data(as_text=True)
    html = client.post("/palaute?lang=en", data={"words": "<script>alert(1)</script>"})
    assert html.status_code == 200
    assert db.session.scalars(select(Feedback.words)).one() == "<script>alert(1)</script>"
    assert "<script>alert(1)" not in client.get("/palaute?lang=en").get_data(as_text=True)


def test_the_kiosk_is_rate_limited_per_sender(client, admin, monkeypatch):
    from association_tool.feedback import routes

    _switch()
    monkeypatch.setattr(routes, "KIOSK_LIMIT", (3, timedelta(hours=1)))
    statuses = [client.post("/palaute", data={"first": "3"}).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
    assert db.session.scalar(select(func.count(Feedback.id))) == 3
    other = client.post("/palaute", data={"first": "3"}, environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other.status_code == 200
    from association_tool.models.feedback import PublicSubmission
    keys = db.session.scalars(select(PublicSubmission.key)).all()
    assert all("127.0.0.1" not in k and "10.0.0.9" not in k for k in keys)


@pytest.mark.csrf
def test_the_kiosk_needs_the_forms_token(client, admin):
    _switch()
    assert client.post("/palaute", data={"first": "5"}).status_code == 400
    assert db.session.scalar(select(func.count(Feedback.id))) == 0


def test_a_partner_link_works_once_and_names_no_client(client, auth, staff):
    _switch()
    auth.login(staff)
    page = client.post("/feedback/partner-links", data={"label": "Sosiaalitoimi"})
    link = re.search(r'value="(http://localhost/palaute/kumppani/[^"]+)"', page.get_data(as_text=True))
    assert link, "the link is shown once"
    path = link.group(1).replace("http://localhost", "")
    assert db.session.scalars(select(PartnerLink.token_hash)).one() not in path
    auth.logout()
    form = client.get(path + "?lang=en").get_data(as_text=True)
    assert "How did the cooperation go?" in form
    assert client.post(path, data={"first": "4", "words": "Hyvää yhteistyötä"}).status_code == 200
    answer = db.session.scalars(select(Feedback)).one()
    assert (answer.kind, answer.source, answer.client_id) == ("partner", "partner_link", None)
    assert client.get(path).status_code == 404  # used
    assert client.post(path, data={"first": "1"}).status_code == 404
    assert client.get("/palaute/kumppani/guessed-token").status_code == 404


def test_an_expired_link_or_links_switched_off_are_refused(client, auth, staff):
    _switch()
    link, token = services.create_partner_link("x", staff.id)
    link.expires_on = local_today() - timedelta(days=1)
    db.session.commit()
    assert client.get(f"/palaute/kumppani/{token}").status_code == 404
    link2, token2 = services.create_partner_link("y", staff.id)
    db.session.commit()
    assert client.get(f"/palaute/kumppani/{token2}").status_code == 200
    _switch(partner_links=False)
    assert client.get(f"/palaute/kumppani/{token2}").status_code == 404


def test_staff_type_in_a_paper_answer_linked_to_a_client_at_their_wish(client, auth, staff):
    person = make_client(display_name="Ruusu Ranta")
    auth.login(staff)
    response = client.post(f"/feedback/new?client_id={person.id}", data={
        "source": "ending", "received_on": local_today().isoformat(), "language": "fi",
        "first": "5", "second": "4", "words": "Sain apua asumiseen.", "client_id": person.id})
    assert response.status_code == 303
    answer = db.session.scalars(select(Feedback)).one()
    assert (answer.client_id, answer.source, answer.entered_by_id) == (person.id, "ending", staff.id)
    entry = db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "feedback")).one()
    assert entry.client_id == person.id
    goals = client.get(f"/clients/{person.id}/goals").get_data(as_text=True)
    assert "Sain apua asumiseen." in goals


def test_a_bad_paper_answer_keeps_what_was_typed(client, auth, staff):
    auth.login(staff)
    response = client.post("/feedback/new", data={
        "source": "somewhere", "received_on": "2099-01-01", "language": "fi",
        "first": "5", "words": "Tärkeä palaute"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Tärkeä palaute" in page
    assert re.search(r'<input checked[^>]*name="first"[^>]*value="5"', page)


def test_peers_see_no_feedback_and_cannot_type_any(client, auth, peer):
    auth.login(peer)
    for url in ("/feedback", "/feedback/new", "/quality", "/quality/new",
                "/feedback/paper-form.pdf"):
        assert client.get(url).status_code == 403, url
    assert client.post("/feedback/switches", data={"kiosk": "y"}).status_code == 403


def test_an_answer_for_a_missing_client_is_a_404_and_saves_nothing(client, auth, staff):
    auth.login(staff)
    response = client.post("/feedback/new?client_id=999999", data={
        "source": "paper", "received_on": local_today().isoformat(), "language": "fi",
        "first": "3"})
    assert response.status_code == 404
    assert db.session.scalar(select(func.count(Feedback.id))) == 0


def test_the_quality_self_assessment_keeps_old_wordings(client, auth, admin):
    auth.login(admin)
    page = client.get("/quality/new")
    assert page.status_code == 200
    criteria = db.session.scalars(select(QualityCriterion).order_by(QualityCriterion.id)).all()
    assert len(criteria) == 12 and {c.dimension for c in criteria} == {
        "encounter", "competence", "cooperation", "evaluation"}
    data = {"period_start": "2026-01-01", "period_end": "2026-06-30", "team": "team"}
    for c in criteria:
        data[f"score-{c.id}"] = "4" if c.dimension == "encounter" else "2"
    data[f"note-{criteria[0].id}"] = "Hyvä kohtaaminen"
    bad = dict(data, **{f"score-{criteria[1].id}": "7"})
    response = client.post("/quality/new", data=bad)
    assert response.status_code == 422
    assert "Hyvä kohtaaminen" in response.get_data(as_text=True)
    assert client.post("/quality/new", data=data).status_code == 303
    old_text = criteria[0].text
    unchanged = client.get(f"/quality/criteria/{criteria[0].id}").get_data(as_text=True)
    assert old_text in unchanged
    assert client.post(f"/quality/criteria/{criteria[0].id}",
                       data={"text": old_text}).status_code == 303  # saved unchanged: no version
    assert db.session.scalar(select(func.count(QualityCriterion.id))) == 12
    assert client.post(f"/quality/criteria/{criteria[0].id}",
                       data={"text": "Uusi sanamuoto"}).status_code == 303
    db.session.expire_all()
    assert db.session.get(QualityCriterion, criteria[0].id).text == old_text
    assert not db.session.get(QualityCriterion, criteria[0].id).active
    overview = client.get("/quality").get_data(as_text=True)
    assert "Uusi sanamuoto" in overview and "4,0" in overview or "4.0" in overview
    averages = services.dimension_averages()
    assert averages[0][1] == {"encounter": 4.0, "competence": 2.0, "cooperation": 2.0,
                              "evaluation": 2.0}


def test_the_paper_form_prints(client, auth, staff):
    auth.login(staff)
    response = client.get("/feedback/paper-form.pdf?lang=sv")
    assert response.status_code == 200 and response.data[:4] == b"%PDF"


def _pdf_text(data: bytes) -> str:
    import io

    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.mark.parametrize("lang, heading", [("fi", "Minun suunnitelmani"),
                                           ("sv", "Min plan"), ("en", "My plan")])
def test_the_clients_plan_holds_their_goals_and_contacts_and_nothing_staff_only(
        client, auth, staff, lang, heading):
    from association_tool.goals import services as goals

    staff.phone, staff.phone_on_documents = "040 111 2222", True
    person = make_client(display_name="Ruusu Ranta", responsible_id=staff.id,
                         staff_notes="SALAINEN TYÖNTEKIJÄN HUOMIO")
    goals.create_goal(person, text="Haluan oman asunnon", means="Haetaan yhdessä",
                      life_area="housing", created_by_id=staff.id)
    services.record_wellbeing(person.id, local_today() - timedelta(days=60), {"housing": 3},
                              review_id=None, author_id=staff.id)
    services.record_wellbeing(person.id, local_today(), {"housing": 7}, review_id=None,
                              author_id=staff.id)
    db.session.commit()
    auth.login(staff)
    response = client.get(f"/clients/{person.id}/my-plan.pdf?lang={lang}")
    assert response.status_code == 200
    text = _pdf_text(response.data)
    assert heading in text
    assert "Haluan oman asunnon" in text and "Haetaan yhdessä" in text
    assert "040 111 2222" in text and staff.name in text
    assert ": 7" in text and ": 3" in text  # the client's own wellbeing, now and at first
    assert "SALAINEN" not in text
    entry = db.session.scalars(select(AuditEvent).where(
        AuditEvent.object_type == "client_plan")).one()
    assert (entry.action, entry.client_id) == ("print", person.id)


def test_wellbeing_rated_at_a_review_shows_as_a_chart_with_its_numbers(client, auth, staff):
    from association_tool.goals import services as goals

    person = make_client(display_name="Ruusu Ranta", responsible_id=staff.id)
    goal = goals.create_goal(person, text="Arki sujuu", created_by_id=staff.id)
    db.session.commit()
    auth.login(staff)
    # The review form, with the wellbeing scales, comes when "Record a review" is opened.
    form = client.get(f"/clients/{person.id}/goals/{goal.id}/review",
                      headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'name="wellbeing_housing"' in form
    base = {"on": (local_today() - timedelta(days=30)).isoformat(), "sufficient": "yes",
            "matched_needs": "yes", "matched_expectations": "partly", "matched_goals": "yes"}
    bad = client.post(f"/clients/{person.id}/goals/{goal.id}/review",
                      data=dict(base, wellbeing_housing="11", client_comment="Hyvä päivä"))
    assert bad.status_code == 422
    assert "Choose a number from 0 to 10" in bad.get_data(as_text=True) or \
        "0–10" in bad.get_data(as_text=True)
    assert "Hyvä päivä" in bad.get_data(as_text=True)
    assert client.post(f"/clients/{person.id}/goals/{goal.id}/review",
                       data=dict(base, wellbeing_housing="3", wellbeing_money="5")).status_code in (200, 303)
    later = dict(base, on=local_today().isoformat(), wellbeing_housing="6")
    assert client.post(f"/clients/{person.id}/goals/{goal.id}/review",
                       data=later).status_code in (200, 303)
    series = {s.area: [score for _on, score in s.points]
              for s in services.wellbeing_series(person.id)}
    assert series == {"housing": [3, 6], "money": [5]}
    page = client.get(f"/clients/{person.id}/goals").get_data(as_text=True)
    assert "<svg" in page and "<table>" in page and ": 3; " in page


def test_a_client_who_declines_to_rate_leaves_no_rating(client, auth, staff):
    from association_tool.goals import services as goals

    person = make_client(display_name="Ruusu Ranta", responsible_id=staff.id)
    goal = goals.create_goal(person, text="Arki sujuu", created_by_id=staff.id)
    db.session.commit()
    auth.login(staff)
    response = client.post(f"/clients/{person.id}/goals/{goal.id}/review", data={
        "on": local_today().isoformat(), "sufficient": "yes", "matched_needs": "yes",
        "matched_expectations": "yes", "matched_goals": "yes"})
    assert response.status_code in (200, 303)
    assert services.wellbeing_series(person.id) == []


def test_feedback_shows_in_the_statistics_with_small_cells_hidden(app, admin):
    from datetime import date

    from association_tool.stats import figures

    day = date(2025, 3, 4)
    for _ in range(6):
        services.record_feedback(source="kiosk", first=5, second=4, words="Hyvä", language="fi",
                                 received_on=day)
    for _ in range(2):
        services.record_feedback(source="paper", first=2, second=None, words=None,
                                 language="fi", received_on=day)
    services.record_feedback(kind="partner", source="partner_link", first=4, second=None,
                             words=None, language="fi", received_on=day)
    services.record_feedback(source="kiosk", first=1, second=1, words=None, language="fi",
                             received_on=date(2024, 12, 31))  # outside the period
    db.session.commit()
    year = figures.Period(date(2025, 1, 1), date(2025, 12, 31))
    counts = figures.count_figures(year)
    assert counts["feedback_source"] == {"kiosk": 6, "paper": 2}
    assert counts["feedback_help"] == {"5": 6, "2": 2}
    assert counts["feedback_treated"] == {"4": 6}
    assert counts["partner_cooperation"] == {"4": 1}
    report = figures.build_report(counts, year, 5)
    sources = {row.key: row.text for row in report.table("feedback_source").rows}
    assert sources["kiosk"] == "×" and sources["paper"] == "<5"  # 8 − 6 would give the 2 away
    assert report.table("feedback_source").total.text == "8"
    partner = {row.key: row.text for row in report.table("partner_cooperation").rows}
    assert partner["4"] == "<5"
    # with a funded activity chosen, feedback (which names none) is not counted
    filtered = figures.count_figures(figures.Period(year.start, year.end, activity_id=1))
    assert filtered["feedback_source"] == {}


@pytest.mark.parametrize("linked", [False, True])
def test_the_clients_own_answer_at_the_ending_is_saved_as_feedback(client, auth, staff, linked):
    from association_tool.models import ClientEnding

    person = make_client(display_name="Ruusu Ranta", responsible_id=staff.id)
    auth.login(staff)
    data = {"end_date": local_today().isoformat(), "reason": "goals_reached",
            "continuation_plan": "Käy torstairyhmässä", "client_got_help": "4",
            "client_words": "Olisin halunnut tavata useammin."}
    if linked:
        data["client_feedback_linked"] = "y"
    response = client.post(f"/clients/{person.id}/ending", data=data)
    assert response.status_code in (200, 303)
    assert db.session.scalars(select(ClientEnding)).one()
    answer = db.session.scalars(select(Feedback)).one()
    assert (answer.source, answer.first, answer.words) == ("ending", 4,
                                                           "Olisin halunnut tavata useammin.")
    assert answer.client_id == (person.id if linked else None)


def test_an_ending_without_the_clients_answer_makes_no_feedback(client, auth, staff):
    person = make_client(display_name="Ruusu Ranta", responsible_id=staff.id)
    auth.login(staff)
    response = client.post(f"/clients/{person.id}/ending", data={
        "end_date": local_today().isoformat(), "reason": "goals_reached"})
    assert response.status_code in (200, 303)
    assert db.session.scalar(select(func.count(Feedback.id))) == 0
    bad = make_client(display_name="Toinen")
    response = client.post(f"/clients/{bad.id}/ending", data={
        "end_date": local_today().isoformat(), "reason": "goals_reached",
        "client_got_help": "9", "client_words": "Sanat talteen"})
    assert response.status_code == 422 and "Sanat talteen" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Feedback.id))) == 0


def test_swedish_pages_write_short_dates_the_finnish_way(app):
    from datetime import date

    from flask_babel import force_locale

    from association_tool.i18n import date_filter

    with app.test_request_context():
        with force_locale("sv"):
            assert date_filter(date(2026, 12, 7)) == "7.12.2026"
            assert date_filter(date(2026, 12, 7), "full") == "måndag 7 december 2026"
        with force_locale("fi"):
            assert date_filter(date(2026, 12, 7)) == "7.12.2026"


def test_referrals_and_their_follow_ups_show_in_the_statistics(app, staff):
    from datetime import date

    from association_tool.models.referrals import Referral, ReferralFollowUp
    from association_tool.stats import figures

    person = make_client(display_name="Ruusu Ranta")
    day = date(2025, 5, 6)
    for state in ("accepted",) * 6 + ("declined",):
        referral = Referral(client_id=person.id, direction="out", target_kind="public_service",
                            party_label="Sosiaalitoimi", reason="Asunto", sent_on=day,
                            state=state, state_on=day, created_by_id=staff.id)
        db.session.add(referral)
        db.session.flush()
        db.session.add(ReferralFollowUp(referral_id=referral.id, answered_on=day,
                                        got_service="yes", next_step="continue",
                                        recorded_by_id=staff.id))
    db.session.commit()
    year = figures.Period(date(2025, 1, 1), date(2025, 12, 31))
    counts = figures.count_figures(year)
    assert counts["referral_state"] == {"accepted": 6, "declined": 1}
    assert counts["referral_got_service"] == {"yes": 7}
    report = figures.build_report(counts, year, 5)
    shown = {row.key: row.text for row in report.table("referral_state").rows}
    assert shown["declined"] == "<5" and shown["accepted"] == "×"


def test_the_statistics_page_shows_the_quality_self_assessment_of_the_period(client, auth, admin):
    from datetime import date

    criteria = services.criteria()
    services.record_assessment(start=date(2025, 1, 1), end=date(2025, 6, 30), team=True,
                               author_id=admin.id,
                               scores={c.id: (4 if c.dimension == "encounter" else 2, None)
                                       for c in criteria})
    db.session.commit()
    assert services.dimension_averages_between(date(2025, 1, 1), date(2025, 12, 31))[
        "encounter"] == (4.0, 1)
    assert services.dimension_averages_between(date(2026, 1, 1), date(2026, 12, 31)) == {}
    auth.login(admin)
    page = client.get("/stats?start=2025-01-01&end=2025-12-31").get_data(as_text=True)
    assert 'id="section-quality"' in page and ("4,0" in page or "4.0" in page)
