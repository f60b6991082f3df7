"""Seed a synthetic association fast, with bulk Core inserts (executemany), never the ORM services.

The schema must already exist (`flask --app app db upgrade`). Everything is deterministic for a
given scale, so two runs measure the same data. Sizes at the default scale of 10,000 clients:
100,000 contacts, 30,000 goals, 20,000 follow-up tasks (meetings do not exist in the schema yet),
30,000 goal progress entries, 5,000 goal reviews, 100,000 access-log entries, 50 users.
"""
from __future__ import annotations

import hashlib
import json
import random
import time
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import create_engine, func, insert, select, text

from association_tool.audit import GENESIS
from association_tool.config import normalise_database_url
from association_tool.models import (AuditEvent, Client, ClientEnding, Contact, FollowUpTask, Goal,
                                     GoalProgress, GoalReview, PeerPairing, Setting, User)
from association_tool.models.clients import CONTACT_CHANNELS, LIFE_AREAS
from association_tool.timeutil import local_today, utcnow

PASSWORD = "bench-salasana-ei-oikea-42"
LOGIN_EMAIL = "staff01@bench.example.org"
BATCH = 10_000

FIRST = ("Aino", "Eino", "Helmi", "Väinö", "Ella", "Onni", "Aada", "Leo", "Sofia", "Elias",
         "Olivia", "Oliver", "Emma", "Eetu", "Venla", "Lauri", "Iida", "Mikko", "Kaisa", "Jari",
         "Tiina", "Pekka", "Sari", "Juha", "Minna", "Timo", "Anne", "Kari", "Leena", "Matti",
         "Päivi", "Heikki", "Riikka", "Antti", "Satu", "Janne", "Hanna", "Ville", "Katja", "Sami",
         "Maarit", "Tuomas", "Johanna", "Markku", "Outi", "Risto", "Pirjo", "Arto", "Tuula", "Esa",
         "Linnea", "Nils", "Märta", "Axel", "Ahmed", "Fatima", "Olena", "Dmitri", "Amina", "Hussein")
LAST = ("Korhonen", "Virtanen", "Mäkinen", "Nieminen", "Mäkelä", "Hämäläinen", "Laine", "Heikkinen",
        "Koskinen", "Järvinen", "Lehtonen", "Lehtinen", "Saarinen", "Salminen", "Heinonen",
        "Niemi", "Heikkilä", "Kinnunen", "Salonen", "Turunen", "Salo", "Laitinen", "Tuominen",
        "Rantanen", "Karjalainen", "Jokinen", "Mattila", "Savolainen", "Lahtinen", "Ahonen",
        "Lindqvist", "Nyström", "Holmberg", "Ali", "Hassan", "Kovalenko", "Ivanova", "Mohamed")
GOAL_TEXTS = ("Haluan saada oman asunnon ennen talvea.", "Käyn ryhmässä kerran viikossa.",
              "Maksan vuokran ajallaan kolme kuukautta peräkkäin.", "Nukun yöt paremmin.",
              "Hakeudun työkokeiluun.", "Tapaan tytärtäni säännöllisesti.",
              "Vähennän alkoholin käyttöä viikonloppuisin.", "Hoidan Kela-asiat itse.",
              "Liikun ulkona joka päivä.", "Aloitan opinnot syksyllä.")
MEANS = ("Ohjaaja tulee mukaan Kelaan.", "Vertainen soittaa maanantaisin.", "Budjetti yhdessä.",
         "Ryhmä torstaisin klo 14.", None)
TASK_TITLES = ("Soita asumisneuvojalle", "Varaa aika terveysasemalle", "Kysy Kelan päätöksestä",
               "Muistuta verkostopalaverista", "Tarkista toimeentulotukihakemus",
               "Kerro asiakkaalle uusi vastuutyöntekijä", "Sovi seuraava tapaaminen")
NOTES = ("Juteltiin asumisesta ja raha-asioista.", "Asiakas oli hyvällä tuulella.",
         "Käytiin yhdessä apteekissa.", "Puhelu, ei vastannut; yritetään huomenna.",
         "Ryhmässä paikalla, osallistui keskusteluun.", None)


