"""Statistics: figures checked against a hand-counted fixture on both databases, suppression in
every presentation, the CSV safe to open, the PDF's text, and who may see them."""
import csv
import io
from datetime import date, datetime

import pytest
from sqlalchemy import select

from association_tool.extensions import db
from association_tool.models import (AuditEvent, ClientEnding, Contact, Goal, GoalProgress,
                                     GoalReview)
from association_tool.models.errands import Errand
from association_tool.stats import export, figures
from association_tool.stats.export import neutralise

from .factories import login, make_client

YEAR = figures.Period(date(2025, 1, 1), date(2025, 12, 31))


def _contact(client, on, channel="drop_in", age_group=None):
    db.session.add(Contact(client_id=client.id if client else None, on=on, channel=channel,
                           topics="", age_group=age_group, note="Salainen muistiinpano"))


def _review(goal, sufficient, on=date(2025, 6, 1)):
    db.session.add(GoalReview(goal_id=goal.id, on=on, sufficient=sufficient, matched_needs="yes",
                              matched_expectations="yes", matched_goals="no",
                              client_comment="Oma kommentti"))


@pytest.fixture
def association(app, staff):
    """Hand-counted records of 2025 (and a few outside it).

    Clients started in 2025: seven (five in client guidance, two intensive; six came on their
    own, one referred by a sote unit). Kaarina started in 2023 and has a contact in 2025 (advice);
    Lauri started in 2023 and has nothing in 2025. One relationship ended in 2025.
    """
    new = []
    for i in range(7):
        new.append(make_client(display_name=f"Uusi{i} Salanimi", start_date=date(2025, 2, 1 + i),
                               level="intensive" if i < 2 else "client_guidance",
                               referral_source="sote" if i == 0 else "self",
                               birth_year=1990 if i < 5 else None))
    kaarina = make_client(display_name="Kaarina Vanhaasiakas", start_date=date(2023, 5, 1),
                          level="advice", birth_year=1950)
    lauri = make_client(display_name="Lauri Hiljainen", start_date=date(2023, 5, 1))
    for i in range(10):
        _contact(new[i % 7], date(2025, 3, 1 + i))
    for i in range(3):
        _contact(new[0], date(2025, 4, 1 + i), channel="phone")
    _contact(kaarina, date(2025, 4, 10), channel="phone")
    _contact(lauri, date(2024, 12, 31))  # outside the period
    for i in range(6):
        _contact(None, date(2025, 5, 1 + i), age_group="18_29" if i < 4 else None)
    for i in range(6):
        db.session.add(Errand(client_id=new[i].id, about="Asumistuki", type="kela",
                              on=date(2025, 7, 1 + i), companion_id=staff.id if i < 2 else None))
    db.session.add(Errand(client_id=new[6].id, about="Pankki", type="bank", on=date(2025, 8, 1)))
    db.session.add(ClientEnding(client_id=new[6].id, end_date=date(2025, 11, 1),
                                reason="goals_reached", final_evaluation="Meni hyvin"))
    goals = []
    for i in range(7):
        goal = Goal(client_id=new[i].id, text=f"Haluan oppia uimaan {i}", status="achieved" if i < 5 else "open",
                    created_at=datetime(2025, 3, 1, 12))
        db.session.add(goal)
        goals.append(goal)
    db.session.flush()
    for i in range(6):
        _review(goals[i], "yes")
    _review(goals[6], "partly")
    db.session.commit()
    return {"new": new, "kaarina": kaarina, "lauri": lauri}


def test_figures_match_the_hand_count(association):
    counts = figures.count_figures(YEAR)
    assert counts["people"] == {"reached": 8, "new": 7, "ended": 1, "anonymous_contacts": 6}
    assert counts["level"] == {"client_guidance": 5, "intensive": 2, "advice": 1}
    assert counts["age_group"] == {"30_44": 5, "unknown": 2, "65_plus": 1}
    assert counts["referral"] == {"self": 7, "sote": 1}
    assert counts["end_reason"] == {"goals_reached": 1}
    assert counts["anonymous_age_group"] == {"18_29": 4, "unknown": 2}
    assert counts["contact_channel"] == {"drop_in": 16, "phone": 4}
    assert counts["contact_month"] == {"2025-03": 10, "2025-04": 4, "2025-05": 6}
    assert counts["errand_type"] == {"kela": 6, "bank": 1}
    assert counts["errand_accompanied"] == {"accompanied": 2, "alone": 5}
    assert counts["goals"] == {"set": 7, "reviewed": 7}
    assert counts["goal_status"] == {"achieved": 5, "open": 2}
    assert counts["review_sufficient"] == {"yes": 6, "partly": 1}
    assert counts["review_matched_goals"] == {"no": 7}


