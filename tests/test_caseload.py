"""Caseloads by level of guidance against the intensive limit, and anonymous contacts counted."""
from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import event

from association_tool.clients import caseload as caseload_module
from association_tool.clients.caseload import INTENSIVE_NEAR, caseloads
from association_tool.clients.services import INTENSIVE_CAP
from association_tool.contacts.services import anonymous_counts, create_anonymous_contact
from association_tool.extensions import db
from association_tool.models import Client

from .factories import make_client, make_user


def _clients(worker, level, number, status="active"):
    """Add `number` clients of the worker at a level straight into the table (fast)."""
    for n in range(number):
        db.session.add(Client(display_name=f"{worker.name} {level} {n}", level=level,
                              status=status, start_date=date(2026, 1, 5),
                              responsible_id=worker.id, search_text=""))
    db.session.commit()


@pytest.fixture
def workers(app, admin, staff):
    """Three workers: over the limit, near it, and well within it (the admin has none)."""
    over = make_user(role="staff", name="Olli Ylikuormitettu")
    near = make_user(role="staff", name="Nea Lähellä")
    _clients(over, "intensive", INTENSIVE_CAP + 1)
    _clients(over, "advice", 2)
    _clients(over, "intensive", 3, status="ended")  # ended clients are no longer counted
    _clients(near, "intensive", INTENSIVE_NEAR)
    _clients(near, "client_guidance", 1, status="paused")  # paused ones still are
    _clients(staff, "intensive", 2)
    _clients(staff, "client_guidance", 5)
    _clients(staff, "advice", 1)
    return over, near, staff


def test_the_limit_is_the_one_the_client_form_warns_with():
    assert caseload_module.INTENSIVE_CAP is INTENSIVE_CAP == 40
    assert INTENSIVE_NEAR == 36


def test_counts_per_worker_and_level(workers, admin):
    over, near, staff = workers
    loads = {load.worker_id: load for load in caseloads()}
    assert loads[over.id].by_level == {"advice": 2, "client_guidance": 0, "intensive": 41}
    assert loads[near.id].by_level == {"advice": 0, "client_guidance": 1, "intensive": 36}
    assert loads[staff.id].by_level == {"advice": 1, "client_guidance": 5, "intensive": 2}
    assert loads[admin.id].total == 0  # a worker with no clients is listed too
    assert (loads[over.id].state, loads[near.id].state, loads[staff.id].state) == ("over", "near", "")
    assert [load.worker_id for load in caseloads()][:3] == [over.id, near.id, staff.id]


def test_a_worker_who_left_still_has_their_clients_counted(workers):
    over, _, _ = workers
    over.active = False
    db.session.commit()
    loads = {load.worker_id: load for load in caseloads()}
    assert loads[over.id].intensive == 41


def test_counted_in_one_grouped_query(workers):
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        caseloads()
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    counting = [s for s in statements if "FROM client" in s]
    assert len(counting) == 1 and "GROUP BY" in counting[0]


def test_the_page_shows_own_caseload_and_everyone_with_the_limit(client, auth, workers):
    over, near, staff = workers
    staff.locale = "en"
    db.session.commit()
    auth.login(staff)
    html = client.get("/clients/caseload").get_data(as_text=True)
    own = html.split('id="own-caseload"')[1].split("</article>")[0]
    assert "8 clients" in own and "2 intensive clients of at most 40" in own
    rows = {int(worker): row for worker, row in
            re.findall(r'data-worker="(\d+)">(.*?)</tr>', html, flags=re.S)}
    assert "Over the limit" in rows[over.id] and "(41/40)" in rows[over.id]
    assert "Near the limit" in rows[near.id] and "(36/40)" in rows[near.id]
    assert "Within the limit" in rows[staff.id]
    assert 'class="caseload-over" data-worker="%d"' % over.id in html


def test_the_home_page_links_to_the_caseloads(client, auth, staff, peer):
    auth.login(staff)
    assert "/clients/caseload" in client.get("/").get_data(as_text=True)
    auth.logout()
    auth.login(peer)
    assert "/clients/caseload" not in client.get("/").get_data(as_text=True)


def test_peers_may_not_see_caseloads(client, auth, workers, peer):
    auth.login(peer)
    response = client.get("/clients/caseload")
    assert response.status_code == 403
    assert "Olli" not in response.get_data(as_text=True)


# --- anonymous contacts counted ------------------------------------------------------------------

def _anonymous(*days):
    for day in days:
        create_anonymous_contact(on=day, channel="phone")
    db.session.commit()


@pytest.mark.parametrize("today, week, month", [
    # Wednesday 2 December 2026: the week began on Monday 30 November, in the month before.
    (date(2026, 12, 2), 3, 2),
    # Sunday 6 December: the last day of that week.
    (date(2026, 12, 6), 4, 3),
    # Monday 7 December: a new week; the month goes on.
    (date(2026, 12, 7), 1, 4),
    # Monday 30 November: the last day of November is in the same week as 1 December.
    (date(2026, 11, 30), 1, 3),
])
def test_anonymous_counts_on_week_and_month_boundaries(app, admin, today, week, month):
    _anonymous(date(2026, 11, 1), date(2026, 11, 29), date(2026, 11, 30),  # Sun 29.11, Mon 30.11
               date(2026, 12, 1), date(2026, 12, 2), date(2026, 12, 6),  # Tue, Wed, Sun
               date(2026, 12, 7),  # Monday of the next week
               date(2026, 12, 8))  # after the day asked about: not counted
    make_client(display_name="Ruusu")  # a client's contacts are not anonymous
    assert (anonymous_counts(today).week, anonymous_counts(today).month) == (week, month)


def test_a_clients_contacts_are_not_counted_as_anonymous(app, admin, staff):
    from association_tool.contacts.services import create_contact

    ruusu = make_client(display_name="Ruusu")
    create_contact(ruusu, on=date(2026, 12, 2), channel="phone", worker_id=staff.id)
    _anonymous(date(2026, 12, 2))
    counts = anonymous_counts(date(2026, 12, 2))
    assert (counts.week, counts.month) == (1, 1)


def test_staff_see_the_counts_with_the_form_and_peers_do_not(client, auth, staff, peer):
    from association_tool.timeutil import local_today

    _anonymous(local_today(), local_today())
    staff.locale = "en"
    db.session.commit()
    auth.login(staff)
    home = client.get("/").get_data(as_text=True)
    assert "Anonymous contacts counted: 2 this week, 2 this month." in home
    # After counting one more, the form comes back with the new figures.
    saved = client.post("/contacts/anonymous", headers={"HX-Request": "true"},
                        data={"on": local_today().isoformat(), "channel": "phone",
                              "age_group": "unknown"})
    assert "Anonymous contacts counted: 3 this week, 3 this month." in saved.get_data(as_text=True)
    # A form sent with a mistake shows them too, on the anonymous contact page.
    wrong = client.post("/contacts/anonymous", data={"on": "", "channel": "phone"})
    assert wrong.status_code == 422
    assert "Anonymous contacts counted: 3 this week" in wrong.get_data(as_text=True)
    auth.logout()
    auth.login(peer)
    assert "Anonymous contacts counted" not in client.get("/").get_data(as_text=True)