@dataclass
class Scale:
    """How much to seed; everything but the users grows with the clients."""

    clients: int = 10_000
    users: int = 50

    @property
    def contacts(self) -> int:
        return self.clients * 10

    @property
    def goals(self) -> int:
        return self.clients * 3

    @property
    def tasks(self) -> int:
        return self.clients * 2

    @property
    def progress(self) -> int:
        return self.clients * 3

    @property
    def reviews(self) -> int:
        return self.clients // 2

    @property
    def audit_events(self) -> int:
        return self.clients * 10

    def counts(self) -> dict[str, int]:
        """The row counts, as reported."""
        return {"users": self.users, "clients": self.clients, "contacts": self.contacts,
                "goals": self.goals, "follow_up_tasks (in place of meetings)": self.tasks,
                "goal_progress": self.progress, "goal_reviews": self.reviews,
                "audit_events": self.audit_events}


@dataclass
class Seeded:
    """What the load generator needs to know about the seeded data."""

    login_email: str
    password: str
    client_ids: list[int] = field(default_factory=list)  # active clients with goals and contacts
    search_terms: list[str] = field(default_factory=list)
    seconds: float = 0.0
    rows: dict[str, int] = field(default_factory=dict)


def password_hash() -> str:
    """Hash the benchmark password once; every user gets the same precomputed Argon2 hash."""
    from argon2 import PasswordHasher

    return PasswordHasher().hash(PASSWORD)


def _bulk(conn, table, rows) -> int:
    """Insert rows in batches with executemany; return how many."""
    count = 0
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            conn.execute(insert(table), batch)
            count += len(batch)
            batch = []
    if batch:
        conn.execute(insert(table), batch)
        count += len(batch)
    return count