@pytest.mark.parametrize("entry", ["progress", "review"])
def test_a_goal_entry_alone_reaches_its_client(app, entry):
    """A step noted or a review in the period reaches the client even with nothing else; the entry
    names its goal's client without being told (kept beside the goal for counting)."""
    someone = make_client(display_name="Vain Tavoite", start_date=date(2023, 1, 1),
                          level="intensive")
    make_client(display_name="Ei Mitään", start_date=date(2023, 1, 1))
    goal = Goal(client_id=someone.id, text="Oma tavoite", created_at=datetime(2023, 2, 1))
    db.session.add(goal)
    db.session.flush()
    if entry == "progress":
        db.session.add(GoalProgress(goal=goal, on=date(2025, 6, 1), note="Askel"))  # by object
    else:
        _review(goal, "yes")  # by the goal's id
    db.session.commit()
    row = db.session.scalars(select(GoalProgress if entry == "progress" else GoalReview)).one()
    assert row.client_id == someone.id
    counts = figures.count_figures(YEAR)
    assert counts["people"]["reached"] == 1
    assert counts["level"] == {"intensive": 1}
    assert counts["goals"] == {"set": 0, "reviewed": 1 if entry == "review" else 0}
    assert counts["goal_status"] == ({"open": 1} if entry == "review" else {})
    assert figures.count_figures(figures.Period(date(2024, 1, 1), date(2024, 12, 31)))[
        "people"]["reached"] == 0


def test_a_period_outside_the_records_counts_nothing(association):
    counts = figures.count_figures(figures.Period(date(2020, 1, 1), date(2020, 12, 31)))
    assert counts["people"] == {"reached": 0, "new": 0, "ended": 0, "anonymous_contacts": 0}
    assert counts["contact_channel"] == {}


def test_the_report_hides_small_cells_and_what_would_reveal_them(association):
    report = figures.build_report(figures.count_figures(YEAR), YEAR, 5)
    people = {row.key: row.text for row in report.table("people").rows}
    assert people == {"reached": "8", "new": "7", "ended": "<5", "anonymous_contacts": "6"}
    level = report.table("level")
    assert [(r.key, r.text) for r in level.rows] == [
        ("advice", "<5"), ("client_guidance", "5"),
        ("intensive", "<5")]
    assert level.total.text == "8"
    # Self 7, sote 1: the one referred by a sote unit would be 8 - 7, so 7 is hidden too.
    referral = {r.key: r.text for r in report.table("referral").rows}
    assert referral == {"self": "×", "sote": "<5", "association": "0", "other": "0"}
    # Shares only for what is shown.
    assert {r.key: r.share for r in report.table("referral").rows}["self"] == ""
    errands = {r.key: r.text for r in report.table("errand_accompanied").rows}
    assert errands == {"accompanied": "<5", "alone": "×"}


# --- the page, the CSV, the PDF and who may see them --------------------------------------------

NAMES = ("Uusi0", "Salanimi", "Kaarina", "Vanhaasiakas", "Lauri", "Hiljainen", "oppia uimaan",
         "Salainen", "Oma kommentti", "Asumistuki", "Meni hyvin")


def test_staff_see_the_figures_with_pictures_and_no_names(client, staff, association):
    login(client, staff)
    response = client.get("/stats?start=2025-01-01&end=2025-12-31")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert "<svg" in page and 'aria-hidden="true"' in page
    svg = page[page.index("<svg"):page.rindex("</svg>")]
    assert "<script" not in svg and "style=" not in svg
    assert "&lt;5" in page and "×" in page
    for name in NAMES:
        assert name not in page
    for client_record in association["new"]:
        assert f"/clients/{client_record.id}" not in page
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "statistics")).one()
    assert event.action == "export" and event.user_id == staff.id
    assert "page" in event.detail and "2025-01-01" in event.detail and "2025-12-31" in event.detail


def test_bad_dates_come_back_with_a_message_not_an_error(client, staff):
    login(client, staff)
    response = client.get("/stats?start=2025-12-31&end=2025-01-01")
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.get_data(as_text=True)
    response = client.get("/stats?start=nonsense&end=2025-13-45")
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.get_data(as_text=True)


