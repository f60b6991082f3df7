"""The client's goals: staff add and change them; whoever may see them notes progress and reviews."""
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, text

from association_tool.extensions import db
from association_tool.goals import routes as goal_routes
from association_tool.goals import services as goals
from association_tool.models import AuditEvent, Goal, GoalProgress, GoalReview
from association_tool.timeutil import local_today

from .factories import login, make_client, pair

HX = {"HX-Request": "true"}
GOAL_TEXT = "Haluan oppia hoitamaan laskuni itse"


def make_goal(client_record, text=GOAL_TEXT, **fields):
    """Create and commit a goal for a client."""
    goal = goals.create_goal(client_record, text=text, **fields)
    db.session.commit()
    return goal


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def events(action=None, object_type=None, client_id=None):
    query = select(AuditEvent)
    if action:
        query = query.where(AuditEvent.action == action)
    if object_type:
        query = query.where(AuditEvent.object_type == object_type)
    if client_id:
        query = query.where(AuditEvent.client_id == client_id)
    return db.session.scalars(query.order_by(AuditEvent.id)).all()


def goal_data(**overrides):
    data = {"text": GOAL_TEXT, "term": "short", "life_area": "money",
            "means": "Käydään laskut läpi yhdessä kerran viikossa", "target_date": "2026-06-30",
            "review_date": "2026-03-31"}
    data.update(overrides)
    return data


def edit_data(goal, **overrides):
    data = goal_data(status=goal.status, version=str(goal.version))
    data.update(overrides)
    return data


def review_data(**overrides):
    data = {"on": local_today().isoformat(), "sufficient": "yes", "matched_needs": "partly",
            "matched_expectations": "no", "matched_goals": "yes",
            "client_comment": "Tuki auttoi, mutta kaipaan lisää aikaa",
            "next_review_date": (local_today() + timedelta(days=30)).isoformat()}
    data.update(overrides)
    return data


@pytest.fixture
def asiakas(staff):
    """A client of the association."""
    return make_client(display_name="Ruusu", responsible_id=staff.id)


# --- viewing ------------------------------------------------------------------------------------

def test_staff_sees_the_goals_section_with_a_form_to_add(client, staff, asiakas):
    login(client, staff)
    response = client.get(f"/clients/{asiakas.id}/goals")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="section-goals"' in html and "<html" in html
    assert f'action="/clients/{asiakas.id}/goals"' in html
    views = events("view", "goals", asiakas.id)
    assert len(views) == 1 and views[0].user_id == staff.id