def _digest(prev_hash: str, row: dict) -> str:
    """The access log's chain hash, computed exactly as association_tool.audit does."""
    payload = json.dumps([prev_hash, row["at"].isoformat(timespec="microseconds"), row["user_id"],
                          row["actor"], row["action"], row["object_type"], row["object_id"],
                          row["client_id"], row["detail"], row["ip"]],
                         ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def seed(database_url: str, scale: Scale, *, seed_value: int = 20251123) -> Seeded:
    """Fill an empty, migrated database with a synthetic association."""
    started = time.perf_counter()
    rng = random.Random(seed_value)
    engine = create_engine(normalise_database_url(database_url))
    today = local_today()
    now = utcnow().replace(microsecond=0)
    hashed = password_hash()
    rows: dict[str, int] = {}
    n_staff = max(2, scale.users * 4 // 5 - 1)
    n_peer = scale.users - 1 - n_staff
    with engine.begin() as conn:
        if conn.execute(select(func.count()).select_from(User.__table__)).scalar_one():
            raise SystemExit("the bench database is not empty")
        conn.execute(insert(Setting.__table__), [{"key": "association_name",
                                                 "value": "Penkkiyhdistys ry"}])
        users = [{"id": 1, "email": "admin@bench.example.org", "name": "Anna Admin", "role": "admin"}]
        users += [{"id": i + 2, "email": f"staff{i + 1:02d}@bench.example.org",
                   "name": f"{FIRST[i % len(FIRST)]} Ohjaaja {i + 1}", "role": "staff"}
                  for i in range(n_staff)]
        users += [{"id": n_staff + i + 2, "email": f"peer{i + 1:02d}@bench.example.org",
                   "name": f"{FIRST[(i + 7) % len(FIRST)]} Vertainen {i + 1}", "role": "peer"}
                  for i in range(n_peer)]
        for user in users:
            user.update(password_hash=hashed, locale="fi", active=True, must_change_password=False,
                        password_changed_at=now, created_at=now, version=1, phone=None,
                        lock_cleared_at=None)
        rows["users"] = _bulk(conn, User.__table__, users)
        staff_ids = [u["id"] for u in users if u["role"] in ("admin", "staff")]
        peer_ids = [u["id"] for u in users if u["role"] == "peer"]

        statuses = ["active"] * 8 + ["paused", "ended"]
        levels = ["advice", "client_guidance", "client_guidance", "intensive"]
        client_status: dict[int, str] = {}

        def clients():
            for cid in range(1, scale.clients + 1):
                first, last = rng.choice(FIRST), rng.choice(LAST)
                display = f"{first} {last[0]}." if rng.random() < 0.7 else first
                full = f"{first} {last}" if rng.random() < 0.7 else None
                status = rng.choice(statuses)
                client_status[cid] = status
                start = today - timedelta(days=rng.randint(0, 6 * 365))
                yield {"id": cid, "display_name": display, "full_name": full,
                       "search_text": " ".join(filter(None, [display, full])).lower(),
                       "birth_year": rng.randint(1945, 2006) if rng.random() < 0.6 else None,
                       "phone": f"040 {rng.randint(1000000, 9999999)}" if rng.random() < 0.8 else None,
                       "email": None, "language": rng.choice(["fi"] * 8 + ["sv", "other"]),
                       "language_other": None, "interpreter_needed": rng.random() < 0.05,
                       "plain_language": rng.random() < 0.2,
                       "contact_channel": rng.choice(["phone", "message", None]),
                       "contact_notes": None, "level": rng.choice(levels), "status": status,
                       "start_date": start, "referral_source": rng.choice(["self", "social", "health"]),
                       "referral_note": None, "responsible_id": rng.choice(staff_ids),
                       "backup_id": rng.choice(staff_ids) if rng.random() < 0.3 else None,
                       "staff_notes": "Sovittu: yhteys tekstiviestillä." if rng.random() < 0.3 else None,
                       "created_at": now, "updated_at": now, "version": 1}

        rows["clients"] = _bulk(conn, Client.__table__, clients())

        def endings():
            eid = 0
            for cid, status in client_status.items():
                if status == "ended":
                    eid += 1
                    yield {"id": eid, "client_id": cid, "end_date": today - timedelta(days=rng.randint(1, 700)),
                           "reason": "goals_met", "final_evaluation": "Tavoitteet saavutettiin.",
                           "continuation_plan": None, "contact_if_difficulties": None,
                           "follow_up_date": None, "partners_informed": None, "warm_handover": None,
                           "recorded_by_id": rng.choice(staff_ids), "created_at": now,
                           "reopened_at": None, "reopened_by_id": None}

        rows["client_endings"] = _bulk(conn, ClientEnding.__table__, endings())

        def pairings():
            pid = 0
            per_peer = max(1, scale.clients // 300)
            for peer in peer_ids:
                for cid in rng.sample(range(1, scale.clients + 1), per_peer):
                    pid += 1
                    yield {"id": pid, "client_id": cid, "peer_id": peer,
                           "sections": "goals,contacts,tasks,errands", "agreed_on": today,
                           "agreed_how": "Suullisesti tapaamisessa", "ends_on": None,
                           "created_at": now}

        rows["peer_pairings"] = _bulk(conn, PeerPairing.__table__, pairings())

        def contacts():
            for i in range(1, scale.contacts + 1):
                anonymous = rng.random() < 0.05
                yield {"id": i, "client_id": None if anonymous else rng.randint(1, scale.clients),
                       "on": today - timedelta(days=rng.randint(0, 3 * 365)),
                       "channel": rng.choice(CONTACT_CHANNELS), "minutes": rng.choice([15, 30, 45, 60, 90]),
                       "worker_id": rng.choice(staff_ids),
                       "peer_id": rng.choice(peer_ids) if peer_ids and rng.random() < 0.2 else None,
                       "topics": ",".join(rng.sample(LIFE_AREAS, rng.randint(1, 3))),
                       "note": rng.choice(NOTES),
                       "age_group": rng.choice(["18_29", "30_44", "45_64"]) if anonymous else None,
                       "created_by_id": rng.choice(staff_ids), "created_at": now}

        rows["contacts"] = _bulk(conn, Contact.__table__, contacts())

        goal_statuses = ["open"] * 4 + ["in_progress"] * 3 + ["achieved"] * 2 + ["dropped"]

        def goals():
            for i in range(1, scale.goals + 1):
                status = rng.choice(goal_statuses)
                yield {"id": i, "client_id": rng.randint(1, scale.clients),
                       "text": rng.choice(GOAL_TEXTS), "term": rng.choice(["short", "long"]),
                       "life_area": rng.choice(LIFE_AREAS), "means": rng.choice(MEANS),
                       "status": status,
                       "target_date": today + timedelta(days=rng.randint(-100, 300)) if rng.random() < 0.5 else None,
                       "review_date": today + timedelta(days=rng.randint(-60, 120))
                       if status in ("open", "in_progress") else None,
                       "created_by_id": rng.choice(staff_ids), "created_at": now, "updated_at": now,
                       "version": 1}

        rows["goals"] = _bulk(conn, Goal.__table__, goals())

        def progress():
            for i in range(1, scale.progress + 1):
                yield {"id": i, "goal_id": rng.randint(1, scale.goals),
                       "on": today - timedelta(days=rng.randint(0, 400)),
                       "note": "Pieni askel eteenpäin.", "author_id": rng.choice(staff_ids),
                       "created_at": now}

        rows["goal_progress"] = _bulk(conn, GoalProgress.__table__, progress())

        def reviews():
            answers = ("yes", "partly", "no")
            for i in range(1, scale.reviews + 1):
                yield {"id": i, "goal_id": rng.randint(1, scale.goals),
                       "on": today - timedelta(days=rng.randint(0, 400)),
                       "sufficient": rng.choice(answers), "matched_needs": rng.choice(answers),
                       "matched_expectations": rng.choice(answers), "matched_goals": rng.choice(answers),
                       "client_comment": "Tuntuu hyvältä.", "next_review_date": None,
                       "author_id": rng.choice(staff_ids), "created_at": now}

        rows["goal_reviews"] = _bulk(conn, GoalReview.__table__, reviews())

        task_statuses = ["open"] * 5 + ["done"] * 4 + ["cancelled"]

        def tasks():
            for i in range(1, scale.tasks + 1):
                status = rng.choice(task_statuses)
                yield {"id": i, "client_id": rng.randint(1, scale.clients),
                       "title": rng.choice(TASK_TITLES), "details": None,
                       "owner_id": rng.choice(staff_ids) if rng.random() < 0.9 else None,
                       "owner_party": None, "due_date": today + timedelta(days=rng.randint(-30, 60))
                       if rng.random() < 0.9 else None,
                       "status": status, "source": rng.choice(["manual", "goal_review", "worker_change"]),
                       "source_id": None, "created_by_id": rng.choice(staff_ids), "created_at": now,
                       "done_at": now if status == "done" else None}

        rows["follow_up_tasks"] = _bulk(conn, FollowUpTask.__table__, tasks())

        def audit_events():
            prev = GENESIS
            start = now - timedelta(days=365)
            step = timedelta(days=365) / max(1, scale.audit_events)
            for i in range(1, scale.audit_events + 1):
                user_id = rng.choice(staff_ids)
                cid = rng.randint(1, scale.clients)
                row = {"id": i, "at": start + step * i, "user_id": user_id,
                       "actor": f"Ohjaaja {user_id} <staff@bench.example.org>", "action": "view",
                       "object_type": "client", "object_id": str(cid), "client_id": cid,
                       "detail": None, "ip": "127.0.0.1", "prev_hash": prev}
                row["hash"] = prev = _digest(prev, row)
                yield row

        rows["audit_events"] = _bulk(conn, AuditEvent.__table__, audit_events())

        if conn.dialect.name == "postgresql":
            for table in ("user", "client", "client_ending", "peer_pairing", "contact", "goal",
                          "goal_progress", "goal_review", "follow_up_task", "audit_event"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                                  f"(SELECT max(id) FROM \"{table}\"))"))

        # Clients to open in the benchmark: active, with open goals and contacts.
        sample = conn.execute(
            select(Client.id).where(Client.status == "active",
                                    Client.id.in_(select(Goal.client_id).where(Goal.status == "open")),
                                    Client.id.in_(select(Contact.client_id)))
            .order_by(Client.id).limit(20)).scalars().all()
    if engine.dialect.name == "postgresql":
        # A steady-state server has statistics (autovacuum); a just-loaded database has none yet.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    engine.dispose()
    return Seeded(login_email=LOGIN_EMAIL, password=PASSWORD, client_ids=list(sample),
                  search_terms=["ain", "kor", "mik", "vir", "ell", "laa", "nen", "sal"],
                  seconds=time.perf_counter() - started, rows=rows)
