"""The client record: list, search, create, edit, the client page, pairings, ending, home page."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import event, select

from association_tool.extensions import db
from association_tool.models import (AuditEvent, Client, ClientEnding, FollowUpTask, Goal,
                                     PeerPairing)
from association_tool.timeutil import local_today

from .factories import login, make_client, make_user, pair


def form_data(**overrides):
    data = {"display_name": "Kettu", "full_name": "", "birth_year": "", "phone": "", "email": "",
            "language": "fi", "language_other": "", "contact_channel": "", "contact_notes": "",
            "level": "client_guidance", "status": "active", "start_date": local_today().isoformat(),
            "referral_source": "self", "referral_note": "", "responsible_id": "", "backup_id": "",
            "staff_notes": ""}
    data.update(overrides)
    return data


def test_a_nickname_alone_is_enough(client, staff):
    login(client, staff)
    response = client.post("/clients/new", data=form_data(display_name="Kettu"))
    assert response.status_code == 303
    created = db.session.scalars(select(Client)).one()
    assert created.display_name == "Kettu" and created.full_name is None
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Kettu" in page


def test_bad_input_is_refused_next_to_the_field_with_text_kept(client, staff):
    login(client, staff)
    cases = [
        ({"display_name": ""}, "display_name"),
        ({"birth_year": "1800", "full_name": "Kalle Kettunen"}, "birth_year"),
        ({"birth_year": "vuosi"}, "birth_year"),
        ({"email": "ei-osoite", "full_name": "Kalle Kettunen"}, "email"),
        ({"level": "super"}, "level"),
        ({"start_date": "2026-02-30"}, "start_date"),
        ({"responsible_id": str(staff.id), "backup_id": str(staff.id)}, "backup_id"),
        ({"responsible_id": "999999"}, "responsible_id"),
        ({"display_name": "x" * 121}, "display_name"),
    ]
    for overrides, field in cases:
        data = form_data(contact_notes="Soita iltapäivisin", **overrides)
        response = client.post("/clients/new", data=data)
        page = response.get_data(as_text=True)
        assert response.status_code == 422, overrides
        assert f'id="{field}-error"' in page, overrides
        assert "Soita iltapäivisin" in page, overrides
    assert db.session.query(Client).count() == 0


def test_list_search_filters_and_htmx_fragment(client, staff, admin):
    login(client, staff)
    make_client(display_name="Ruusu", full_name="Rosa Virtanen", responsible_id=staff.id)
    make_client(display_name="Pekka", level="intensive", responsible_id=admin.id)
    ended = make_client(display_name="Vanha Asiakas")
    ended.status = "ended"
    db.session.commit()

    page = client.get("/clients/").get_data(as_text=True)
    assert "Ruusu" in page and "Pekka" in page and "Vanha Asiakas" not in page
    assert "Rosa" not in client.get("/clients/?q=pekka").get_data(as_text=True)
    assert "Ruusu" in client.get("/clients/?q=virtanen").get_data(as_text=True)
    assert "Vanha Asiakas" in client.get("/clients/?q=vanha&status=all").get_data(as_text=True)
    mine = client.get("/clients/?mine=y").get_data(as_text=True)
    assert "Ruusu" in mine and "Pekka" not in mine
    intensive = client.get("/clients/?level=intensive").get_data(as_text=True)
    assert "Pekka" in intensive and "Ruusu" not in intensive
    by_worker = client.get(f"/clients/?worker={admin.id}").get_data(as_text=True)
    assert "Pekka" in by_worker and "Ruusu" not in by_worker
    fragment = client.get("/clients/?q=ruu", headers={"HX-Request": "true",
                                                      "HX-Target": "client-results"})
    body = fragment.get_data(as_text=True)
    assert body.lstrip().startswith('<div id="client-results"') and "Ruusu" in body


@pytest.mark.parametrize("query", ["page=0", "page=abc", "level=x", "status=<b>", "worker=abc",
                                   "sort=drop table", "q=%25", "q=_", "q=" + "a" * 300])
def test_odd_list_queries_never_fail(client, staff, query):
    login(client, staff)
    make_client(display_name="Ruusu")
    assert client.get(f"/clients/?{query}").status_code == 200


def test_search_treats_wildcards_literally(client, staff):
    login(client, staff)
    make_client(display_name="Ruusu")
    assert "Ruusu" not in client.get("/clients/?q=%25").get_data(as_text=True)


def test_search_index_follows_new_renamed_and_removed_clients(client, staff):
    login(client, staff)
    person = make_client(display_name="Ruusu", full_name="Rosa Virtanen")
    make_client(display_name="Pekka")

    def found(q):
        return client.get(f"/clients/?q={q}&status=all").get_data(as_text=True)

    assert "Ruusu" in found("virta") and "Pekka" not in found("virta")
    assert "Ruusu" in found("ROSA virt")  # case folded, every word must match
    assert "Ruusu" not in found("rosa pekka")
    edit = client.post(f"/clients/{person.id}/edit", data=form_data(
        display_name="Orvokki", full_name="Rosa Laine", version=str(person.version)))
    assert edit.status_code == 303
    assert "Orvokki" in found("laine") and "Orvokki" not in found("virta")
    db.session.delete(db.session.get(Client, person.id))
    db.session.commit()
    assert "Orvokki" not in found("laine")


@pytest.mark.parametrize("query", ['"o"ha', 'o"ha', "50%", "a_b", "ki*", "NEAR(", "-tai", "ka'la"])
def test_search_words_with_special_characters_match_literally(client, staff, query):
    login(client, staff)
    make_client(display_name="Ruusu", full_name='Kalle "O"hara 50% a_b ki* near( -tai ka\'la')
    make_client(display_name="Pekka")
    html = client.get("/clients/", query_string={"q": query}).get_data(as_text=True)
    assert "Ruusu" in html and "Pekka" not in html


SEARCHED_NAMES = [("Äijälä", "Äijälä Åsa"), ("Mikko M.", "Mikko Mäkelä"), ("Åsa", "Åsa Öberg"),
                  ("Kaija", "Kaija Väänänen-Åberg"), ("ÖRN", None), ("Ella", "Ella Kellomäki"),
                  ("Jürgen", "Jürgen Weiß"), ("Aamu", "Aamu Ääri"), ("Eero", "eero ahonen")]


@pytest.mark.parametrize("query", ["äij", "ÄIJÄ", "åsa", "ÅS", "mäk", "MÄKELÄ", "ell", "ll",
                                   "nen-åb", "örn", "Ö", "weiß", "ääri", "aa", "mik mäk",
                                   "äkel mik", "ella kello", "ö å", "ahonen", "Aho Eero", "ss",
                                   "a", "kellomäkii"])
def test_search_finds_exactly_the_clients_whose_names_hold_every_word(staff, query):
    """Whatever index answers (SQLite's trigrams, PostgreSQL's), the search must find exactly
    the clients whose names contain each word, in any case, with Finnish and Swedish letters."""
    from association_tool.clients.listing import ClientFilters, list_clients

    made = {make_client(display_name=d, full_name=f).id: " ".join(filter(None, [d, f])).lower()
            for d, f in SEARCHED_NAMES}
    words = query.lower().split()
    expected = {i for i, text in made.items() if all(w in text for w in words)}
    page = list_clients(staff, ClientFilters(q=query, status="all"))
    assert {row.id for row in page.items} == expected
    assert page.total == len(expected)


def test_search_of_three_letters_is_answered_from_an_index(app, client, staff):
    from sqlalchemy import text

    from association_tool.clients.listing import ClientFilters, list_clients

    for i in range(40):
        make_client(display_name=f"Asiakas {i:02d}", full_name="Aino Mäkinen" if i % 2 else "")
    statements = []

    def capture(conn, cursor, statement, parameters, *args):
        if "search_text" in statement:  # the search's own statements (count, then the page)
            statements.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        page = list_clients(staff, ClientFilters(q="mäki"))
        assert page.total == 20
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    statement, parameters = statements[0]
    conn = db.session.connection()
    if conn.dialect.name == "sqlite":
        plan = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
        assert any("VIRTUAL TABLE INDEX" in row[-1] for row in plan), plan
    else:
        # Enough clients, and statistics, for the planner to choose as it would in use (with a
        # few rows it reads the table; forcing it off a sequential scan makes it read the names
        # index instead, which holds search_text too).
        conn.execute(text(
            "INSERT INTO client (display_name, search_text, language, interpreter_needed, "
            "plain_language, level, status, start_date, referral_source, created_at, updated_at, "
            "version) SELECT 'Muu ' || n, 'muu ' || n, language, interpreter_needed, "
            "plain_language, level, status, start_date, referral_source, created_at, updated_at, "
            "version FROM client, generate_series(1, 50000) AS n WHERE client.id = :id"),
            {"id": page.items[0].id})
        conn.execute(text("ANALYZE client"))
        plan = conn.exec_driver_sql("EXPLAIN " + statement, parameters).all()
        assert any("ix_client_search_trgm" in row[0] for row in plan), plan
    db.session.rollback()


def test_paging_and_sorting(client, staff):
    login(client, staff)
    for i in range(30):
        make_client(display_name=f"Asiakas {i:02d}")
    first = client.get("/clients/").get_data(as_text=True)
    assert "Asiakas 00" in first and "Asiakas 29" not in first
    second = client.get("/clients/?page=2").get_data(as_text=True)
    assert "Asiakas 29" in second and "Asiakas 00" not in second


def _names_on(html):
    return re.findall(r'<a href="/clients/\d+">([^<]+)</a>', html)


@pytest.mark.parametrize("filters", ["", "&status=all", "&status=paused", "&level=intensive",
                                     "&sort=-start", "&mine=y"])
def test_a_broad_search_shows_the_same_pages_as_an_exact_one(client, staff, monkeypatch, filters):
    """Past the count cap the list reads the name index in order instead of sorting every
    match; the pages must be those the exact search gives, in the same order."""
    from association_tool.clients import listing

    login(client, staff)
    for i in range(60):
        make_client(display_name=f"{'Bb' if i % 3 else 'Aa'} Mäkinen {59 - i:02d}",
                    level="intensive" if i % 2 else "client_guidance",
                    status="paused" if i % 4 == 0 else "active",
                    responsible_id=staff.id if i % 5 else None)
    make_client(display_name="Ruusu Virta")  # matches no search below
    pages = {}
    # First exact; then past the cap, with the page found among the first names, and with too
    # few names read to fill it (all matches sorted instead).
    for cap, budget in ((10_000, 500), (7, 500), (7, 5)):
        monkeypatch.setattr(listing, "SEARCH_COUNT_CAP", cap)
        monkeypatch.setattr(listing, "WALK_BUDGET", budget)
        listing._plain_search.cache_clear()  # the budget is built into the cached queries
        pages[cap, budget] = [_names_on(client.get(f"/clients/?q=mäkinen{filters}&page={n}")
                                        .get_data(as_text=True)) for n in (1, 2, 3)]
    listing._plain_search.cache_clear()
    assert pages[7, 500] == pages[10_000, 500] == pages[7, 5]
    pages[7], pages[10_000] = pages[7, 500], pages[10_000, 500]
    assert any(pages[7]) and "Ruusu Virta" not in str(pages[7])
    monkeypatch.setattr(listing, "SEARCH_COUNT_CAP", 10_000)
    exact = client.get(f"/clients/?q=mäkinen{filters}").get_data(as_text=True)
    monkeypatch.setattr(listing, "SEARCH_COUNT_CAP", 7)
    broad = client.get(f"/clients/?q=mäkinen{filters}").get_data(as_text=True)
    total = int(re.search(r"(\d+) asiakas", exact).group(1))
    assert total == sum(len(names) for names in pages[10_000]) or total > 75
    assert ("Hakua vastaa yli 7 asiakasta" in broad) == (total > 7)


def test_a_broad_search_says_more_than_the_cap_and_pages_on(client, staff, monkeypatch):
    from association_tool.clients import listing

    login(client, staff)
    monkeypatch.setattr(listing, "SEARCH_COUNT_CAP", 30)
    for i in range(40):
        make_client(display_name=f"Virtanen {i:02d}")
    first = client.get("/clients/?q=virtanen").get_data(as_text=True)
    assert "Hakua vastaa yli 30 asiakasta" in first and "40 asiakasta" not in first
    assert _names_on(first) == [f"Virtanen {i:02d}" for i in range(25)]
    assert "Sivu 1<" in first and "?page=2&amp;q=virtanen" in first
    second = client.get("/clients/?q=virtanen&page=2").get_data(as_text=True)
    assert _names_on(second) == [f"Virtanen {i:02d}" for i in range(25, 40)]
    assert "page=3" not in second  # the cap's pages end here (30 → 2 pages)
    # A narrower search is counted exactly again.
    narrow = client.get("/clients/?q=virtanen 1").get_data(as_text=True)
    assert "13 asiakasta" in narrow and "Hakua vastaa yli" not in narrow  # 01, 10–19, 21, 31


def test_a_broad_search_keeps_its_work_bounded(app, client, staff, monkeypatch):
    """The count stops at the cap and the page is read from the name index, not sorted."""
    from association_tool.clients import listing
    from association_tool.clients.listing import ClientFilters, list_clients

    monkeypatch.setattr(listing, "SEARCH_COUNT_CAP", 5)
    for i in range(30):
        make_client(display_name=f"Laine {i:02d}")
    statements = []

    def capture(conn, cursor, statement, parameters, *args):
        statements.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        page = list_clients(staff, ClientFilters(q="laine"))
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    assert page.more and page.total == 5 and len(page.items) == 25
    count = next(s for s, _ in statements if "count(" in s.lower())
    assert "LIMIT" in count.upper()
    ids, parameters = next((s, p) for s, p in statements
                           if "display_name" in s and "count(" not in s.lower())
    assert len([s for s, _ in statements if "display_name" in s]) == 1  # no sort of all matches
    conn = db.session.connection()
    if conn.dialect.name == "sqlite":
        # The walk reads names, statuses and search texts from one index, not the clients' rows.
        assert "client_search" not in ids
        plan = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + ids, parameters).all()
        assert any("COVERING INDEX ix_client_name_text" in row[-1] for row in plan), plan
    db.session.rollback()


@pytest.mark.parametrize("status", ["", "all"])
def test_the_list_by_start_date_reads_a_page_from_an_index(app, staff, status):
    """Newest first: the page's ids come from ix_client_start_status in order, not from
    sorting every client (67 ms at 100,000 clients on SQLite before the index)."""
    from association_tool.clients.listing import ClientFilters, list_clients

    for i in range(30):
        make_client(display_name=f"Asiakas {i:02d}", start_date=local_today() - timedelta(days=i))
    statements = []

    def capture(conn, cursor, statement, parameters, *args):
        if "start_date DESC" in statement:
            statements.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        page = list_clients(staff, ClientFilters(sort="-start", status=status))
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    assert [row.display_name for row in page.items] == [f"Asiakas {i:02d}" for i in range(25)]
    conn = db.session.connection()
    if conn.dialect.name == "sqlite":
        statement, parameters = statements[0]
        plan = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
        assert any("ix_client_start_status" in row[-1] for row in plan), plan
    db.session.rollback()


@pytest.mark.parametrize("sort", ["name", "-start", "start", "level"])
@pytest.mark.parametrize("status, shown", [
    ("", {"Aktiivi", "Tauko"}), ("all", {"Aktiivi", "Tauko", "Päättynyt"}), ("active", {"Aktiivi"}),
    ("paused", {"Tauko"}), ("ended", {"Päättynyt"})])
def test_every_status_and_sort_lists_the_right_clients(client, staff, status, shown, sort):
    login(client, staff)
    make_client(display_name="Aktiivi")
    make_client(display_name="Tauko", status="paused")
    ended = make_client(display_name="Päättynyt")
    ended.status = "ended"
    db.session.commit()
    html = client.get(f"/clients/?status={status}&sort={sort}").get_data(as_text=True)
    assert set(_names_on(html)) == shown
    assert f"{len(shown)} asiakas" in html


def _counted_by_the_database():
    from sqlalchemy import func

    from association_tool.models import ClientStatusCount

    kept = dict(db.session.execute(
        select(ClientStatusCount.status, ClientStatusCount.clients)).tuples().all())
    counted = dict(db.session.execute(
        select(Client.status, func.count()).group_by(Client.status)).tuples().all())
    return {s: n for s, n in kept.items() if n}, counted


def test_the_list_total_follows_every_change_of_status(client, staff):
    """The totals come from counters the database keeps by triggers: a new client, a status
    changed by the form, an ending, a reopening and a deletion must each move them."""
    login(client, staff)
    people = [make_client(display_name=f"Asiakas {i}", status="paused" if i < 2 else "active")
              for i in range(5)]
    kept, counted = _counted_by_the_database()
    assert kept == counted == {"active": 3, "paused": 2}

    ending = {"end_date": local_today().isoformat(), "reason": "goals_reached",
              "continuation_plan": "Käy ryhmässä"}
    assert client.post(f"/clients/{people[4].id}/ending", data=ending).status_code == 303
    assert client.post(f"/clients/{people[3].id}/ending", data=ending).status_code == 303
    assert client.post(f"/clients/{people[3].id}/reopen").status_code in (200, 303)
    db.session.expire_all()
    paused = db.session.get(Client, people[0].id)
    paused.status = "active"  # as the client form saves it
    db.session.delete(db.session.get(Client, people[1].id))
    db.session.commit()
    kept, counted = _counted_by_the_database()
    assert kept == counted == {"active": 3, "ended": 1}
    for status, total in (("", 3), ("all", 4), ("ended", 1), ("active", 3), ("paused", 0)):
        html = client.get(f"/clients/?status={status}").get_data(as_text=True)
        assert re.search(rf">{total} asiakas(ta)?<", html), status


def test_list_shows_the_next_due_item(client, staff):
    login(client, staff)
    person = make_client(display_name="Ruusu")
    db.session.add(Goal(client_id=person.id, text="Oma asunto", review_date=local_today()
                        + timedelta(days=3)))
    db.session.commit()
    assert "Oma asunto" in client.get("/clients/").get_data(as_text=True)


def test_intensive_cap_warns_and_asks_for_confirmation(client, staff):
    login(client, staff)
    for i in range(40):
        make_client(display_name=f"Tiivis {i}", level="intensive", responsible_id=staff.id)
    data = form_data(display_name="Neljäskymmenesensimmäinen", level="intensive",
                     responsible_id=str(staff.id))
    warned = client.post("/clients/new", data=data)
    assert warned.status_code == 422
    assert 'name="confirm_over_cap"' in warned.get_data(as_text=True)
    assert db.session.query(Client).count() == 40
    confirmed = client.post("/clients/new", data=dict(data, confirm_over_cap="y"))
    assert confirmed.status_code == 303
    assert db.session.query(Client).count() == 41


def test_changing_the_responsible_worker_creates_a_task(client, staff, admin):
    login(client, staff)
    person = make_client(display_name="Ruusu", responsible_id=staff.id)
    other = make_user(role="staff", name="Uusi Vastuuhenkilö")
    response = client.post(f"/clients/{person.id}/edit", data=form_data(
        display_name="Ruusu", responsible_id=str(other.id), version=str(person.version)))
    assert response.status_code == 303
    task = db.session.scalars(select(FollowUpTask)).one()
    assert task.owner_id == other.id and task.source == "worker_change"
    assert task.client_id == person.id and task.due_date is not None


def test_stale_edit_is_refused_and_text_kept(client, staff):
    login(client, staff)
    person = make_client(display_name="Ruusu")
    first = client.post(f"/clients/{person.id}/edit", data=form_data(
        display_name="Ruusu A", version="1"))
    assert first.status_code == 303
    late = client.post(f"/clients/{person.id}/edit", data=form_data(
        display_name="Ruusu B", contact_notes="Tärkeä muistiinpano", version="1"))
    page = late.get_data(as_text=True)
    assert late.status_code == 422
    assert "Ruusu B" in page and "Tärkeä muistiinpano" in page
    db.session.expire_all()
    assert db.session.get(Client, person.id).display_name == "Ruusu A"


def test_ending_via_the_edit_form_is_refused(client, staff):
    login(client, staff)
    person = make_client(display_name="Ruusu")
    response = client.post(f"/clients/{person.id}/edit", data=form_data(
        display_name="Ruusu", status="ended", version="1"))
    assert response.status_code == 422
    assert db.session.get(Client, person.id).status == "active"


def test_client_page_and_its_view_is_logged(client, staff):
    login(client, staff)
    person = make_client(display_name="Ruusu", staff_notes="Vain henkilöstölle")
    page = client.get(f"/clients/{person.id}").get_data(as_text=True)
    assert "Ruusu" in page and "Vain henkilöstölle" in page
    logged = db.session.scalars(select(AuditEvent).where(AuditEvent.client_id == person.id,
                                                         AuditEvent.action == "view")).all()
    assert logged and logged[-1].user_id == staff.id


def test_unknown_client_gives_404(client, staff):
    login(client, staff)
    for path in ("/clients/999999", "/clients/0", "/clients/999999/edit", "/clients/99999999999"):
        assert client.get(path).status_code == 404


# --- peers --------------------------------------------------------------------------------------

SECRET_NOTE = "Salainen henkilöstön muistiinpano"


def test_peer_sees_only_the_paired_client_and_allowed_parts(client, staff, peer):
    mine = make_client(display_name="Oma Asiakas", full_name="Täysi Nimi", phone="040 111",
                       staff_notes=SECRET_NOTE)
    other = make_client(display_name="Vieras Asiakas", staff_notes="Toisen muistiinpano")
    pair(peer, mine, sections=("goals",))
    login(client, peer)
    listing = client.get("/clients/").get_data(as_text=True)
    assert "Oma Asiakas" in listing and "Vieras Asiakas" not in listing
    assert "Täysi Nimi" not in listing
    page = client.get(f"/clients/{mine.id}").get_data(as_text=True)
    assert "Oma Asiakas" in page
    assert SECRET_NOTE not in page and "Täysi Nimi" not in page and "040 111" not in page
    denied = client.get(f"/clients/{other.id}")
    assert denied.status_code == 404
    assert "Vieras Asiakas" not in denied.get_data(as_text=True)
    for path in (f"/clients/{mine.id}/edit", f"/clients/{mine.id}/peers",
                 f"/clients/{mine.id}/ending"):
        response = client.get(path)
        assert response.status_code in (403, 404), path
        assert SECRET_NOTE not in response.get_data(as_text=True)


def test_contact_details_only_when_the_client_allows(client, staff, peer):
    person = make_client(display_name="Ruusu", phone="040 222")
    pair(peer, person, sections=("goals", "contact_details"))
    login(client, peer)
    assert "040 222" in client.get(f"/clients/{person.id}").get_data(as_text=True)


def test_an_ended_pairing_gives_no_access(client, staff, peer):
    person = make_client(display_name="Ruusu")
    pair(peer, person, ends_on=local_today() - timedelta(days=1))
    login(client, peer)
    assert client.get(f"/clients/{person.id}").status_code == 404
    assert "Ruusu" not in client.get("/clients/").get_data(as_text=True)


def test_staff_pairs_and_unpairs_a_peer(client, staff, peer):
    person = make_client(display_name="Ruusu")
    login(client, staff)
    page = client.get(f"/clients/{person.id}/peers").get_data(as_text=True)
    assert peer.name in page
    forged = client.post(f"/clients/{person.id}/peers", data={
        "peer_id": str(peer.id), "sections": ["goals", "consents"],
        "agreed_on": local_today().isoformat(), "agreed_how": "Suullisesti", "ends_on": ""})
    assert forged.status_code == 422  # consents are never for peers
    assert db.session.query(PeerPairing).count() == 0
    response = client.post(f"/clients/{person.id}/peers", data={
        "peer_id": str(peer.id), "sections": ["goals", "tasks"],
        "agreed_on": local_today().isoformat(), "agreed_how": "Suullisesti", "ends_on": ""})
    assert response.status_code == 303
    pairing = db.session.scalars(select(PeerPairing)).one()
    assert pairing.section_list == ["goals", "tasks"]
    bad = client.post(f"/clients/{person.id}/peers", data={
        "peer_id": str(staff.id), "agreed_on": "x", "agreed_how": "Kirjallisesti"})
    assert bad.status_code == 422 and "Kirjallisesti" in bad.get_data(as_text=True)
    client.post(f"/clients/{person.id}/peers/{pairing.id}/remove")
    assert db.session.query(PeerPairing).count() == 0


def test_pairing_of_another_client_gives_404(client, staff, peer):
    first, second = make_client(), make_client()
    pairing = pair(peer, first)
    login(client, staff)
    assert client.post(f"/clients/{second.id}/peers/{pairing.id}/remove").status_code == 404
    assert db.session.query(PeerPairing).count() == 1


# --- ending -------------------------------------------------------------------------------------

def test_ending_and_reopening(client, staff):
    person = make_client(display_name="Ruusu", responsible_id=staff.id)
    login(client, staff)
    bad = client.post(f"/clients/{person.id}/ending", data={
        "end_date": local_today().isoformat(), "reason": "goals_reached",
        "continuation_plan": "Käy ryhmässä", "follow_up_date": "2000-01-01"})
    assert bad.status_code == 422 and "Käy ryhmässä" in bad.get_data(as_text=True)
    follow_up = local_today() + timedelta(days=30)
    response = client.post(f"/clients/{person.id}/ending", data={
        "end_date": local_today().isoformat(), "reason": "goals_reached",
        "continuation_plan": "Käy ryhmässä", "contact_if_difficulties": "Soita Sannalle",
        "follow_up_date": follow_up.isoformat()})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Client, person.id).status == "ended"
    task = db.session.scalars(select(FollowUpTask)).one()
    assert task.due_date == follow_up and task.source == "ending" and task.owner_id == staff.id
    assert "Soita Sannalle" in client.get(f"/clients/{person.id}/ending").get_data(as_text=True)
    assert "Ruusu" not in client.get("/clients/").get_data(as_text=True)

    client.post(f"/clients/{person.id}/reopen")
    db.session.expire_all()
    assert db.session.get(Client, person.id).status == "active"
    ending = db.session.scalars(select(ClientEnding)).one()
    assert ending.reopened_at is not None


# --- home ---------------------------------------------------------------------------------------

def test_home_shows_my_clients_tasks_and_reviews(client, staff):
    from association_tool.tasks.services import create_task

    person = make_client(display_name="Ruusu", responsible_id=staff.id)
    create_task(person, title="Soita Kelaan", owner_id=staff.id,
                due_date=local_today() - timedelta(days=2))
    create_task(person, title="Kaukainen tehtävä", owner_id=staff.id,
                due_date=local_today() + timedelta(days=60))
    db.session.add(Goal(client_id=person.id, text="Oma asunto",
                        review_date=local_today() + timedelta(days=2)))
    db.session.commit()
    login(client, staff)
    page = client.get("/").get_data(as_text=True)
    assert "Ruusu" in page and "Soita Kelaan" in page and "Oma asunto" in page
    assert "Kaukainen tehtävä" not in page


# --- query counts -------------------------------------------------------------------------------

def _count_queries(client, path):
    statements = []

    def capture(conn, cursor, statement, *args):
        if not statement.startswith(("BEGIN", "PRAGMA", "SAVEPOINT", "RELEASE")):
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        response = client.get(path)
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    assert response.status_code == 200
    return len(statements)


def _grow(count, staff):
    from association_tool.models import Contact
    from association_tool.tasks.services import create_task

    clients = []
    for i in range(count):
        person = make_client(display_name=f"Kasvu {i:03d}", responsible_id=staff.id)
        db.session.add(Goal(client_id=person.id, text=f"Tavoite {i}",
                            review_date=local_today() + timedelta(days=i % 9)))
        db.session.add(Contact(client_id=person.id, on=local_today(), channel="phone",
                               worker_id=staff.id))
        create_task(person, title=f"Tehtävä {i}", owner_id=staff.id, due_date=local_today())
        clients.append(person)
    db.session.commit()
    return clients


def test_list_and_client_page_use_a_constant_number_of_queries(client, staff):
    login(client, staff)
    small = _grow(3, staff)
    list_small = _count_queries(client, "/clients/")
    page_small = _count_queries(client, f"/clients/{small[0].id}")
    home_small = _count_queries(client, "/")
    large = _grow(30, staff)
    for person in large[:5]:
        for j in range(5):
            db.session.add(Goal(client_id=person.id, text=f"Lisä {j}"))
    db.session.commit()
    assert _count_queries(client, "/clients/") == list_small
    assert _count_queries(client, f"/clients/{large[0].id}") == page_small
    assert _count_queries(client, "/") == home_small
