"""The access log page as a person reads it: sentences, filters, the CSV download, who may see it."""
from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, select

from association_tool import audit, audit_text
from association_tool.audit import Action
from association_tool.extensions import db
from association_tool.models import AuditEvent
from association_tool.models.meetings import NetworkMeeting

from association_tool.timeutil import local_today

from .factories import make_client, make_user

PACKAGE = Path(__file__).resolve().parents[1] / "association_tool"
_KIND_LITERALS = (
    re.compile(r"object_type=\"([a-z_]+)\""),
    re.compile(r"log_views?\([^,()]+(?:\([^()]*\))?[^,()]*,\s*\"([a-z_]+)\""),
)


def kinds_the_code_writes() -> set[str]:
    """Every object kind a call into the access log names, read from the app's source."""
    found = set()
    for path in PACKAGE.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        for pattern in _KIND_LITERALS:
            found |= set(pattern.findall(source))
    return found


def test_every_action_and_kind_the_app_writes_has_words():
    kinds = kinds_the_code_writes()
    # The reader finds the kinds both ways of writing (a change and a page view).
    assert {"goal", "goals", "user", "meeting_minutes", "network_map", "audit_log"} <= kinds
    assert kinds - set(audit_text.KINDS) == set()
    assert set(audit_text.DATED_KINDS) <= set(audit_text.KINDS)
    for action in Action:
        assert action.value in audit_text.VERBS and action.value in audit_text.ACTION_LABELS


def test_every_action_with_every_kind_makes_a_sentence(app, admin):
    """No combination leaves a placeholder or a code in the sentence."""
    client = make_client(display_name="Ruusu")
    names = audit_text.Names(clients={client.id: "Ruusu"}, users={admin.id: "Aino"})
    with app.test_request_context():
        for action in Action:
            for kind in audit_text.KINDS:
                entry = AuditEvent(action=action.value, object_type=kind, object_id=str(admin.id),
                                   client_id=client.id, detail=None, user_id=admin.id,
                                   actor="Aino <a@b>")
                text = str(audit_text.sentence(entry, names, links=False))
                assert "%(" not in text and "_" not in text, (action, kind, text)


def _entries(staff, peer, ruusu, meeting):
    """One entry of each kind of sentence the page shows, as the app writes them."""
    audit.record(Action.VIEW, object_type="goals", object_id=ruusu.id, client_id=ruusu.id,
                 user=staff)
    audit.record(Action.PRINT, object_type="meeting_minutes", object_id=meeting.id,
                 client_id=ruusu.id, detail="lang=fi distribution=1", user=staff)
    audit.record(Action.DISCLOSURE, object_type="meeting_minutes", object_id=meeting.id,
                 client_id=ruusu.id, detail="to=Kela; Sosiaalitoimi", user=staff)
    audit.record(Action.LOGIN, object_type="user", object_id=staff.id, user=staff)
    audit.record(Action.LOGIN_PENDING, object_type="user", object_id=staff.id, user=staff,
                 detail="password accepted, waiting for a code")
    audit.record(Action.UPDATE, object_type="agreement", object_id=3, client_id=ruusu.id,
                 detail="line added 4", user=staff)
    audit.record(Action.LOGOUT, object_type="user", object_id=staff.id, user=staff)
    audit.record(Action.DENIED, object_type="route", object_id="/clients/1/consents",
                 client_id=ruusu.id, detail="peer", user=peer)
    audit.record(Action.CREATE, object_type="anonymous_contact", object_id=9,
                 detail="channel=phone", user=peer)
    audit.record(Action.UPDATE, object_type="user", object_id=peer.id, detail="disabled",
                 user=staff)
    audit.record(Action.DELETE, object_type="errand", object_id=2, client_id=ruusu.id, user=staff)
    audit.record(Action.EXPORT, object_type="backup", detail="download x.db", user=staff)
    # On the sign-in page nobody is signed in yet.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(audit, "_current_actor", lambda: (None, "anonymous"))
        audit.record(Action.LOGIN_FAILED, object_type="user", object_id=peer.id,
                     detail="matti@yhdistys.example.org")
    db.session.commit()


