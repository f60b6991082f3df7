"""Seed a synthetic association fast, with bulk Core inserts (executemany), never the ORM services.

The schema must already exist (`flask --app app db upgrade`). Everything is deterministic for a
given scale, so two runs measure the same data. Sizes at the default scale of 10,000 clients:
100,000 contacts, 30,000 goals, 30,000 goal progress entries, 5,000 goal reviews, 20,000 follow-up
tasks written by hand, 5,000 network meetings (with about 25,000 participants and 11,000 agreed
actions; most approved, and then their actions and next meetings are follow-up tasks too, as the
app makes them), 2,000 errands with things to bring, the network maps and consents the meetings
need, 100,000 access-log entries; a staff member for every 60 clients (an umbrella organisation's
caseloads) and a peer supporter for every four of them, and one worker with 2,000 clients of their
own (`HEAVY_EMAIL`), the extreme case of the home page.
"""
from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from datetime import time as time_of_day

from sqlalchemy import create_engine, func, insert, select, text

from association_tool.audit import GENESIS, _digest
from association_tool.config import normalise_database_url
from association_tool.models import (AuditEvent, Client, ClientEnding, Contact, ContactPerson,
                                     FollowUpTask, Goal, GoalProgress, GoalReview, NetworkMember,
                                     Organisation, PeerPairing, Setting, User)
from association_tool.models.clients import CONTACT_CHANNELS, LIFE_AREAS
from association_tool.models.consents import Consent
from association_tool.models.errands import Errand
from association_tool.models.groups import (FundedActivity, Group, GroupSession, HelperHours,
                                            SessionParticipant)
from association_tool.models.meetings import (MeetingAction, MeetingAddendum, MeetingParticipant,
                                              NetworkMeeting)
from association_tool.timeutil import local_today, utcnow

PASSWORD = "bench-salasana-ei-oikea-42"
LOGIN_EMAIL = "staff01@bench.example.org"
# The worker with an extreme caseload: responsible for HEAVY_CLIENTS clients.
HEAVY_EMAIL = "laaja@bench.example.org"
HEAVY_CLIENTS = 2_000
CLIENTS_PER_WORKER = 60
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

# Network meetings (compare association_tool/meetings/demo.py and bench/minutes_sample.py).
ORGANISATIONS = (  # (type, name, unit, titles of its people)
    ("sote", "Itä-Suomen hyvinvointialue", "aikuissosiaalityö", ("Sosiaalityöntekijä", "Sosiaaliohjaaja")),
    ("sote", "Itä-Suomen hyvinvointialue", "mielenterveys- ja päihdepalvelut",
     ("Sairaanhoitaja", "Psykiatrinen sairaanhoitaja")),
    ("sote", "Terveysasema", "vastaanotto", ("Terveydenhoitaja", "Lääkäri")),
    ("kela", "Kela", "palvelupiste", ("Palveluneuvoja", "Etuuskäsittelijä")),
    ("employment", "Työllisyyspalvelut", "työkykypalvelut", ("Työvalmentaja", "Työkykykoordinaattori")),
    ("municipality", "Kaupungin asuntotoimisto", None, ("Asumisneuvoja", "Vuokrasihteeri")),
    ("association", "Takuusäätiö", "talous- ja velkaneuvonta", ("Talous- ja velkaneuvoja",)),
    ("parish", "Seurakunta", "diakoniatyö", ("Diakoniatyöntekijä",)),
    ("other", "Asumisyksikkö Kotipesä", None, ("Asumisohjaaja", "Ohjaaja")),
)
TOWNS = ("Kuopio", "Joensuu", "Mikkeli", "Savonlinna", "Varkaus", "Iisalmi", "Pieksämäki", "Lieksa")
# The municipalities the association keeps on its list (settings), for the clients' records.
MUNICIPALITIES = TOWNS + ("Siilinjärvi", "Leppävirta", "Suonenjoki", "Tuusniemi")
RELATIVES = (("Äiti", "äiti", "family"), ("Isä", "isä", "family"), ("Sisko", "sisko", "family"),
             ("Veli", "veli", "family"), ("Tytär", "tytär", "family"), ("Poika", "poika", "family"),
             ("Puoliso", "puoliso", "family"), ("Ystävä", "ystävä", "friends"),
             ("Naapuri", "naapuri", "friends"))
CLIENT_TOPICS = ("Asunto ja vuokrarästit.", "Miten saan nukuttua paremmin.",
                 "Haluan jatkaa ryhmässä.", "Kelan asumistuki ja mitä teen, jos hakemus hylätään.",
                 "Työkokeilu keväällä.", "Velat ja ulosotto.", "Lasten tapaaminen.",
                 "Lääkitys ja jaksaminen.", "Opiskelupaikan hakeminen.")