def test_the_csv_holds_the_suppressed_figures_and_is_logged(client, staff, association):
    login(client, staff)
    response = client.get("/stats/report.csv?start=2025-01-01&end=2025-12-31")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    text = response.get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    values = {(row[1], row[2]): row[3] for row in rows[1:] if len(row) > 3}
    assert any(v == "<5" for v in values.values()) and any(v == "×" for v in values.values())
    assert all(row[7:9] == ["2025-01-01", "2025-12-31"] for row in rows[1:] if len(row) > 3)
    for name in NAMES:
        assert name not in text
    details = db.session.scalars(select(AuditEvent.detail).where(
        AuditEvent.object_type == "statistics")).all()
    assert any(d.startswith("csv") for d in details)


@pytest.mark.parametrize("cell", ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\t=x", "\r=x"])
def test_csv_cells_that_could_be_formulas_are_neutralised(cell):
    assert neutralise(cell) == "'" + cell
    assert neutralise("Kela") == "Kela" and neutralise("<5") == "<5" and neutralise("18–29") == "18–29"


def test_a_formula_in_a_label_cannot_reach_the_csv(app, association):
    report = figures.build_report(figures.count_figures(YEAR), YEAR, 5)
    report.sections[0].tables[0].rows[0].label = "=HYPERLINK(\"http://x\")"
    text = export.report_csv(report).decode("utf-8-sig")
    first = list(csv.reader(io.StringIO(text), delimiter=";"))[1]
    assert first[2].startswith("'=")


@pytest.mark.parametrize("role", ["peer"])
def test_a_peer_supporter_gets_403_everywhere(client, peer, association, role):
    login(client, peer)
    for url in ("/stats", "/stats/report.csv", "/stats/report.pdf?lang=fi"):
        assert client.get(url).status_code == 403
    page = client.get("/").get_data(as_text=True)
    assert "/stats" not in page


def test_the_pdf_holds_the_figures_and_no_client_name(client, staff, association, monkeypatch):
    pypdf = pytest.importorskip("pypdf")
    login(client, staff)
    for lang, heading in (("fi", "Tavoitetut ihmiset"), ("sv", "Personer som nåtts"),
                          ("en", "People reached")):
        response = client.get(f"/stats/report.pdf?start=2025-01-01&end=2025-12-31&lang={lang}")
        assert response.status_code == 200, response.get_data(as_text=True)[:500]
        text = "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(response.data)).pages)
        assert heading.lower() in text.lower()
        # 20 contacts in all; four by phone, so the sixteen drop-in visits are hidden too.
        assert "<5" in text and " 20 " in text and " 16" not in text
        for name in NAMES:
            assert name not in text


def test_admins_set_the_threshold_and_the_report_follows_it(client, admin, staff, association):
    login(client, admin)
    assert client.post("/admin/statistics", data={"threshold": "2"}).status_code == 422
    response = client.post("/admin/statistics", data={"threshold": "abc"})
    assert response.status_code == 422 and 'value="abc"' in response.get_data(as_text=True)
    assert client.post("/admin/statistics", data={"threshold": "8"}).status_code == 303
    login(client, staff)
    assert client.get("/admin/statistics").status_code == 403
    page = client.get("/stats?start=2025-01-01&end=2025-12-31").get_data(as_text=True)
    assert "&lt;8" in page and "&lt;5" not in page


def test_the_figures_read_no_text_column_and_load_no_rows(association):
    """Every query aggregates (COUNT/SUM with GROUP BY) and none names a free-text column."""
    import re

    from sqlalchemy import event

    statements = []

    def remember(conn, cursor, statement, params, context, many):
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", remember)
    try:
        figures.count_figures(YEAR)
        figures.count_figures(figures.Period(YEAR.start, YEAR.end, activity_id=1))
    finally:
        event.remove(engine, "before_cursor_execute", remember)
    assert statements
    text_columns = re.compile(r"\.(display_name|full_name|search_text|note|text|about|means|"
                              r"client_comment|final_evaluation|continuation_plan|staff_notes|"
                              r"contact_notes|referral_note|name|email|phone)\b")
    for statement in statements:
        assert not text_columns.search(statement), statement
        assert re.search(r"\b(count|sum)\(", statement, re.IGNORECASE), statement