EXPECTED = {
    "en": [
        "Sanna Ohjaaja</strong> viewed the goals of {ruusu}",
        "Sanna Ohjaaja</strong> printed the minutes of the network meeting of 3.12.2026 of {ruusu} "
        "for distribution",
        "Sanna Ohjaaja</strong> gave the minutes of the network meeting of 3.12.2026 of {ruusu} to "
        "Kela; Sosiaalitoimi",
        "Sanna Ohjaaja</strong> signed in<",
        "Sanna Ohjaaja</strong> gave the right password; the sign-in waited for a code",
        "Sanna Ohjaaja</strong> changed the contact agreement of {ruusu}",
        "Sanna Ohjaaja</strong> signed out",
        "Matti Vertainen</strong> was refused a page of {ruusu}",
        "Matti Vertainen</strong> counted an anonymous contact",
        "Sanna Ohjaaja</strong> changed the user account of Matti Vertainen",
        "Sanna Ohjaaja</strong> removed an errand of {ruusu}",
        "Sanna Ohjaaja</strong> took a backup of the whole database",
        "Someone not signed in</strong> failed to sign in as Matti Vertainen",
    ],
    "fi": [
        "Sanna Ohjaaja</strong> katsoi asiakkaan {ruusu} tavoitteet",
        "Sanna Ohjaaja</strong> tulosti asiakkaan {ruusu} verkostopalaverin 3.12.2026 muistion "
        "jaettavaksi",
        "Sanna Ohjaaja</strong> luovutti asiakkaan {ruusu} verkostopalaverin 3.12.2026 muistion "
        "vastaanottajille: Kela; Sosiaalitoimi",
        "Sanna Ohjaaja</strong> kirjautui sisään<",
        "Sanna Ohjaaja</strong> antoi oikean salasanan; kirjautuminen odotti koodia",
        "Sanna Ohjaaja</strong> muutti asiakkaan {ruusu} yhteydenpitosopimuksen",
        "Sanna Ohjaaja</strong> kirjautui ulos",
        "Matti Vertainen</strong> yritti avata asiakkaan {ruusu} sivun, johon hänellä ei ole oikeutta",
        "Matti Vertainen</strong> tilastoi anonyymin yhteydenoton",
        "Sanna Ohjaaja</strong> muutti käyttäjän Matti Vertainen tunnuksen",
        "Sanna Ohjaaja</strong> poisti asiakkaan {ruusu} asioinnin",
        "Sanna Ohjaaja</strong> otti varmuuskopion koko tietokannasta",
        "Kirjautumaton käyttäjä</strong> yritti kirjautua käyttäjänä Matti Vertainen, mutta "
        "kirjautuminen epäonnistui",
    ],
}


@pytest.mark.parametrize("language", ["en", "fi"])
def test_entries_read_as_sentences_with_the_client_linked(client, auth, admin, staff, peer,
                                                          language):
    ruusu = make_client(display_name="Ruusu")
    meeting = NetworkMeeting(client_id=ruusu.id, meeting_date=date(2026, 12, 3))
    db.session.add(meeting)
    db.session.commit()
    _entries(staff, peer, ruusu, meeting)
    admin.locale = language
    db.session.commit()
    auth.login(admin)
    html = client.get("/admin/audit").get_data(as_text=True)
    link = f'<a href="/clients/{ruusu.id}">Ruusu</a>'
    for sentence in EXPECTED[language]:
        assert sentence.format(ruusu=link) in html, sentence


def _visible_text(html: str) -> str:
    """The page's main text as a person sees it, without the filter's choices and tags."""
    main = html.split("<main", 1)[1].split("</main>", 1)[0]
    main = re.sub(r"<select.*?</select>", " ", main, flags=re.S)
    main = re.sub(r"<details.*?</details>", " ", main, flags=re.S)  # the record, on request
    return re.sub(r"<[^>]+>", " ", main)