WHY_GATHERED = (
    "Haluan oman vuokra-asunnon ennen kesää, ja vuokrarästit painavat mieltä. Haluan, että kaikki "
    "tietävät, mitä kukin tekee, ettei minun tarvitse kertoa samaa monta kertaa.",
    "Kokoonnuimme, koska työkokeilu päättyy ja pitää sopia, mitä sen jälkeen tapahtuu.",
    "Asiakas toivoi yhteistä palaveria, koska eri tahot ovat antaneet erilaisia ohjeita.",
    "Toimeentulotuen ja Kelan päätökset ovat viivästyneet, ja rahat ovat loppuneet kesken kuun.",
    "Huoli jaksamisesta: asiakas on jäänyt pois ryhmästä ja vastaanotoilta.",
    "Sovitaan muutosta tuettuun asumiseen ja siitä, kuka auttaa missäkin.",
)
CLIENT_VIEWS = (
    "Olen jaksanut paremmin, kun käyn ryhmässä. Öisin valvon ja mietin rahaa. Tarvitsen apua "
    "papereiden kanssa, mutta haluan itse päättää, mitä haen.",
    "Minusta tuntuu, että asiat etenevät vihdoin. Haluan, että minulle kerrotaan selvästi, mitä "
    "seuraavaksi tapahtuu.",
    "Pelkään, että menetän asunnon. Puhelimessa asiointi on vaikeaa, mieluummin tapaan kasvotusten.",
    "Haluan takaisin töihin, mutta ensin pitää saada uni kuntoon.",
    "En jaksa täyttää lomakkeita yksin. Vertaistuki on auttanut eniten.",
)
CONCERNS = ("Pelkään, että hän jää yksin, jos asunto ei järjesty.", "Vuokrarästit kasvavat.",
            "Unettomuus on palannut syksyn aikana.", "Häätöuhka on todellinen.",
            "Lääkitys on jäänyt välillä ottamatta.", "Rahat loppuvat kesken kuun.",
            "Yhteydenpito on katkeillut.", None)
RESOURCES = ("Voin auttaa muutossa ja käydä kaupassa kerran viikossa.",
             "Selvitän ehkäisevän toimeentulotuen ja ohjaan velkaneuvontaan.",
             "Vastaanottoaika järjestyy kahden viikon sisällä.",
             "Voin olla tukena puheluissa ja tapaamisissa.",
             "Työkokeilupaikka löytyy yhdistyksen kahvilasta.", "Autan hakemusten kanssa.", None)
ACTIONS = ("Täytetään asumistukihakemus yhdessä ja toimitetaan liitteet Kelaan.",
           "Selvitetään ehkäisevä toimeentulotuki vuokrarästeihin.",
           "Varataan vastaanottoaika ja tarkistetaan lääkitys.",
           "Soitetaan viikoittain ja lähdetään yhdessä ryhmään.",
           "Haetaan maksusuunnitelmaa vuokranantajalta.",
           "Sovitaan työkokeilun aloituspäivä.",
           "Kirjoitetaan ylös kysymykset Kelalle.",
           "Tehdään budjetti seuraavalle kuukaudelle.")
NEXT_NOTES = ("Seurantapalaveri yhdistyksellä", "Seurantapalaveri etänä",
              "Katsotaan, miten sovitut asiat ovat edenneet", None)
FEEDBACK = ("Asiakas: tulin kuulluksi. Äiti: helpotti kuulla suunnitelma.",
            "Palaveri oli rauhallinen, ja kaikki olivat samassa pöydässä.",
            "Aikaa olisi saanut olla enemmän.", None)
ADDENDA = ("Korjaus: Kelan asiointi siirtyi seuraavalle viikolle.",
           "Lisäys: sosiaalityöntekijä vaihtui, uusi yhteyshenkilö on kirjattu verkostokarttaan.",
           "Korjaus: seurantapalaverin aika muuttui.")
# Errands (compare association_tool/errands/demo.py).
ERRANDS = (  # (type, about, place, whom to meet, things to bring, questions)
    ("kela", "Asumistukihakemus yhdessä", "Kela, palvelupiste", "Palveluneuvoja",
     "Henkilöllisyystodistus\nKela-kortti\nVuokrasopimus\nTiliotteet kahdelta kuukaudelta",
     "Mitä liitteitä hakemukseen tarvitaan?\nKuinka kauan päätös kestää?"),
    ("social_office", "Toimeentulotuen hakeminen ja vuokrarästit", "Aikuissosiaalityön toimisto",
     "Sosiaalityöntekijä", "Henkilöllisyystodistus\nVuokrasopimus\nTiliotteet kahdelta "
     "kuukaudelta\nLaskut ja kuitit\nKelan päätökset", "Voinko saada tukea vuokrarästeihin?"),
    ("employment", "Työkokeilun aloitus", "Työllisyyspalvelut", "Työvalmentaja",
     "Henkilöllisyystodistus\nCV\nTodistukset", "Milloin työkokeilu voi alkaa?\nSaanko "
     "kulukorvausta?"),
    ("health_centre", "Lääkärin vastaanotto", "Terveysasema", "Lääkäri",
     "Kela-kortti\nLääkelista\nAjanvarauskirje", "Voiko unilääkitystä muuttaa?"),
    ("housing", "Vuokra-asuntohakemus", "Kaupungin asuntotoimisto", "Asumisneuvoja",
     "Henkilöllisyystodistus\nTuloselvitys\nNykyinen vuokrasopimus",
     "Kuinka pitkä jono on?\nVaikuttavatko vuokrarästit?"),
    ("debt_counselling", "Velkaneuvonnan ensitapaaminen", "Talous- ja velkaneuvonta",
     "Velkaneuvoja", "Laskut ja perintäkirjeet\nTiliotteet kolmelta kuukaudelta\n"
     "Ulosottorekisteriote\nTulotiedot", "Voinko hakea velkajärjestelyä?"),
    ("bank", "Pankkitilin avaaminen", "Pankki", None, "Passi tai henkilökortti\nOleskelulupa",
     "Saanko verkkopankkitunnukset?"),
)