def test_htmx_gets_the_section_alone(client, staff, asiakas):
    make_goal(asiakas)
    login(client, staff)
    response = client.get(f"/clients/{asiakas.id}/goals", headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.lstrip().startswith("<section") and "<html" not in html
    assert GOAL_TEXT in html


def test_current_goals_come_first_and_overdue_reviews_stand_out(client, staff, asiakas):
    yesterday = local_today() - timedelta(days=1)
    make_goal(asiakas, text="Saavutettu tavoite", status="achieved")
    make_goal(asiakas, text="Avoin tavoite", review_date=yesterday, life_area="housing",
              means="Soitetaan vuokranantajalle", term="long")
    make_goal(asiakas, text="Tavoite ilman päivää", status="in_progress")
    login(client, staff)
    html = client.get(f"/clients/{asiakas.id}/goals").get_data(as_text=True)
    assert html.index("Avoin tavoite") < html.index("Tavoite ilman päivää") < html.index(
        "Saavutettu tavoite")
    assert "<mark>" in html and "goal-overdue" in html
    assert "Soitetaan vuokranantajalle" in html
    assert html.count("goal-overdue") == 1


def test_latest_progress_and_reviews_are_shown(client, staff, asiakas):
    goal = make_goal(asiakas)
    for i in range(7):
        goals.add_progress(goal, on=local_today(), note=f"Askel {i}", author_id=staff.id)
    goals.add_review(goal, on=local_today(), sufficient="yes", matched_needs="yes",
                     matched_expectations="partly", matched_goals="no", client_comment="Hyvä näin")
    db.session.commit()
    login(client, staff)
    html = client.get(f"/clients/{asiakas.id}/goals").get_data(as_text=True)
    for i in range(7):
        assert f"Askel {i}" in html
    assert html.index("Askel 6") < html.index("Askel 0")  # newest first
    assert "<details><summary>" in html  # older ones folded away
    assert "Hyvä näin" in html


# --- creating -----------------------------------------------------------------------------------

def test_staff_adds_a_goal_with_htmx(client, staff, asiakas):
    login(client, staff)
    response = client.post(f"/clients/{asiakas.id}/goals", data=goal_data(), headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="section-goals"' in html and GOAL_TEXT in html and "<html" not in html
    goal = db.session.scalars(select(Goal)).one()
    assert (goal.client_id, goal.text, goal.term, goal.life_area, goal.status) == (
        asiakas.id, GOAL_TEXT, "short", "money", "open")
    assert goal.target_date == date(2026, 6, 30) and goal.review_date == date(2026, 3, 31)
    assert goal.created_by_id == staff.id
    created = events("create", "goal", asiakas.id)
    assert len(created) == 1 and created[0].object_id == str(goal.id)


def test_adding_a_goal_without_javascript_redirects(client, staff, asiakas):
    login(client, staff)
    response = client.post(f"/clients/{asiakas.id}/goals",
                           data=goal_data(life_area="", means="", target_date="", review_date=""))
    assert response.status_code == 303
    assert response.headers["Location"].startswith(f"/clients/{asiakas.id}/goals")
    goal = db.session.scalars(select(Goal)).one()
    assert goal.life_area is None and goal.means is None and goal.review_date is None
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert GOAL_TEXT in page


@pytest.mark.parametrize("overrides", [
    {"text": ""},
    {"text": "   "},
    {"text": "x" * 1001},
    {"target_date": "2026-02-30"},
    {"review_date": "ei päivä"},
    {"review_date": "1800-01-01"},
    {"term": "forever"},
    {"life_area": "astrology"},
])
@pytest.mark.parametrize("htmx", [True, False])
def test_bad_goal_input_is_refused_and_kept(client, staff, asiakas, overrides, htmx):
    login(client, staff)
    data = goal_data(means="Kirjoitettu keino säilyy", **overrides)
    response = client.post(f"/clients/{asiakas.id}/goals", data=data, headers=HX if htmx else {})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Kirjoitettu keino säilyy" in html
    if overrides.get("text", "").strip():
        assert overrides["text"] in html
    elif "text" not in overrides:
        assert GOAL_TEXT in html
    assert 'class="field-error"' in html
    assert ("<html" in html) is not htmx
    assert count(Goal) == 0
    assert events("create", "goal") == []


# --- editing ------------------------------------------------------------------------------------

def test_edit_form_comes_in_place_of_the_goal(client, staff, asiakas):
    goal = make_goal(asiakas, life_area="health")
    login(client, staff)
    response = client.get(f"/clients/{asiakas.id}/goals/{goal.id}/edit", headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.lstrip().startswith(f'<article id="goal-{goal.id}"')
    assert f'name="version" type="hidden" value="{goal.version}"' in html
    assert GOAL_TEXT in html and '<option selected value="health">' in html
    # Without JavaScript the whole section comes, with this goal's form in place.
    page = client.get(f"/clients/{asiakas.id}/goals/{goal.id}/edit").get_data(as_text=True)
    assert "<html" in page and 'id="section-goals"' in page and 'name="version"' in page


def test_staff_edits_a_goal(client, staff, asiakas):
    goal = make_goal(asiakas)
    login(client, staff)
    response = client.post(f"/clients/{asiakas.id}/goals/{goal.id}/edit", headers=HX,
                           data=edit_data(goal, text="Hoidan laskut itse", status="in_progress"))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.lstrip().startswith(f'<article id="goal-{goal.id}"')
    assert "Hoidan laskut itse" in html
    db.session.refresh(goal)
    assert (goal.text, goal.status, goal.version) == ("Hoidan laskut itse", "in_progress", 2)
    updated = events("update", "goal", asiakas.id)
    assert len(updated) == 1 and "text" in updated[0].detail


def test_editing_without_javascript_redirects(client, staff, asiakas):
    goal = make_goal(asiakas)
    login(client, staff)
    response = client.post(f"/clients/{asiakas.id}/goals/{goal.id}/edit",
                           data=edit_data(goal, status="achieved"))
    assert response.status_code == 303
    db.session.refresh(goal)
    assert goal.status == "achieved"


@pytest.mark.parametrize("overrides", [
    {"text": ""},
    {"text": "y" * 1001},
    {"status": "forgotten"},
    {"review_date": "2026-02-30"},
    {"version": "abc"},
    {"version": ""},
])
def test_bad_edit_input_is_refused_and_kept(client, staff, asiakas, overrides):
    goal = make_goal(asiakas)
    login(client, staff)
    data = edit_data(goal, means="Muokattu keino jää lomakkeelle", **overrides)
    response = client.post(f"/clients/{asiakas.id}/goals/{goal.id}/edit", data=data, headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Muokattu keino jää lomakkeelle" in html
    assert 'role="alert"' in html
    db.session.refresh(goal)
    assert goal.version == 1 and goal.means is None
    assert events("update", "goal") == []


def test_a_stale_edit_is_refused_with_the_text_kept(client, staff, asiakas):
    goal = make_goal(asiakas)
    opened_at = goal.version
    goals.update_goal(goal, {"text": "Joku muu ehti ensin"}, goal.version)
    db.session.commit()
    login(client, staff)
    response = client.post(f"/clients/{asiakas.id}/goals/{goal.id}/edit", headers=HX,
                           data=edit_data(goal, text="Oma muutokseni", version=str(opened_at)))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Oma muutokseni" in html and "Joku muu ehti ensin" in html
    assert "Someone else changed this goal" in html or "muutti" in html
    assert f'value="{opened_at + 1}"' in html  # saving again is now a deliberate choice
    db.session.refresh(goal)
    assert goal.text == "Joku muu ehti ensin"


def test_a_save_racing_another_is_refused(client, staff, asiakas, monkeypatch):
    goal = make_goal(asiakas)
    original = goals.update_goal

    def racing_update(goal_obj, data, version):
        # Another save lands between the version check and our write (the ORM cannot see it).
        db.session.execute(text("UPDATE goal SET version = version + 1 WHERE id = :id"),
                           {"id": goal_obj.id})
        return original(goal_obj, data, version)

    monkeypatch.setattr(goal_routes.services, "update_goal", racing_update)
    login(client, staff)
    response = client.post(f"/clients/{asiakas.id}/goals/{goal.id}/edit", headers=HX,
                           data=edit_data(goal, text="Minun versioni"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Minun versioni" in html and 'role="alert"' in html
    db.session.refresh(goal)
    assert goal.text == GOAL_TEXT
    assert events("update", "goal") == []


# --- progress -----------------------------------------------------------------------------------

def test_staff_adds_progress(client, staff, asiakas):
    goal = make_goal(asiakas)
    login(client, staff)
    response = client.post(f"/clients/{asiakas.id}/goals/{goal.id}/progress", headers=HX,
                           data={"on": "2026-01-15", "note": "Ensimmäinen lasku maksettu"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.lstrip().startswith(f'<article id="goal-{goal.id}"')
    assert "Ensimmäinen lasku maksettu" in html
    entry = db.session.scalars(select(GoalProgress)).one()
    assert (entry.goal_id, entry.on, entry.author_id) == (goal.id, date(2026, 1, 15), staff.id)
    assert len(events("create", "goal_progress", asiakas.id)) == 1


def test_progress_date_defaults_to_today(client, staff, asiakas):
    goal = make_goal(asiakas)
    login(client, staff)
    html = client.get(f"/clients/{asiakas.id}/goals/{goal.id}/progress", headers=HX
                      ).get_data(as_text=True)
    assert f'value="{local_today().isoformat()}"' in html


@pytest.mark.parametrize("overrides", [
    {"note": ""},
    {"note": "z" * 4001},
    {"on": "2026-02-30"},
    {"on": ""},
    {"on": (local_today() + timedelta(days=2)).isoformat()},
])
@pytest.mark.parametrize("htmx", [True, False])
def test_bad_progress_input_is_refused_and_kept(client, staff, asiakas, overrides, htmx):
    goal = make_goal(asiakas)
    login(client, staff)
    data = {"on": local_today().isoformat(), "note": "Kirjoitettu edistysaskel"}
    data.update(overrides)
    response = client.post(f"/clients/{asiakas.id}/goals/{goal.id}/progress", data=data,
                           headers=HX if htmx else {})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert data["note"][:50] in html
    assert ("<html" in html) is not htmx
    assert count(GoalProgress) == 0


# --- reviews ------------------------------------------------------------------------------------

def test_a_review_sets_the_next_review_date(client, staff, asiakas):
    goal = make_goal(asiakas, review_date=local_today())
    login(client, staff)
    response = client.post(f"/clients/{asiakas.id}/goals/{goal.id}/review", headers=HX,
                           data=review_data())
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Tuki auttoi, mutta kaipaan lisää aikaa" in html
    review = db.session.scalars(select(GoalReview)).one()
    assert (review.sufficient, review.matched_needs, review.matched_expectations,
            review.matched_goals) == ("yes", "partly", "no", "yes")
    db.session.refresh(goal)
    assert goal.review_date == local_today() + timedelta(days=30) == review.next_review_date
    assert len(events("create", "goal_review", asiakas.id)) == 1


def test_review_questions_are_radio_groups_in_fieldsets(client, staff, asiakas):
    """The review form comes when its goal's "Record a review" is opened (htmx), and as the
    section with that form open for a plain link."""
    goal = make_goal(asiakas)
    login(client, staff)
    section = client.get(f"/clients/{asiakas.id}/goals").get_data(as_text=True)
    address = f"/clients/{asiakas.id}/goals/{goal.id}/review"
    assert f'hx-get="{address}"' in section and f'href="{address}#goal-{goal.id}"' in section
    assert 'name="matched_expectations"' not in section
    for headers in (HX, {}):
        response = client.get(address, headers=headers)
        html = response.get_data(as_text=True)
        assert response.status_code == 200
        assert html.count("<legend>") >= 4
        assert 'type="radio"' in html and 'name="matched_expectations"' in html
        assert f'hx-post="{address}"' in html
    # The plain page is the section, the goal's review opened.
    assert "Tavoitteet" in html and f'id="goal-{goal.id}"' in html
    assert re.search(r"<details open>\s*<summary[^>]*>Kirjaa arviointi", html)


def test_the_progress_form_comes_when_opened(client, staff, asiakas):
    """As the review form: fetched when "Add a progress entry" is opened, the section with that
    form open for a plain link; a mistake brings it back open, with what was typed."""
    goal = make_goal(asiakas)
    login(client, staff)
    section = client.get(f"/clients/{asiakas.id}/goals").get_data(as_text=True)
    address = f"/clients/{asiakas.id}/goals/{goal.id}/progress"
    assert f'hx-get="{address}"' in section and f'href="{address}#goal-{goal.id}"' in section
    assert f'id="goal-{goal.id}-progress-note"' not in section
    for headers in (HX, {}):
        response = client.get(address, headers=headers)
        html = response.get_data(as_text=True)
        assert response.status_code == 200
        assert f'id="goal-{goal.id}-progress-note"' in html and f'hx-post="{address}"' in html
    assert f'id="goal-{goal.id}"' in html
    assert re.search(r"<details open>\s*<summary[^>]*>Kirjaa edistyminen", html)
    wrong = client.post(address, headers=HX, data={"on": "2026-02-30", "note": "Kävi salilla."})
    html = wrong.get_data(as_text=True)
    assert wrong.status_code == 422 and "Kävi salilla." in html and "<details open>" in html
    saved = client.post(address, headers=HX, data={"on": local_today().isoformat(),
                                                     "note": "Kävi salilla."})
    html = saved.get_data(as_text=True)
    assert saved.status_code == 200 and "Kävi salilla." in html
    assert f'id="goal-{goal.id}-progress-note"' not in html  # closed again, fetched when opened


def test_a_goal_of_another_client_has_no_review_form(client, staff, asiakas):
    other = make_client(display_name="Toinen", responsible_id=staff.id)
    goal = make_goal(other)
    login(client, staff)
    for form in ("review", "progress"):
        assert client.get(f"/clients/{asiakas.id}/goals/{goal.id}/{form}", headers=HX
                          ).status_code == 404


@pytest.mark.parametrize("overrides", [
    {"sufficient": "maybe"},
    {"matched_goals": ""},
    {"on": "2026-02-30"},
    {"next_review_date": "2026-13-01"},
    {"next_review_date": (local_today() - timedelta(days=1)).isoformat()},
    {"client_comment": "k" * 4001},
])
def test_bad_review_input_is_refused_and_kept(client, staff, asiakas, overrides):
    goal = make_goal(asiakas, review_date=date(2026, 5, 1))
    login(client, staff)
    data = review_data(**overrides)
    response = client.post(f"/clients/{asiakas.id}/goals/{goal.id}/review", data=data, headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert data["client_comment"][:50] in html
    assert 'class="field-error"' in html
    assert count(GoalReview) == 0
    db.session.refresh(goal)
    assert goal.review_date == date(2026, 5, 1)


def test_a_missing_answer_is_refused_next_to_its_question(client, staff, asiakas):
    goal = make_goal(asiakas)
    login(client, staff)
    data = review_data()
    del data["matched_needs"]
    response = client.post(f"/clients/{asiakas.id}/goals/{goal.id}/review", data=data, headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="goal-{goal.id}-review-matched_needs-error"' in html
    assert count(GoalReview) == 0


# --- who may do what ----------------------------------------------------------------------------

def test_a_goal_of_another_client_is_not_found(client, staff, asiakas):
    other = make_client(display_name="Toinen")
    goal = make_goal(other, text="Toisen asiakkaan tavoite")
    login(client, staff)
    base = f"/clients/{asiakas.id}/goals/{goal.id}"
    responses = [client.get(f"{base}/edit"), client.post(f"{base}/edit", data=edit_data(goal)),
                 client.post(f"{base}/progress", data={"on": "2026-01-01", "note": "x"}),
                 client.post(f"{base}/review", data=review_data()),
                 client.get(f"/clients/{asiakas.id}/goals/999999/edit"),
                 client.get(f"/clients/{asiakas.id}/goals/99999999999/edit")]
    for response in responses:
        assert response.status_code == 404
        assert "Toisen asiakkaan tavoite" not in response.get_data(as_text=True)
    assert count(GoalProgress) == count(GoalReview) == 0
    db.session.refresh(goal)
    assert goal.version == 1


def test_unknown_client_is_not_found(client, staff):
    login(client, staff)
    assert client.get("/clients/424242/goals").status_code == 404
    assert client.post("/clients/424242/goals", data=goal_data()).status_code == 404


def test_a_paired_peer_views_and_notes_progress_and_reviews(client, peer, asiakas):
    goal = make_goal(asiakas)
    pair(peer, asiakas)
    login(client, peer)
    html = client.get(f"/clients/{asiakas.id}/goals").get_data(as_text=True)
    assert GOAL_TEXT in html
    assert f'action="/clients/{asiakas.id}/goals"' not in html  # no form to add a goal
    assert f"/goals/{goal.id}/edit" not in html
    response = client.post(f"/clients/{asiakas.id}/goals/{goal.id}/progress", headers=HX,
                           data={"on": local_today().isoformat(),
                                 "note": "Käytiin yhdessä Kelassa"})
    assert response.status_code == 200
    response = client.post(f"/clients/{asiakas.id}/goals/{goal.id}/review", headers=HX,
                           data=review_data())
    assert response.status_code == 200
    assert count(GoalProgress) == count(GoalReview) == 1
    assert db.session.scalars(select(GoalProgress)).one().author_id == peer.id


def test_a_paired_peer_cannot_add_or_edit_goals(client, peer, asiakas):
    goal = make_goal(asiakas)
    pair(peer, asiakas)
    login(client, peer)
    assert client.post(f"/clients/{asiakas.id}/goals", data=goal_data(text="Peer goal"),
                       headers=HX).status_code in (403, 404)
    assert client.get(f"/clients/{asiakas.id}/goals/{goal.id}/edit").status_code in (403, 404)
    response = client.post(f"/clients/{asiakas.id}/goals/{goal.id}/edit",
                           data=edit_data(goal, text="Vertaisen muutos"))
    assert response.status_code in (403, 404)
    assert count(Goal) == 1
    db.session.refresh(goal)
    assert goal.text == GOAL_TEXT and goal.version == 1
    assert len(events("denied", client_id=asiakas.id)) == 3


@pytest.mark.parametrize("sections", [("contacts",), None])
def test_peers_not_allowed_the_goals_section_see_nothing(client, peer, asiakas, sections):
    goal = make_goal(asiakas)
    if sections is not None:
        pair(peer, asiakas, sections=sections)
    login(client, peer)
    base = f"/clients/{asiakas.id}/goals"
    responses = [client.get(base), client.get(base, headers=HX),
                 client.post(base, data=goal_data(text="Uusi")),
                 client.get(f"{base}/{goal.id}/edit"),
                 client.post(f"{base}/{goal.id}/edit", data=edit_data(goal)),
                 client.post(f"{base}/{goal.id}/progress",
                             data={"on": local_today().isoformat(), "note": "Vertaisen merkintä"}),
                 client.post(f"{base}/{goal.id}/review", data=review_data())]
    for response in responses:
        assert response.status_code == 404
        assert GOAL_TEXT not in response.get_data(as_text=True)
    assert count(Goal) == 1 and count(GoalProgress) == count(GoalReview) == 0
    assert events("view", "goals") == []
    assert len(events("denied", client_id=asiakas.id)) == len(responses)


def test_every_view_and_change_is_in_the_access_log(client, admin, asiakas):
    login(client, admin)
    client.get(f"/clients/{asiakas.id}/goals")
    client.post(f"/clients/{asiakas.id}/goals", data=goal_data())
    goal = db.session.scalars(select(Goal)).one()
    client.get(f"/clients/{asiakas.id}/goals/{goal.id}/edit", headers=HX)
    client.post(f"/clients/{asiakas.id}/goals/{goal.id}/edit", data=edit_data(goal, text="Uusi"))
    client.post(f"/clients/{asiakas.id}/goals/{goal.id}/progress",
                data={"on": local_today().isoformat(), "note": "Askel"})
    client.post(f"/clients/{asiakas.id}/goals/{goal.id}/review", data=review_data())
    logged = [(e.action, e.object_type) for e in events(client_id=asiakas.id)
              if e.user_id == admin.id]
    for expected in [("view", "goals"), ("create", "goal"), ("view", "goal"), ("update", "goal"),
                     ("create", "goal_progress"), ("create", "goal_review")]:
        assert expected in logged
    assert all(e.client_id == asiakas.id for e in events(object_type="goal"))


def test_a_saved_goal_tells_the_client_page_to_refresh_its_overview(client, auth, staff, asiakas):
    auth.login(staff)
    page = client.get(f"/clients/{asiakas.id}").get_data(as_text=True)
    assert 'id="overview"' in page and 'hx-trigger="client-changed from:body"' in page
    saved = client.post(f"/clients/{asiakas.id}/goals", data=goal_data(), headers=HX)
    assert saved.status_code == 200 and saved.headers["HX-Trigger"] == "client-changed"
    refused = client.post(f"/clients/{asiakas.id}/goals", data=goal_data(text=""), headers=HX)
    assert refused.status_code == 422 and "HX-Trigger" not in refused.headers
    # The overview the page fetches again now lists the new goal.
    overview = client.get(f"/clients/{asiakas.id}", headers={"HX-Request": "true"})
    assert GOAL_TEXT[:40] in overview.get_data(as_text=True)


# --- the review task ------------------------------------------------------------------------------

def review_tasks(goal, status=None):
    from association_tool.models import FollowUpTask

    db.session.expire_all()
    query = select(FollowUpTask).where(FollowUpTask.source == "goal_review",
                                       FollowUpTask.source_id == goal.id)
    if status:
        query = query.where(FollowUpTask.status == status)
    return db.session.scalars(query.order_by(FollowUpTask.id)).all()


def test_a_review_with_a_next_date_makes_the_review_task_for_the_responsible_worker(
        client, staff, peer, asiakas):
    """The peer holds the review; the task goes to the client's responsible worker."""
    goal = make_goal(asiakas)
    pair(peer, asiakas)
    login(client, peer)
    next_date = local_today() + timedelta(days=30)
    response = client.post(f"/clients/{asiakas.id}/goals/{goal.id}/review", headers=HX,
                           data=review_data(next_review_date=next_date.isoformat()))
    assert response.status_code == 200
    [task] = review_tasks(goal)
    assert (task.owner_id, task.due_date, task.status, task.kind) == (
        staff.id, next_date, "open", "goal_review")
    assert task.title == "" and task.params == {"goal": GOAL_TEXT}
    assert task.created_by_id == peer.id and task.client_id == asiakas.id
    client.post("/logout")
    login(client, staff)
    body = client.get(f"/clients/{asiakas.id}/tasks").get_data(as_text=True)
    assert f"Arvioi tavoite yhdessä asiakkaan kanssa: {GOAL_TEXT}" in body


def test_moving_the_next_review_moves_the_one_open_task(client, staff, asiakas):
    goal = make_goal(asiakas)
    login(client, staff)
    first, second = (local_today() + timedelta(days=d) for d in (30, 60))
    url = f"/clients/{asiakas.id}/goals/{goal.id}/review"
    assert client.post(url, data=review_data(next_review_date=first.isoformat()),
                       headers=HX).status_code == 200
    [task] = review_tasks(goal)
    assert client.post(url, data=review_data(next_review_date=second.isoformat()),
                       headers=HX).status_code == 200
    [moved] = review_tasks(goal)
    assert moved.id == task.id and moved.due_date == second and moved.status == "open"
    assert any(e.detail == f"due={second.isoformat()}" for e in events("update", "task", asiakas.id))


def test_a_review_without_a_next_date_closes_the_open_review_task(client, staff, asiakas):
    """The review the task asked for has been held: the task is done, and no new one is made."""
    goal = make_goal(asiakas)
    login(client, staff)
    url = f"/clients/{asiakas.id}/goals/{goal.id}/review"
    client.post(url, data=review_data(), headers=HX)
    assert len(review_tasks(goal, "open")) == 1
    assert client.post(url, data=review_data(next_review_date=""), headers=HX).status_code == 200
    tasks = review_tasks(goal)
    assert [t.status for t in tasks] == ["done"] and tasks[0].done_at is not None
    assert client.post(url, data=review_data(next_review_date=""), headers=HX).status_code == 200
    assert [t.status for t in review_tasks(goal)] == ["done"]  # nothing new to close or make
    db.session.refresh(goal)
    assert goal.review_date is None


def test_the_reviewer_gets_the_task_when_the_client_has_no_responsible_worker(staff):
    person = make_client(display_name="Vailla vastuuhenkilöä")
    goal = make_goal(person)
    goals.add_review(goal, on=local_today(), sufficient="yes", matched_needs="yes",
                     matched_expectations="yes", matched_goals="yes",
                     next_review_date=local_today() + timedelta(days=14), author_id=staff.id)
    db.session.commit()
    [task] = review_tasks(goal)
    assert task.owner_id == staff.id


def test_each_goal_has_its_own_review_task(staff, asiakas):
    one, other = make_goal(asiakas, text="Ensimmäinen"), make_goal(asiakas, text="Toinen")
    for goal, days in ((one, 10), (other, 20)):
        goals.add_review(goal, on=local_today(), sufficient="yes", matched_needs="yes",
                         matched_expectations="yes", matched_goals="yes",
                         next_review_date=local_today() + timedelta(days=days), author_id=staff.id)
    db.session.commit()
    assert [(t.params["goal"], t.due_date) for t in review_tasks(one) + review_tasks(other)] == [
        ("Ensimmäinen", local_today() + timedelta(days=10)),
        ("Toinen", local_today() + timedelta(days=20))]


def test_goal_reviews_on_the_home_page_are_logged_and_shown_to_peers_only_with_goals(client, peer):
    """The home page's reviews due show goal texts: a view of those clients' goals, logged;
    a peer supporter without the goals section sees none of them."""
    with_goals = make_client(display_name="Tavoitteet näkyvät")
    without = make_client(display_name="Vain yhteydenotot")
    make_goal(with_goals, text="Näkyvä tavoite", review_date=local_today())
    make_goal(without, text="Piilossa pysyvä tavoite", review_date=local_today())
    pair(peer, with_goals, sections=("goals",))
    pair(peer, without, sections=("contacts",))
    login(client, peer)
    home = client.get("/").get_data(as_text=True)
    assert "Näkyvä tavoite" in home and "Piilossa pysyvä tavoite" not in home
    logged = {e.client_id for e in events(action="view", object_type="goals") if e.user_id == peer.id}
    assert logged == {with_goals.id}