def test_no_codes_on_the_page(client, auth, admin, staff, peer):
    ruusu = make_client(display_name="Ruusu")
    meeting = NetworkMeeting(client_id=ruusu.id, meeting_date=date(2026, 12, 3))
    db.session.add(meeting)
    db.session.commit()
    _entries(staff, peer, ruusu, meeting)
    auth.login(admin)
    text = _visible_text(client.get("/admin/audit").get_data(as_text=True))
    codes = {a.value for a in Action} | set(audit_text.KINDS)
    shown = set(re.findall(r"[a-z_]+", text)) & codes
    assert shown == set()
    assert not re.search(r"\b(user|client|goal|errand) \d+\b", text)


def test_filters_by_client_name_user_action_and_dates(client, auth, admin, staff, peer):
    ruusu, ville = make_client(display_name="Ruusu"), make_client(display_name="Ville Virta")
    audit.record(Action.VIEW, object_type="goals", object_id=ruusu.id, client_id=ruusu.id,
                 user=staff)
    audit.record(Action.VIEW, object_type="tasks", object_id=ville.id, client_id=ville.id,
                 user=peer)
    audit.record(Action.UPDATE, object_type="client", object_id=ville.id, client_id=ville.id,
                 user=staff)
    db.session.commit()
    admin.locale = "en"
    db.session.commit()
    auth.login(admin)

    def entries(query):
        html = client.get("/admin/audit", query_string=query).get_data(as_text=True)
        return html.split('id="audit-entries"')[1].split("</ol>")[0]

    by_name = entries({"client_name": "virta"})
    assert "the follow-up tasks of" in by_name and "the record of" in by_name
    assert "goals" not in by_name
    by_user = entries({"user": staff.id, "client_name": "ville"})
    assert "changed the record of" in by_user and "tasks" not in by_user
    by_action = entries({"action": "view"})
    assert "goals of" in by_action and "tasks of" in by_action and "changed" not in by_action
    today = local_today()
    assert "goals of" in entries({"date_from": (today - timedelta(days=1)).isoformat(),
                                  "date_to": (today + timedelta(days=1)).isoformat()})
    assert "No entries match" in entries({"date_to": (today - timedelta(days=3)).isoformat()})
    assert "No entries match" in entries({"client_name": "nobody of that name"})


def test_paging_keeps_the_filters(client, auth, admin, staff):
    ruusu = make_client(display_name="Ruusu")
    for _ in range(55):
        audit.record(Action.VIEW, object_type="goals", object_id=ruusu.id, client_id=ruusu.id,
                     user=staff)
    db.session.commit()
    auth.login(admin)
    html = client.get("/admin/audit", query_string={"client_name": "ruusu", "action": "view"})
    html = html.get_data(as_text=True)
    pager = html.split('class="pager"')[1]
    older = re.search(r'href="([^"]+)">[^<]*→', pager).group(1).replace("&amp;", "&")
    assert "page=2" in older and "client_name=ruusu" in older and "action=view" in older
    second = client.get(older).get_data(as_text=True)
    assert second.split('id="audit-entries"')[1].count("<li>") == 5
    assert 'value="ruusu"' in second  # the filter is shown as typed


def test_the_page_loads_names_in_a_fixed_number_of_queries(app, client, auth, admin, staff):
    people = [make_client(display_name=f"Asiakas {n}") for n in range(30)]

    def queries_for_page(count):
        for person in people[:count]:
            audit.record(Action.VIEW, object_type="goals", object_id=person.id,
                         client_id=person.id, user=staff)
        db.session.commit()
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert client.get("/admin/audit").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(statements)

    auth.login(admin)
    few = queries_for_page(2)
    many = queries_for_page(30)
    assert many == few


def _csv(response) -> list[list[str]]:
    body = response.get_data().decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body), delimiter=";"))


