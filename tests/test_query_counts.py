"""Every page a worker opens all day asks the database the same number of statements whatever
the size of what it shows: a client with one contact or forty, a worker with 40 clients or 70.

The data is the benchmark's own seed (bench/seed.py) at a small scale, so that each section has
clients with few and with many records of every kind.
"""
from collections import defaultdict

import pytest
from sqlalchemy import event, text

from association_tool.extensions import db
from bench.seed import HEAVY_EMAIL, LOGIN_EMAIL, PASSWORD, Scale, seed

from .factories import login

# The table whose rows a section lists, per section of the client's record.
SECTIONS = {"goals": "goal", "contacts": "contact", "tasks": "follow_up_task",
            "errands": "errand", "referrals": "referral", "meetings": "network_meeting",
            "network": "network_member", "agreement": "contact_agreement", "consents": "consent",
            "notifications": "social_services_notification", "peers": "peer_pairing",
            "ending": "network_member"}


@pytest.fixture
def seeded(app):
    done = seed(app.config["SQLALCHEMY_DATABASE_URI"], Scale(clients=200))
    db.session.remove()
    return done


def _statements(client, path) -> int:
    statements = []

    def capture(conn, cursor, statement, *args):
        if not statement.startswith(("BEGIN", "PRAGMA", "SAVEPOINT", "RELEASE", "SELECT pg_")):
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        response = client.get(path)
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    assert response.status_code == 200, path
    return len(statements)


class _User:
    def __init__(self, email):
        self.email = email


def test_every_section_asks_as_many_statements_for_few_records_as_for_many(client, seeded):
    login(client, _User(LOGIN_EMAIL), PASSWORD)
    clients = db.session.scalars(text(
        "SELECT id FROM client WHERE status != 'ended' ORDER BY id LIMIT 30")).all()
    spread = {}
    for section, table in SECTIONS.items():
        rows = dict(db.session.execute(text(
            f"SELECT client_id, count(*) FROM {table} GROUP BY client_id")).all())
        by_count = defaultdict(list)  # statements: [records of the clients that took that many]
        for client_id in clients:
            if rows.get(client_id):
                by_count[_statements(client, f"/clients/{client_id}/{section}")].append(
                    rows[client_id])
        if by_count:
            spread[section] = dict(by_count)
    db.session.remove()
    varying = {section: counts for section, counts in spread.items() if len(counts) > 1}
    assert not varying, f"statements per page: [records of the clients shown]: {varying}"
    # The comparison means something: the clients' records differ in number in most sections.
    assert sum(1 for counts in spread.values()
               if max(max(r) for r in counts.values()) > min(min(r) for r in counts.values())) >= 6


def test_the_home_and_client_pages_do_not_grow_with_the_caseload(client, seeded):
    login(client, _User(LOGIN_EMAIL), PASSWORD)
    usual = _statements(client, "/")
    usual_due = _statements(client, "/due")
    page = {_statements(client, f"/clients/{client_id}") for client_id in seeded.client_ids[:10]}
    client.post("/logout")
    login(client, _User(HEAVY_EMAIL), PASSWORD)
    assert _statements(client, "/") == usual
    assert _statements(client, "/due") == usual_due  # the page of all that is due, too
    assert len(page) == 1, f"the client page took {sorted(page)} statements"


def test_an_approved_meeting_asks_as_many_statements_whoever_took_part(client, seeded):
    """The distribution list checks every participant: the network members' consents and the
    peer supporters' pairings, each in one statement however many take part (a meeting without
    a peer supporter has no pairing to read)."""
    login(client, _User(LOGIN_EMAIL), PASSWORD)
    counts = defaultdict(lambda: defaultdict(list))
    for client_id, meeting_id in seeded.approved_meetings[:20]:
        participants, peers = db.session.execute(text(
            "SELECT count(*), count(u.id) FROM meeting_participant p LEFT JOIN \"user\" u "
            "ON u.id = p.user_id AND u.role = 'peer' WHERE p.meeting_id = :m"),
            {"m": meeting_id}).one()
        db.session.remove()
        statements = _statements(client, f"/clients/{client_id}/meetings/{meeting_id}")
        counts[bool(peers)][statements].append(participants)
    for with_peers, by_count in counts.items():
        assert len(by_count) == 1, (
            f"{'with' if with_peers else 'without'} peer supporters, statements: "
            f"[participants of the meetings]: {dict(by_count)}")