@dataclass
class Scale:
    """How much to seed; the users grow with the clients unless `users` is given."""

    clients: int = 10_000
    users: int | None = None  # None: one staff member per CLIENTS_PER_WORKER clients

    @property
    def staff(self) -> int:
        if self.users:
            return max(2, self.users * 4 // 5 - 1)
        return max(2, self.clients // CLIENTS_PER_WORKER)

    @property
    def peers(self) -> int:
        return self.users - 1 - self.staff if self.users else max(1, self.staff // 4)

    @property
    def heavy_clients(self) -> int:
        """The clients of the worker with an extreme caseload (a fifth of them at small scales)."""
        return min(HEAVY_CLIENTS, self.clients // 5)

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

    @property
    def meetings(self) -> int:
        return self.clients // 2

    @property
    def meeting_clients(self) -> int:
        """Clients with at least one network meeting (some have several)."""
        return max(1, self.clients * 3 // 10)

    @property
    def errands(self) -> int:
        return self.clients // 5

    @property
    def groups(self) -> int:
        return max(3, self.clients // 500)

    @property
    def organisations(self) -> int:
        return max(8, self.clients // 250)

    def counts(self) -> dict[str, int]:
        """The row counts asked for (what was seeded is in Seeded.rows)."""
        return {"users": 1 + self.staff + self.peers + 1, "clients": self.clients, "contacts": self.contacts,
                "goals": self.goals, "follow_up_tasks (by hand)": self.tasks,
                "network_meetings": self.meetings, "errands": self.errands,
                "goal_progress": self.progress, "goal_reviews": self.reviews,
                "groups": self.groups,
                "audit_events": self.audit_events}


@dataclass
class Seeded:
    """What the load generator needs to know about the seeded data."""

    login_email: str
    password: str
    heavy_email: str = ""  # the worker with an extreme caseload
    client_ids: list[int] = field(default_factory=list)  # active clients with goals and contacts
    search_terms: list[str] = field(default_factory=list)
    # (client id, meeting id): active clients' approved meetings, whose minutes can be printed
    approved_meetings: list[tuple[int, int]] = field(default_factory=list)
    # active clients with several meetings (the meetings section)
    meeting_clients: list[int] = field(default_factory=list)
    # (client id, errand id): upcoming errands with things to bring (the checklist)
    errands: list[tuple[int, int]] = field(default_factory=list)
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


def _clock(rng: random.Random) -> time_of_day:
    """A time of day in office hours, on the quarter hour."""
    return time_of_day(rng.randint(9, 15), rng.choice((0, 15, 30, 45)))


def _meetings_and_errands(conn, rng: random.Random, scale: Scale, *, today, now, users: list[dict],
                          clients: dict[int, tuple[str, str]], first_task_id: int) -> dict[str, int]:
    """Seed the directory, network maps, consents, network meetings and errands.

    The rows are what the app's services would have written: participants are named as on the
    network map; a recorded meeting has minutes; an approved one also has its actions and next
    meeting as follow-up tasks (source "meeting"); an errand's next steps are tasks (source
    "errand"). `clients` maps a client's id to (display name, status).
    """
    rows: dict[str, int] = {}
    staff = [u for u in users if u["role"] in ("admin", "staff")]
    peers = [u for u in users if u["role"] == "peer"]
    staff_ids = [u["id"] for u in staff]

    # The service directory: organisations and the people who work there.
    organisations, people = [], []
    for i in range(1, scale.organisations + 1):
        kind, name, unit, titles = ORGANISATIONS[(i - 1) % len(ORGANISATIONS)]
        town = TOWNS[(i - 1) // len(ORGANISATIONS) % len(TOWNS)]
        unit = f"{unit}, {town}" if unit else town
        organisations.append({"id": i, "type": kind, "name": name, "unit": unit,
                              "address": f"Esimerkkikatu {i}, {town}", "phone": f"017 {100000 + i}",
                              "email": None, "website": None, "opening_hours": "ma–pe 9–15",
                              "notes": None, "search_text": f"{name} {unit}".lower(),
                              "archived": False, "created_at": now, "updated_at": now, "version": 1})
        for title in titles:
            people.append({"id": len(people) + 1, "organisation_id": i,
                           "name": f"{rng.choice(FIRST)} {rng.choice(LAST)}", "title": title,
                           "phone": f"044 {rng.randint(1000000, 9999999)}", "email": None,
                           "is_liaison": len(people) % 3 == 0, "archived": False,
                           "created_at": now, "version": 1})
    rows["organisations"] = _bulk(conn, Organisation.__table__, organisations)
    rows["contact_persons"] = _bulk(conn, ContactPerson.__table__, people)
    org_label = {o["id"]: f"{o['name']}, {o['unit']}" for o in organisations}

    # Clients with meetings (not ended ones), and their network maps: who can be invited.
    open_clients = [cid for cid, (_name, status) in clients.items() if status != "ended"]
    with_meetings = sorted(rng.sample(open_clients, min(len(open_clients), scale.meeting_clients)))
    members, consents = [], []
    invitable: dict[int, list[tuple[int, str, str | None, str | None]]] = {}
    for cid in with_meetings:
        mine = invitable[cid] = []
        relative, relation, sector = rng.choice(RELATIVES)
        chosen = [("private", None, None)] + [("person", rng.choice(people), None)
                                              for _ in range(rng.randint(1, 3))]
        if rng.random() < 0.3:
            chosen.append(("organisation", None, rng.choice(organisations)))
        seen = set()
        for kind, person, organisation in chosen:
            if person is not None and person["id"] in seen:
                continue
            member_id = len(members) + 1
            row = {"id": member_id, "client_id": cid, "kind": kind, "contact_person_id": None,
                   "organisation_id": None, "name": None, "relation": None, "phone": None,
                   "sector": "services", "ring": "middle", "role_note": None, "involved": True,
                   "created_at": now, "version": 1}
            if kind == "private":
                row.update(name=relative, relation=relation, sector=sector, ring="inner",
                           phone=f"050 {rng.randint(1000000, 9999999)}")
                shown, role, org = relative, relation, None
            elif kind == "person":
                seen.add(person["id"])
                row.update(contact_person_id=person["id"], role_note="Vastuutyöntekijä"
                           if rng.random() < 0.3 else None)
                shown, role, org = person["name"], person["title"], org_label[person["organisation_id"]]
            else:
                row.update(organisation_id=organisation["id"], ring="outer",
                           role_note="Palveluohjaus")
                shown, role, org = org_label[organisation["id"]], "Palveluohjaus", None
            members.append(row)
            mine.append((member_id, shown, role, org))
            if kind != "private" or rng.random() < 0.5:
                # Most parties have a share consent; some cover health too, a few have lapsed.
                given = today - timedelta(days=rng.randint(30, 900))
                scopes = "general,progress,health" if rng.random() < 0.3 else "general,progress"
                if rng.random() < 0.15:
                    scopes = "general"
                consents.append({
                    "id": len(consents) + 1, "client_id": cid, "kind": "share",
                    "member_id": member_id, "organisation_id": None, "recipient_label": shown,
                    "channel": None, "information": scopes,
                    "purpose": "Verkostopalaverin muistio ja yhteistyö asiakkaan asioissa.",
                    "form": "written", "matter": None, "given_on": given,
                    "valid_until": given + timedelta(days=730), "until_relationship_ends": False,
                    "wording": "Annan luvan kertoa tietojani verkostopalaverin osapuolille.",
                    "recorded_by_id": rng.choice(staff_ids), "created_at": now,
                    "withdrawn_on": None, "withdrawn_how": None, "withdrawn_heard_by_id": None,
                    "withdrawal_note": None, "withdrawal_recorded_at": None,
                    "superseded_by_id": None, "superseded_on": None})
    rows["network_members"] = _bulk(conn, NetworkMember.__table__, members)
    rows["consents"] = _bulk(conn, Consent.__table__, consents)

    # The meetings: each meeting client has one, the rest go to clients drawn among them.
    owners = [cid for cid in with_meetings] + [rng.choice(with_meetings)
                                               for _ in range(max(0, scale.meetings - len(with_meetings)))]
    owners = owners[:scale.meetings]
    meetings, participants, actions, addenda, tasks = [], [], [], [], []
    task_id = first_task_id - 1

    def task(cid, title, due, owner_id, owner_party, details, source, source_id, by):
        nonlocal task_id
        task_id += 1
        done = due is not None and due < today - timedelta(days=7) and rng.random() < 0.85
        tasks.append({"id": task_id, "client_id": cid, "title": title[:300], "details": details,
                      "owner_id": owner_id, "owner_party": owner_party, "due_date": due,
                      "status": "done" if done else "open", "source": source,
                      "source_id": source_id, "created_by_id": by, "created_at": now,
                      "done_at": now if done else None})
        return task_id

    for mid, cid in enumerate(owners, start=1):
        client_name = clients[cid][0]
        roll = rng.random()
        status = "planned" if roll < 0.2 else "recorded" if roll < 0.35 else "approved"
        if status == "planned":
            on = today + timedelta(days=rng.randint(-3, 60))
        elif status == "recorded":
            on = today - timedelta(days=rng.randint(0, 45))
        else:
            on = today - timedelta(days=rng.randint(2, 3 * 365))
        convener = rng.choice(staff)
        peer = rng.choice(peers) if peers and rng.random() < 0.4 else None
        method = rng.choice(("ordinary",) * 6 + ("open_dialogue",) * 3 + ("anticipation",))
        remote = rng.random() < 0.25
        written = status != "planned"
        next_date = (on + timedelta(days=rng.randint(21, 90))) if written and rng.random() < 0.7 else None
        meeting = {
            "id": mid, "client_id": cid, "status": status, "meeting_date": on,
            "start_time": _clock(rng), "place": None if remote else "Yhdistyksen olohuone",
            "remote_link": f"https://meet.example.org/verkosto-{mid}" if remote else None,
            "method": method, "convener_id": convener["id"],
            "support_person_wanted": peer is not None,
            "support_person": peer["name"] if peer else None,
            "client_topics": " ".join(rng.sample(CLIENT_TOPICS, rng.randint(1, 3))),
            "client_present": (rng.random() < 0.9) if written else True,
            "chair": convener["name"] if written else None,
            "note_taker": (peer or convener)["name"] if written else None,
            "why_gathered": rng.choice(WHY_GATHERED) if written else None,
            "client_view": rng.choice(CLIENT_VIEWS) if written else None,
            "responsible_person": convener["name"] if written else None,
            "backup_person": rng.choice(staff)["name"] if written and rng.random() < 0.6 else None,
            "next_date": next_date,
            "next_note": rng.choice(NEXT_NOTES) if next_date else None,
            "feedback": rng.choice(FEEDBACK) if written else None,
            "contains_health": written and rng.random() < 0.2,
            "approved_at": None, "approved_by_id": None, "created_by_id": convener["id"],
            "created_at": now, "updated_at": now, "version": 1 if status == "planned" else 2}
        if status == "approved":
            approved_at = datetime.combine(on + timedelta(days=rng.randint(0, 7)),
                                           time_of_day(16, 0))
            meeting.update(approved_at=min(approved_at, now), approved_by_id=convener["id"],
                           version=3)
        meetings.append(meeting)
        # Invited: some of the network map, the convener, sometimes a peer supporter or another.
        invited = rng.sample(invitable[cid], rng.randint(1, len(invitable[cid])))
        position = 0
        for member_id, shown, role, org in invited:
            position += 1
            present = written and rng.random() < 0.85
            participants.append({
                "meeting_id": mid, "position": position, "kind": "member", "member_id": member_id,
                "user_id": None, "name": shown[:200], "role": role, "organisation": org,
                "presence": ("present" if present else "absent") if written else "invited",
                "concerns": rng.choice(CONCERNS) if present else None,
                "resources": rng.choice(RESOURCES) if present else None})
        for user in [convener] + ([peer] if peer else []):
            position += 1
            participants.append({
                "meeting_id": mid, "position": position, "kind": "user", "member_id": None,
                "user_id": user["id"], "name": user["name"], "role": None, "organisation": None,
                "presence": "present" if written else "invited",
                "concerns": rng.choice(CONCERNS) if written and user is convener else None,
                "resources": rng.choice(RESOURCES) if written else None})
        if written and rng.random() < 0.1:
            position += 1
            participants.append({
                "meeting_id": mid, "position": position, "kind": "other", "member_id": None,
                "user_id": None, "name": f"{rng.choice(FIRST)} {rng.choice(LAST)}", "role": "Tulkki",
                "organisation": "Tulkkauspalvelu", "presence": "present", "concerns": None,
                "resources": None})
        if not written:
            continue
        for position in range(1, rng.randint(1, 4) + 1):
            due = on + timedelta(days=rng.randint(3, 30))
            what = rng.choice(ACTIONS)
            if rng.random() < 0.6:
                owner = rng.choice([convener] + ([peer] if peer else []))
                owner_id, owner_party = owner["id"], None
            else:
                _member_id, shown, _role, org = rng.choice(invitable[cid])
                owner_id, owner_party = None, (f"{shown}, {org}" if org else shown)[:200]
            with_whom = client_name
            action = {"meeting_id": mid, "position": position, "owner_id": owner_id,
                      "owner_party": owner_party, "what": what, "with_whom": with_whom,
                      "due_date": due, "task_id": None}
            if status == "approved":
                action["task_id"] = task(cid, what, due, owner_id, owner_party,
                                         f"Kenen kanssa: {with_whom}", "meeting", mid, convener["id"])
            actions.append(action)
        if status == "approved":
            if next_date is not None:
                task(cid, meeting["next_note"] or "Seuraava verkostopalaveri tai seuranta",
                     next_date, convener["id"], None, None, "meeting", mid, convener["id"])
            if rng.random() < 0.1:
                addenda.append({"meeting_id": mid, "on": min(today, on + timedelta(days=rng.randint(1, 20))),
                                "text": rng.choice(ADDENDA), "author_id": convener["id"],
                                "created_at": now})

    # Errands: about 40 % still ahead (the checklist is printed for them), the rest done, most
    # with what was agreed and some with next steps.
    errands = []
    errand_clients = rng.sample(open_clients, min(len(open_clients), scale.errands))
    errand_tasks_from = len(tasks)
    for eid, cid in enumerate(errand_clients, start=1):
        kind, about, place, whom, bring, questions = rng.choice(ERRANDS)
        upcoming = rng.random() < 0.4
        on = today + timedelta(days=rng.randint(0, 30)) if upcoming else today - timedelta(
            days=rng.randint(1, 700))
        agreed = (None if upcoming or rng.random() < 0.2
                  else "Hakemus jätettiin. Päätös tulee noin kuukauden kuluttua.")
        companion = rng.choice(staff) if rng.random() < 0.7 else None
        town = rng.choice(TOWNS)
        errands.append({
            "id": eid, "client_id": cid, "about": about, "type": kind, "on": on,
            "starts_at": _clock(rng) if rng.random() < 0.9 else None,
            "place": f"{place}, {town}", "address": f"Esimerkkitie {rng.randint(1, 60)}, {town}",
            "meet_whom": whom, "companion_id": companion["id"] if companion else None,
            "interpreter_needed": rng.random() < 0.05,
            "things_to_bring": bring if rng.random() < 0.9 else "", "questions": questions,
            "activity_id": rng.choice((1, 2, 3)) if rng.random() < 0.1 else None,
            "agreed": agreed, "outcome_recorded_at": now if agreed else None,
            "outcome_by_id": companion["id"] if agreed and companion else (staff_ids[0] if agreed else None),
            "created_by_id": rng.choice(staff_ids), "created_at": now, "updated_at": now,
            "version": 2 if agreed else 1})
        if agreed and rng.random() < 0.5:
            task(cid, "Toimita puuttuvat liitteet", on + timedelta(days=7), None, clients[cid][0],
                 None, "errand", eid, rng.choice(staff_ids))
            if companion and rng.random() < 0.5:
                task(cid, "Soita ja kysy, tuliko päätös", on + timedelta(days=21), companion["id"],
                     None, None, "errand", eid, companion["id"])

    # The tasks go first: the approved meetings' actions refer to them.
    rows["follow_up_tasks (meetings)"] = _bulk(conn, FollowUpTask.__table__, tasks[:errand_tasks_from])
    rows["follow_up_tasks (errands)"] = _bulk(conn, FollowUpTask.__table__, tasks[errand_tasks_from:])
    rows["network_meetings"] = _bulk(conn, NetworkMeeting.__table__, meetings)
    rows["meeting_participants"] = _bulk(conn, MeetingParticipant.__table__, participants)
    rows["meeting_actions"] = _bulk(conn, MeetingAction.__table__, actions)
    rows["meeting_addenda"] = _bulk(conn, MeetingAddendum.__table__, addenda)
    rows["errands"] = _bulk(conn, Errand.__table__, errands)
    return rows


def _groups(conn, rng: random.Random, scale: Scale, *, today, now, staff_ids: list[int],
            peer_ids: list[int]) -> dict[str, int]:
    """Groups meeting weekly for two years, with named participants, head counts and the hours
    of the peer supporters (and volunteers) who ran them."""
    kinds = ("drop_in_table", "peer_group", "activity_group", "other")
    groups = [{"id": g, "name": f"Ryhmä {g}", "kind": kinds[g % len(kinds)],
               "activity_id": rng.choice((1, 2, 3, None)), "archived": False, "created_at": now,
               "version": 1} for g in range(1, scale.groups + 1)]
    sessions, participants, hours = [], [], []
    helpers = peer_ids or staff_ids[:1]
    for group in groups:
        regulars = rng.sample(range(1, scale.clients + 1), min(scale.clients, 12))
        for week in range(104):
            sid = len(sessions) + 1
            on = today - timedelta(days=7 * week + group["id"] % 7)
            sessions.append({"id": sid, "group_id": group["id"], "on": on,
                             "anonymous_count": rng.randint(0, 12),
                             "count_basis": "estimate" if rng.random() < 0.2 else "recorded",
                             "created_by_id": rng.choice(staff_ids), "created_at": now, "version": 1})
            for cid in rng.sample(regulars, rng.randint(2, 8)):
                participants.append({"id": len(participants) + 1, "session_id": sid, "client_id": cid})
            for kind in ("peer", "volunteer"):
                hours.append({"id": len(hours) + 1, "user_id": rng.choice(helpers), "kind": kind,
                              "on": on, "minutes": rng.choice((60, 90, 120, 150)),
                              "activity_id": group["activity_id"], "session_id": sid,
                              "created_by_id": rng.choice(staff_ids), "created_at": now})
    return {"groups": _bulk(conn, Group.__table__, groups),
            "group_sessions": _bulk(conn, GroupSession.__table__, sessions),
            "session_participants": _bulk(conn, SessionParticipant.__table__, participants),
            "helper_hours": _bulk(conn, HelperHours.__table__, hours)}


def seed(database_url: str, scale: Scale, *, seed_value: int = 20251123) -> Seeded:
    """Fill an empty, migrated database with a synthetic association."""
    started = time.perf_counter()
    rng = random.Random(seed_value)
    engine = create_engine(normalise_database_url(database_url))
    today = local_today()
    now = utcnow().replace(microsecond=0)
    hashed = password_hash()
    rows: dict[str, int] = {}
    n_staff, n_peer = scale.staff, scale.peers
    with engine.begin() as conn:
        if conn.execute(select(func.count()).select_from(User.__table__)).scalar_one():
            raise SystemExit("the bench database is not empty")
        conn.execute(insert(Setting.__table__), [
            {"key": "association_name", "value": "Penkkiyhdistys ry"},
            {"key": "municipalities", "value": "\n".join(MUNICIPALITIES)}])
        users = [{"id": 1, "email": "admin@bench.example.org", "name": "Anna Admin", "role": "admin"}]
        users += [{"id": i + 2, "email": f"staff{i + 1:02d}@bench.example.org",
                   "name": f"{FIRST[i % len(FIRST)]} Ohjaaja {i + 1}", "role": "staff"}
                  for i in range(n_staff)]
        users += [{"id": n_staff + i + 2, "email": f"peer{i + 1:02d}@bench.example.org",
                   "name": f"{FIRST[(i + 7) % len(FIRST)]} Vertainen {i + 1}", "role": "peer"}
                  for i in range(n_peer)]
        heavy_id = n_staff + n_peer + 2
        users.append({"id": heavy_id, "email": HEAVY_EMAIL, "name": "Laila Laaja", "role": "staff"})
        for user in users:
            user.update(password_hash=hashed, locale="fi", active=True, must_change_password=False,
                        password_changed_at=now, created_at=now, version=1, phone=None,
                        lock_cleared_at=None)
        rows["users"] = _bulk(conn, User.__table__, users)
        activities = [{"id": i + 1, "name": name, "archived": False, "created_at": now, "version": 1}
                      for i, name in enumerate(("Polku-hanke", "Kohtaamo", "Vertaisverkko"))]
        rows["funded_activities"] = _bulk(conn, FundedActivity.__table__, activities)
        # The heavy worker's clients are theirs alone: not among the others' random choices.
        staff_ids = [u["id"] for u in users if u["role"] in ("admin", "staff") and u["id"] != heavy_id]
        responsible: dict[int, int] = {}
        peer_ids = [u["id"] for u in users if u["role"] == "peer"]

        statuses = ["active"] * 8 + ["paused", "ended"]
        levels = ["advice", "client_guidance", "client_guidance", "intensive"]
        client_status: dict[int, str] = {}
        client_names: dict[int, str] = {}

        def clients():
            for cid in range(1, scale.clients + 1):
                first, last = rng.choice(FIRST), rng.choice(LAST)
                display = f"{first} {last[0]}." if rng.random() < 0.7 else first
                full = f"{first} {last}" if rng.random() < 0.7 else None
                status = rng.choice(statuses)
                client_status[cid] = status
                client_names[cid] = display
                start = today - timedelta(days=rng.randint(0, 6 * 365))
                responsible[cid] = (heavy_id if cid <= scale.heavy_clients
                                    else rng.choice(staff_ids))
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
                       "referral_note": None, "responsible_id": responsible[cid],
                       "backup_id": rng.choice(staff_ids) if rng.random() < 0.3 else None,
                       "activity_id": rng.choice((1, 2, 3, None, None)),
                       "municipality": rng.choice(MUNICIPALITIES) if rng.random() < 0.7 else None,
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
            # A peer supporter walks beside a handful of clients (about 30 at 10,000 clients with
            # the old fixed 50 users; as many now that the peers grow with the clients).
            per_peer = min(30, max(1, scale.clients // 300))
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
                       "activity_id": rng.choice((1, 2, 3)) if rng.random() < 0.1 else None,
                       "created_by_id": rng.choice(staff_ids), "created_at": now}

        rows["contacts"] = _bulk(conn, Contact.__table__, contacts())

        goal_statuses = ["open"] * 4 + ["in_progress"] * 3 + ["achieved"] * 2 + ["dropped"]

        goal_clients = [0] * (scale.goals + 1)  # the client of each goal, by id

        def goals():
            for i in range(1, scale.goals + 1):
                status = rng.choice(goal_statuses)
                goal_clients[i] = rng.randint(1, scale.clients)
                yield {"id": i, "client_id": goal_clients[i],
                       "text": rng.choice(GOAL_TEXTS), "term": rng.choice(["short", "long"]),
                       "life_area": rng.choice(LIFE_AREAS), "means": rng.choice(MEANS),
                       "status": status,
                       "target_date": today + timedelta(days=rng.randint(-100, 300)) if rng.random() < 0.5 else None,
                       "review_date": today + timedelta(days=rng.randint(-60, 120))
                       if status in ("open", "in_progress") else None,
                       "created_by_id": rng.choice(staff_ids),
                       # Set over the last three years, so that a year's report holds a third.
                       "created_at": now - timedelta(days=rng.randint(0, 3 * 365)),
                       "updated_at": now, "version": 1}

        rows["goals"] = _bulk(conn, Goal.__table__, goals())

        def progress():
            for i in range(1, scale.progress + 1):
                goal_id = rng.randint(1, scale.goals)
                yield {"id": i, "goal_id": goal_id, "client_id": goal_clients[goal_id],
                       "on": today - timedelta(days=rng.randint(0, 400)),
                       "note": "Pieni askel eteenpäin.", "author_id": rng.choice(staff_ids),
                       "created_at": now}

        rows["goal_progress"] = _bulk(conn, GoalProgress.__table__, progress())

        def reviews():
            answers = ("yes", "partly", "no")
            for i in range(1, scale.reviews + 1):
                goal_id = rng.randint(1, scale.goals)
                yield {"id": i, "goal_id": goal_id, "client_id": goal_clients[goal_id],
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
                cid = rng.randint(1, scale.clients)
                # Most tasks are the client's own worker's; some someone else's or an outside party's.
                owner = rng.random()
                yield {"id": i, "client_id": cid,
                       "title": rng.choice(TASK_TITLES), "details": None,
                       "owner_id": (responsible[cid] if owner < 0.7 else
                                    rng.choice(staff_ids) if owner < 0.9 else None),
                       "owner_party": None, "due_date": today + timedelta(days=rng.randint(-30, 60))
                       if rng.random() < 0.9 else None,
                       "status": status, "source": rng.choice(["manual", "goal_review", "worker_change"]),
                       "source_id": None, "created_by_id": rng.choice(staff_ids), "created_at": now,
                       "done_at": now if status == "done" else None}

        rows["follow_up_tasks"] = _bulk(conn, FollowUpTask.__table__, tasks())
        rows.update(_meetings_and_errands(
            conn, rng, scale, today=today, now=now, users=users, first_task_id=scale.tasks + 1,
            clients={cid: (client_names[cid], status) for cid, status in client_status.items()}))

        rows.update(_groups(conn, rng, scale, today=today, now=now, staff_ids=staff_ids,
                            peer_ids=peer_ids))

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
                          "goal_progress", "goal_review", "follow_up_task", "audit_event",
                          "organisation", "contact_person", "network_member", "consent",
                          "network_meeting", "errand", "funded_activity", "activity_group",
                          "group_session", "session_participant", "helper_hours"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                                  f"(SELECT max(id) FROM \"{table}\"))"))

        # Clients to open in the benchmark: active, with open goals and contacts.
        sample = conn.execute(
            select(Client.id).where(Client.status == "active",
                                    Client.id.in_(select(Goal.client_id).where(Goal.status == "open")),
                                    Client.id.in_(select(Contact.client_id)))
            .order_by(Client.id).limit(20)).scalars().all()
        meeting = NetworkMeeting.__table__
        active = select(Client.id).where(Client.status == "active")
        approved = conn.execute(
            select(meeting.c.client_id, meeting.c.id)
            .where(meeting.c.status == "approved", meeting.c.client_id.in_(active))
            .order_by(meeting.c.id).limit(20)).all()
        several = conn.execute(
            select(meeting.c.client_id).where(meeting.c.client_id.in_(active))
            .group_by(meeting.c.client_id).having(func.count() >= 2)
            .order_by(meeting.c.client_id).limit(20)).scalars().all()
        errand = Errand.__table__
        upcoming = conn.execute(
            select(errand.c.client_id, errand.c.id)
            .where(errand.c.on >= today, errand.c.things_to_bring != "",
                   errand.c.client_id.in_(active))
            .order_by(errand.c.id).limit(20)).all()
    if engine.dialect.name == "postgresql":
        # A steady-state server has statistics (autovacuum); a just-loaded database has none yet.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    engine.dispose()
    return Seeded(login_email=LOGIN_EMAIL, password=PASSWORD, client_ids=list(sample),
                  heavy_email=HEAVY_EMAIL,
                  search_terms=["ain", "kor", "mik", "vir", "ell", "laa", "nen", "sal"],
                  approved_meetings=[tuple(r) for r in approved], meeting_clients=list(several),
                  errands=[tuple(r) for r in upcoming],
                  seconds=time.perf_counter() - started, rows=rows)