def test_csv_holds_the_filtered_entries_neutralised_and_is_logged(client, auth, admin, staff):
    tricky = make_client(display_name="=HYPERLINK(\"http://x\")")
    plain = make_client(display_name="Ruusu")
    audit.record(Action.VIEW, object_type="goals", object_id=tricky.id, client_id=tricky.id,
                 user=staff)
    audit.record(Action.VIEW, object_type="contacts", object_id=plain.id, client_id=plain.id,
                 user=staff, detail="=cmd|' /C calc'!A0")
    audit.record(Action.UPDATE, object_type="goal", object_id=1, client_id=plain.id, user=staff)
    db.session.commit()
    admin.locale = "en"
    db.session.commit()
    auth.login(admin)

    response = client.get("/admin/audit.csv", query_string={"action": "view"})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = _csv(response)
    assert rows[0] == ["Time", "Who", "What", "Client", "Details as recorded"]
    body = rows[1:]
    assert [r[2] for r in body] == ['viewed the contacts of Ruusu',
                                    "viewed the goals of =HYPERLINK(\"http://x\")"]
    assert body[0][1] == "Sanna Ohjaaja" and body[0][3] == "Ruusu"
    assert body[1][3] == "'=HYPERLINK(\"http://x\")"
    assert body[0][4] == "'=cmd|' /C calc'!A0"
    for row in body:
        for cell in row:
            assert not re.match(r"[=+\-@\t\r]", cell), cell

    # Every dangerous first character is neutralised, wherever it is.
    # Every dangerous first character is neutralised, in a name or in what was recorded (a name
    # cannot begin with a tab or a carriage return: the client form strips them).
    for name in ("+A", "-B", "@C"):
        person = make_client(display_name=name)
        audit.record(Action.VIEW, object_type="goals", object_id=person.id,
                     client_id=person.id, user=staff)
    for detail in ("\tD", "\rE"):
        audit.record(Action.VIEW, object_type="goals", object_id=plain.id, client_id=plain.id,
                     user=staff, detail=detail)
    db.session.commit()
    rows = _csv(client.get("/admin/audit.csv", query_string={"client_name": "", "action": "view"}))
    assert {"'+A", "'-B", "'@C"} <= {r[3] for r in rows[1:]}
    assert {"'\tD", "'\rE"} <= {r[4] for r in rows[1:]}

    db.session.rollback()
    logged = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "export", AuditEvent.object_type == "audit_log")
        .order_by(AuditEvent.id)).all()
    assert len(logged) == 2 and logged[0].user_id == admin.id
    assert logged[0].detail.startswith("csv, 2 rows; filters: action=view")
    # The export shows in the log as an export, in words.
    html = client.get("/admin/audit", query_string={"action": "export"}).get_data(as_text=True)
    assert "exported the access log" in html


def test_csv_with_a_client_name_stores_no_name_in_the_log(client, auth, admin, staff):
    ruusu = make_client(display_name="Ruusu")
    audit.record(Action.VIEW, object_type="goals", object_id=ruusu.id, client_id=ruusu.id,
                 user=staff)
    db.session.commit()
    auth.login(admin)
    rows = _csv(client.get("/admin/audit.csv", query_string={"client_name": "Ruusu"}))
    assert len(rows) == 3 and {r[3] for r in rows[1:]} == {"Ruusu"}  # the view and the adding
    db.session.rollback()
    export = db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "audit_log")).one()
    assert "Ruusu" not in export.detail and "ruusu" not in export.detail.lower()


@pytest.mark.parametrize("url", ["/admin/audit", "/admin/audit.csv"])
def test_only_the_admin_sees_the_log(client, auth, admin, staff, peer, url):
    for user in (staff, peer):
        auth.login(user)
        assert client.get(url).status_code == 403
        auth.logout()
    db.session.rollback()
    assert db.session.scalars(select(AuditEvent).where(
        AuditEvent.object_type == "audit_log")).all() == []
    auth.login(admin)
    assert client.get(url).status_code == 200


def test_the_page_keeps_the_anchor(client, auth, admin):
    auth.login(admin)
    html = client.get("/admin/audit").get_data(as_text=True)
    shown = html.split('id="log-anchor">')[1].split("<")[0]
    assert shown == str(audit.head())
