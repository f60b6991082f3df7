"""The association's figures for a period, computed in the database and suppressed for showing.

`count_figures(period)` asks the database for counts only (every query aggregates with COUNT and
GROUP BY; no record is loaded, no text column is read) and returns plain numbers.
`build_report(counts, threshold)` turns them into the report the page, the charts, the CSV and
the PDF present: tables of cells already suppressed (suppression.py), each table with its basis.
Nothing in a report names a person, holds an id or free text.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, literal, or_, select, true, union_all

from ..errands.texts import TYPE_LABELS
from ..extensions import db
from ..groups.labels import HELPER_KIND_LABELS, KIND_LABELS
from ..labels import labels_of
from ..models import (AGE_GROUPS, ANSWERS, CONTACT_CHANNELS, Client, ClientEnding, Contact, Goal,
                      GoalProgress, GoalReview, Level)
from ..models.consents import Consent, ContactAgreement
from ..models.errands import ERRAND_TYPES, Errand
from ..models.feedback import FEEDBACK_SOURCES, SCALE, Feedback
from ..models.referrals import GOT_SERVICE, STATES as REFERRAL_STATES, Referral, ReferralFollowUp
from ..referrals import texts as _referral_texts  # noqa: F401  (registers the referral labels)
from ..models.groups import GROUP_KINDS, HELPER_KINDS, Group, GroupSession, HelperHours, SessionParticipant
from ..models.meetings import NetworkMeeting
from . import suppression
from .suppression import Cell

RECORDED, SAMPLE, ESTIMATE = "recorded", "sample", "estimate"
BASES = {RECORDED: _l("Recorded"), SAMPLE: _l("Sample"), ESTIMATE: _l("Estimate")}
REFERRAL_SOURCES = ("self", "sote", "association", "other")
END_REASONS = ("goals_reached", "moved_to_service", "client_wish", "no_contact", "moved_away",
               "deceased", "other")
GOAL_STATUSES = ("open", "in_progress", "achieved", "changed", "dropped")
# The words of the feedback scale, 1 to 5.
SCALE_WORDS = (_l("not at all"), _l("a little"), _l("somewhat"), _l("quite a lot"),
               _l("very much"))
REVIEW_QUESTIONS = ("sufficient", "matched_needs", "matched_expectations", "matched_goals")
HELD_MEETINGS = ("recorded", "approved")


@dataclass(frozen=True)
class Period:
    """The days a report covers, both ends included, and optionally one funded activity."""

    start: date
    end: date
    activity_id: int | None = None

    def of_clients(self, client_id_column):
        """A condition: the record's client belongs to the chosen activity (true without one)."""
        if self.activity_id is None:
            return true()
        return client_id_column.in_(select(Client.id).where(Client.activity_id == self.activity_id))

    def tagged(self, activity_column):
        """A condition: the record is tagged to the chosen activity (true without one)."""
        return true() if self.activity_id is None else activity_column == self.activity_id

    def tagged_or_client(self, activity_column, client_id_column):
        """A condition: a client's record (a contact, an errand) belongs to the chosen activity:
        tagged to it, or tagged to none and its client belongs to it (true without one)."""
        if self.activity_id is None:
            return true()
        return or_(activity_column == self.activity_id,
                   and_(activity_column.is_(None), self.of_clients(client_id_column)))

    @property
    def after_end(self) -> date:
        return self.end + timedelta(days=1)

    def days(self, column):
        """A condition: the date column falls in the period."""
        return and_(column >= self.start, column <= self.end)

    def moments(self, column):
        """A condition: the (UTC) timestamp column falls in the period."""
        return and_(column >= datetime.combine(self.start, time()),
                    column < datetime.combine(self.after_end, time()))

    def months(self) -> list[str]:
        """The months of the period as 'YYYY-MM'."""
        result, year, month = [], self.start.year, self.start.month
        while (year, month) <= (self.end.year, self.end.month):
            result.append(f"{year:04d}-{month:02d}")
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return result


# --- counting in the database -------------------------------------------------------------------

def _grouped(column, *conditions) -> dict[str, int]:
    """Count rows per value of a column: {value: number}."""
    query = select(column, func.count()).where(*conditions).group_by(column)
    return {("" if key is None else str(key)): int(n or 0) for key, n in db.session.execute(query)}


def _margins(*columns, conditions) -> list[dict[str, int]]:
    """Count rows per combination of the columns in one query; return each column's totals."""
    query = select(*columns, func.count()).where(*conditions).group_by(*columns)
    margins: list[dict[str, int]] = [{} for _ in columns]
    for *keys, n in db.session.execute(query):
        for margin, key in zip(margins, keys):
            key = "" if key is None else str(key)
            margin[key] = margin.get(key, 0) + int(n)
    return margins


def _count(query) -> int:
    return int(db.session.execute(query).scalar() or 0)


def _reached(period: Period):
    """A condition on the client: any recorded event in the period (and the chosen activity).

    SQLite asks per client with an index probe each (EXISTS … OR EXISTS …, the likeliest first),
    which reads far less there than gathering every event of the period; PostgreSQL gathers them
    into one hash (the bench's 100,000 clients: PostgreSQL 0.3-0.4 s hashed against 1.5 s probed;
    SQLite 0.2 s probed against about 3 s gathered; bench/results/2026-12-07-changes-3.md).
    """
    held = NetworkMeeting.status.in_(HELD_MEETINGS)
    if db.session.get_bind().dialect.name == "postgresql":
        ids = _reached_ids(period, held)
        if period.activity_id is not None:
            # One set of ids, so that PostgreSQL joins it once: a set under OR is asked again
            # for every client once it outgrows the memory for hashing (minutes at 100,000).
            every = ids.subquery()
            ids = union_all(select(every.c.id).where(every.c.id.in_(
                select(Client.id).where(Client.activity_id == period.activity_id))),
                *_tagged_ids(period))
        return Client.id.in_(ids)
    events = _reached_exists(period, held)
    if period.activity_id is None:
        return events
    # Under an activity: its own clients with any event, and anyone whose contact, errand or
    # group visit in the period was tagged to it.
    return or_(and_(Client.activity_id == period.activity_id, events),
               Client.id.in_(union_all(*_tagged_ids(period))))


def _tagged_ids(period: Period) -> list:
    """The ids of the clients with a contact, an errand or a group visit tagged to the period's
    activity in the period (a query for each)."""
    days, activity = period.days, period.activity_id
    return [
        select(Contact.client_id).where(Contact.activity_id == activity, days(Contact.on),
                                        Contact.client_id.is_not(None)),
        select(Errand.client_id).where(Errand.activity_id == activity, days(Errand.on)),
        select(SessionParticipant.client_id)
        .join(GroupSession, GroupSession.id == SessionParticipant.session_id)
        .join(Group, Group.id == GroupSession.group_id)
        .where(Group.activity_id == activity, days(GroupSession.on))]


def _reached_ids(period: Period, held):
    """Every client id with an event in the period, duplicates and all: PostgreSQL hashes them
    once (a hashed subplan), faster there than a probe per client."""
    days = period.days
    return union_all(
        select(Client.id).where(days(Client.start_date)),
        select(Contact.client_id).where(days(Contact.on), Contact.client_id.is_not(None)),
        select(SessionParticipant.client_id)
        .join(GroupSession, GroupSession.id == SessionParticipant.session_id)
        .where(days(GroupSession.on)),
        select(Errand.client_id).where(days(Errand.on)),
        select(NetworkMeeting.client_id).where(held, days(NetworkMeeting.meeting_date)),
        # A goal's entries name its client: no goal is joined (progress entries from
        # ix_goal_progress_on_client, the fewer reviews from the table).
        select(GoalReview.client_id).where(days(GoalReview.on)),
        select(GoalProgress.client_id).where(days(GoalProgress.on)),
        select(ClientEnding.client_id).where(days(ClientEnding.end_date)),
        select(Consent.client_id).where(days(Consent.given_on)))


def _reached_exists(period: Period, held):
    """Any event in the period, asked per client (SQLite: an index probe each)."""
    def days(column):
        return period.days(column)

    return or_(
        days(Client.start_date),
        select(Contact.id).where(Contact.client_id == Client.id, days(Contact.on)).exists(),
        select(SessionParticipant.id).join(GroupSession, GroupSession.id == SessionParticipant.session_id)
        .where(SessionParticipant.client_id == Client.id, days(GroupSession.on)).exists(),
        select(Errand.id).where(Errand.client_id == Client.id, days(Errand.on)).exists(),
        select(NetworkMeeting.id).where(NetworkMeeting.client_id == Client.id, held,
                                        days(NetworkMeeting.meeting_date)).exists(),
        select(GoalReview.id).join(Goal, Goal.id == GoalReview.goal_id)
        .where(Goal.client_id == Client.id, days(GoalReview.on)).exists(),
        select(GoalProgress.id).join(Goal, Goal.id == GoalProgress.goal_id)
        .where(Goal.client_id == Client.id, days(GoalProgress.on)).exists(),
        select(ClientEnding.id).where(ClientEnding.client_id == Client.id,
                                      days(ClientEnding.end_date)).exists(),
        select(Consent.id).where(Consent.client_id == Client.id, days(Consent.given_on)).exists(),
    )


def _age_band(end_year: int):
    """The client's age band at the end of the period, from the birth year, in SQL."""
    age = literal(end_year) - Client.birth_year
    return case(
        (Client.birth_year.is_(None), "unknown"),
        (age < 18, "under_18"), (age < 30, "18_29"), (age < 45, "30_44"), (age < 65, "45_64"),
        else_="65_plus")


def count_figures(period: Period) -> dict:
    """Every figure of the report as plain counts: {table key: {row key: count}}."""
    scope = period.of_clients
    band = _age_band(period.end.year)
    ended = and_(period.days(ClientEnding.end_date), ClientEnding.reopened_at.is_(None),
                 scope(ClientEnding.client_id))
    held = and_(NetworkMeeting.status.in_(HELD_MEETINGS), period.days(NetworkMeeting.meeting_date),
                scope(NetworkMeeting.client_id))
    started = func.coalesce(ContactAgreement.activated_at, ContactAgreement.created_at)
    agreement_in_force = and_(
        ContactAgreement.status.in_(("active", "superseded", "ended")),
        started < datetime.combine(period.after_end, time()),
        or_(ContactAgreement.superseded_at.is_(None),
            ContactAgreement.superseded_at >= datetime.combine(period.start, time())),
        or_(ContactAgreement.ended_on.is_(None), ContactAgreement.ended_on >= period.start),
        scope(ContactAgreement.client_id))
    reviews = and_(period.days(GoalReview.on), scope(GoalReview.client_id))
    # Goals set in the period, by status: from one index (created_at, status, client_id).
    goals_set = and_(period.moments(Goal.created_at), scope(Goal.client_id))
    # Without a filter every contact counts; with one, those tagged to the activity, and those
    # tagged to none whose client belongs to it.
    contacts = and_(period.days(Contact.on),
                    period.tagged_or_client(Contact.activity_id, Contact.client_id))
    # Anonymous contacts have no client: under an activity, those tagged to it.
    anonymous = and_(period.days(Contact.on), Contact.client_id.is_(None),
                     period.tagged(Contact.activity_id))
    errands = and_(period.days(Errand.on),
                   period.tagged_or_client(Errand.activity_id, Errand.client_id))
    consents = scope(Consent.client_id)
    sessions = and_(period.days(GroupSession.on), period.tagged(Group.activity_id))
    session_join = (GroupSession.__table__.join(Group.__table__, Group.id == GroupSession.group_id))
    participant_join = session_join.join(
        SessionParticipant.__table__, SessionParticipant.session_id == GroupSession.id)
    hours = and_(period.days(HelperHours.on), period.tagged(HelperHours.activity_id))
    referrals_out = and_(Referral.direction == "out", period.days(Referral.sent_on),
                         scope(Referral.client_id))
    follow_ups = and_(period.days(ReferralFollowUp.answered_on), ReferralFollowUp.referral_id.in_(
        select(Referral.id).where(scope(Referral.client_id))))
    # Feedback names no activity (most of it no client either): counted only without a filter.
    unfiltered = true() if period.activity_id is None else literal(False)
    client_feedback = and_(period.days(Feedback.received_on), Feedback.kind == "client",
                           unfiltered)
    partner_feedback = and_(period.days(Feedback.received_on), Feedback.kind == "partner",
                            unfiltered)

    # One grouped query per population, its margins added up here: the clients reached are
    # found once, the period's contacts and errands read once.
    reached_by = _margins(Client.level, band, Client.referral_source, Client.municipality,
                          conditions=[_reached(period)])
    # By day and channel: the index (on, channel, client_id) gives the groups in order, with no
    # sorting; the days are added up into months here.
    by_day = _margins(Contact.channel, Contact.on, conditions=[contacts])
    contacts_by = [by_day[0], {}]
    for day, n in by_day[1].items():
        contacts_by[1][day[:7]] = contacts_by[1].get(day[:7], 0) + n
    errands_by = _margins(Errand.type, case((Errand.companion_id.is_(None), "alone"),
                                            else_="accompanied"), conditions=[errands])

    set_by_status = _grouped(Goal.status, goals_set)
    goal_status = dict(set_by_status)
    # Goals reviewed in the period but set before it: looked up by id.
    reviewed_before = _grouped(Goal.status, Goal.id.in_(select(GoalReview.goal_id).where(reviews)),
                               Goal.created_at < datetime.combine(period.start, time()))
    for status, n in reviewed_before.items():
        goal_status[status] = goal_status.get(status, 0) + n
    answers = _margins(*(getattr(GoalReview, question) for question in REVIEW_QUESTIONS),
                       conditions=[reviews])
    anonymous_by_age = _grouped(func.coalesce(Contact.age_group, "unknown"), anonymous)
    consents_given, consents_withdrawn = db.session.execute(
        select(func.count().filter(period.days(Consent.given_on)),
               func.count().filter(period.days(Consent.withdrawn_on)))
        .where(or_(period.days(Consent.given_on), period.days(Consent.withdrawn_on)),
               consents)).one()
    # The period's sessions by kind of group, with what the group figures add up from them (a
    # group has one kind: its groups per kind add up to the groups that met).
    by_kind = {kind: (int(n), int(groups_met), int(anonymous_count or 0), int(estimated))
               for kind, n, groups_met, anonymous_count, estimated in db.session.execute(
                   select(Group.kind, func.count(),
                          func.count(func.distinct(GroupSession.group_id)),
                          func.sum(GroupSession.anonymous_count),
                          func.count().filter(GroupSession.count_basis == "estimate",
                                              GroupSession.anonymous_count > 0))
                   .select_from(session_join).where(sessions).group_by(Group.kind))}
    visits, named = db.session.execute(
        select(func.count(), func.count(func.distinct(SessionParticipant.client_id)))
        .select_from(participant_join).where(sessions)).one()
    helpers = {kind: (int(minutes or 0), int(people))
               for kind, minutes, people in db.session.execute(
                   select(HelperHours.kind, func.sum(HelperHours.minutes),
                          func.count(func.distinct(HelperHours.user_id)))
                   .where(hours).group_by(HelperHours.kind))}

    figures = {
        "people": {
            "reached": sum(reached_by[0].values()),
            "new": _count(select(func.count(Client.id)).where(period.days(Client.start_date),
                                                              scope(Client.id))),
            "ended": _count(select(func.count(func.distinct(ClientEnding.client_id))).where(ended)),
            "anonymous_contacts": sum(anonymous_by_age.values()),
        },
        "level": reached_by[0],
        "age_group": reached_by[1],
        "referral": reached_by[2],
        "municipality": reached_by[3],
        "end_reason": _grouped(ClientEnding.reason, ended),
        "anonymous_age_group": anonymous_by_age,
        "contact_channel": contacts_by[0],
        "contact_month": contacts_by[1],
        "errand_type": errands_by[0],
        "errand_accompanied": errands_by[1],
        "activity": {
            "meetings_held": _count(select(func.count(NetworkMeeting.id)).where(held)),
            "agreements_in_force": _count(select(func.count(func.distinct(
                ContactAgreement.client_id))).where(agreement_in_force)),
            "consents_given": int(consents_given),
            "consents_withdrawn": int(consents_withdrawn),
        },
        "groups": {
            "groups_met": sum(n[1] for n in by_kind.values()),
            "sessions": sum(n[0] for n in by_kind.values()),
            "visits": int(visits),
        },
        "group_people": {
            "named": int(named),
            "anonymous": sum(n[2] for n in by_kind.values()),
        },
        "group_count_estimated": sum(n[3] for n in by_kind.values()),
        "group_kind_sessions": {kind: n[0] for kind, n in by_kind.items()},
        "helper_minutes": {kind: n[0] for kind, n in helpers.items()},
        "helper_people": {kind: n[1] for kind, n in helpers.items()},
        "goals": {
            "set": sum(set_by_status.values()),
            "reviewed": _count(select(func.count(func.distinct(GoalReview.goal_id))).where(reviews)),
        },
        "goal_status": goal_status,
        "referral_state": _grouped(Referral.state, referrals_out),
        "referral_got_service": _grouped(ReferralFollowUp.got_service, follow_ups),
        "feedback_source": _grouped(Feedback.source, client_feedback),
        "feedback_help": _grouped(Feedback.first, client_feedback, Feedback.first.is_not(None)),
        "feedback_treated": _grouped(Feedback.second, client_feedback,
                                     Feedback.second.is_not(None)),
        "partner_cooperation": _grouped(Feedback.first, partner_feedback,
                                        Feedback.first.is_not(None)),
    }
    for question, margin in zip(REVIEW_QUESTIONS, answers):
        figures[f"review_{question}"] = margin
    return figures


# --- the report ---------------------------------------------------------------------------------

@dataclass
class Row:
    """One line of a table: what it counts, the cell as shown, and its share of the total."""

    key: str
    label: str
    cell: Cell
    text: str
    number: int | None  # None when hidden
    share: str  # "" when hidden or when the table has no total


@dataclass
class Table:
    """One breakdown or list of figures, with its basis and unit."""

    key: str
    title: str
    unit: str
    basis: str
    rows: list[Row]
    total: Row | None = None
    chart: str = "bar"  # "bar", "line" or "" (no picture)

    @property
    def basis_label(self) -> str:
        return str(BASES[self.basis])


@dataclass
class Section:
    key: str
    title: str
    tables: list[Table] = field(default_factory=list)


@dataclass
class Report:
    """The suppressed report: what every presentation shows."""

    period: Period
    threshold: int
    sections: list[Section]

    def tables(self) -> list[Table]:
        return [table for section in self.sections for table in section.tables]

    def table(self, key: str) -> Table:
        return next(table for table in self.tables() if table.key == key)


def _share(cell: Cell, total: Cell | None) -> str:
    if total is None or not cell.shown or not total.shown or total.value == 0:
        return ""
    return f"{round(100 * cell.value / total.value)} %"


def _breakdown(key, title, unit, counts: dict, order, labels, threshold, *, chart="bar",
               basis=RECORDED) -> Table:
    """A table whose cells add up to its total, suppressed together."""
    keys = list(order) + sorted(k for k in counts if k not in order)
    values = [counts.get(k, 0) for k in keys]
    cells, total = suppression.suppress(values, threshold)
    rows = [Row(k, str(labels.get(k, k)), c, c.text(threshold), c.value if c.shown else None,
                _share(c, total)) for k, c in zip(keys, cells)]
    total_row = Row("total", str(_l("Total")), total, total.text(threshold),
                    total.value if total.shown else None, "100 %" if total.shown and total.value else "")
    return Table(key, str(title), str(unit), basis, rows, total_row, chart)


def _singles(key, title, unit, counts: dict, labels, threshold, *, basis=RECORDED) -> Table:
    """A list of figures that do not add up to anything, each suppressed alone."""
    rows = []
    for k, label in labels.items():
        cell = suppression.single(counts.get(k, 0), threshold)
        rows.append(Row(k, str(label), cell, cell.text(threshold),
                        cell.value if cell.shown else None, ""))
    return Table(key, str(title), str(unit), basis, rows, None, "bar")


def build_report(counts: dict, period: Period, threshold: int) -> Report:
    """Suppress the counts into the report every presentation shows."""
    t = suppression.clamp_threshold(threshold)
    people, contacts, errands = _l("people"), _l("contacts"), _l("errands")
    goals, reviews = _l("goals"), _l("reviews")
    answers = labels_of("answer")
    months = {m: m for m in period.months()}
    reached = Section("reached", str(_l("People reached")), [
        _singles("people", _l("People reached"), people, counts["people"], {
            "reached": _l("Clients with any recorded event"), "new": _l("New clients"),
            "ended": _l("Ended client relationships"),
            "anonymous_contacts": _l("Anonymous contacts (no client record)"),
        }, t),
        _breakdown("level", _l("Clients by level of guidance"), people, counts["level"],
                   [lv.value for lv in Level], labels_of("level"), t),
        _breakdown("age_group", _l("Clients by age band"), people, counts["age_group"],
                   AGE_GROUPS, labels_of("age_group"), t),
        _breakdown("referral", _l("Clients by how they came"), people, counts["referral"],
                   REFERRAL_SOURCES, labels_of("referral"), t),
        _municipality_table(counts.get("municipality", {}), t),
        _breakdown("end_reason", _l("Ended relationships by how they ended"), people,
                   counts["end_reason"], END_REASONS, labels_of("end_reason"), t),
        _breakdown("anonymous_age_group", _l("Anonymous contacts by age band"), contacts,
                   counts["anonymous_age_group"], AGE_GROUPS, labels_of("age_group"), t),
    ])
    activity = Section("activity", str(_l("Activity")), [
        _breakdown("contact_channel", _l("Contacts by channel"), contacts,
                   counts["contact_channel"], CONTACT_CHANNELS, labels_of("contact_channel"), t),
        _breakdown("contact_month", _l("Contacts by month"), contacts, counts["contact_month"],
                   list(months), months, t, chart="line"),
        _breakdown("errand_type", _l("Errands by type"), errands, counts["errand_type"],
                   ERRAND_TYPES, _errand_labels(), t),
        _breakdown("errand_accompanied", _l("Errands accompanied"), errands,
                   counts["errand_accompanied"], ("accompanied", "alone"),
                   {"accompanied": _l("Accompanied by a worker or a peer supporter"),
                    "alone": _l("Not accompanied")}, t),
        _singles("activity", _l("Meetings, agreements and consents"), _l("records"),
                 counts["activity"], {
                     "meetings_held": _l("Network meetings held"),
                     "agreements_in_force": _l("Clients with a contact agreement in force"),
                     "consents_given": _l("Consents given"),
                     "consents_withdrawn": _l("Consents withdrawn"),
                 }, t),
    ])
    groups = Section("groups", str(_l("Group activities and volunteer hours")), [
        _singles("groups", _l("Group activities"), _l("records"), counts["groups"], {
            "groups_met": _l("Groups that met"), "sessions": _l("Sessions held"),
            "visits": _l("Visits by named participants"),
        }, t),
        _singles("group_people", _l("Named participants"), people,
                 {"named": counts["group_people"]["named"]},
                 {"named": _l("Clients who took part in a group")}, t),
        _singles("group_anonymous", _l("Others present, not named"), people,
                 {"anonymous": counts["group_people"]["anonymous"]},
                 {"anonymous": _l("Head count of those not named, added over the sessions")}, t,
                 basis=ESTIMATE if counts["group_count_estimated"] else RECORDED),
        _breakdown("group_kind_sessions", _l("Sessions by kind of group"), _l("sessions"),
                   counts["group_kind_sessions"], GROUP_KINDS, _group_kind_labels(), t),
        _singles("helper_people", _l("Peer supporters and volunteers who recorded hours"), people,
                 counts["helper_people"], _helper_labels(), t),
        _hours_table(counts, t),
    ])
    results = Section("results", str(_l("Results")), [
        _singles("goals", _l("Goals"), goals, counts["goals"], {
            "set": _l("Goals set"), "reviewed": _l("Goals reviewed")}, t),
        _breakdown("goal_status", _l("Goals set or reviewed, by where they stand"), goals,
                   counts["goal_status"], GOAL_STATUSES, labels_of("goal_status"), t),
    ])
    questions = {
        "sufficient": _l("Was the support enough? (the client's answer)"),
        "matched_needs": _l("Did the support match the client's needs?"),
        "matched_expectations": _l("Did the support match the client's expectations?"),
        "matched_goals": _l("Did the support match the client's goals?"),
    }
    for question, title in questions.items():
        results.tables.append(_breakdown(f"review_{question}", title, reviews,
                                         counts[f"review_{question}"], ANSWERS, answers, t))
    scale = {str(n): f"{n} – {label}" for n, label in zip(SCALE, SCALE_WORDS)}
    answers_unit = _l("answers")
    voice = Section("voice", str(_l("Feedback")), [
        _breakdown("feedback_source", _l("Client feedback by where it was given"), answers_unit,
                   counts.get("feedback_source", {}), FEEDBACK_SOURCES, labels_of("feedback_source"), t),
        _breakdown("feedback_help", _l("Did you get help? (clients' feedback, 1–5)"),
                   answers_unit, counts.get("feedback_help", {}), list(scale), scale, t),
        _breakdown("feedback_treated", _l("Were you treated well? (clients' feedback, 1–5)"),
                   answers_unit, counts.get("feedback_treated", {}), list(scale), scale, t),
        _breakdown("partner_cooperation", _l("Did the cooperation work? (partners' feedback, 1–5)"),
                   answers_unit, counts.get("partner_cooperation", {}), list(scale), scale, t),
    ])
    referrals = Section("referrals", str(_l("Referrals to services")), [
        _breakdown("referral_state", _l("Referrals sent in the period, by where they stand now"),
                   _l("referrals"), counts.get("referral_state", {}), REFERRAL_STATES,
                   labels_of("referral_state"), t),
        _breakdown("referral_got_service", _l("Follow-up calls: did the client get the service?"),
                   _l("follow-up calls"), counts.get("referral_got_service", {}), GOT_SERVICE,
                   labels_of("got_service"), t),
    ])
    report = Report(period, t, [reached, activity, groups, results, referrals, voice])
    _hide_shared_totals(report)
    return report


# Tables that count the same population, and the figure that gives it alone: the total one of
# them had to hide must not show in another.
SHARED_TOTALS = (
    (("level", "age_group", "referral", "municipality"), ("people", "reached")),
    (("end_reason",), ("people", "ended")),
    (("anonymous_age_group",), ("people", "anonymous_contacts")),
    (("contact_channel", "contact_month"), None),
    (("errand_type", "errand_accompanied"), None),
)


def _hide_shared_totals(report: Report) -> None:
    """Where one table hid its total, hide it in the tables and the figure that share it."""
    for keys, single in SHARED_TOTALS:
        tables = [report.table(key) for key in keys]
        if all(table.total.cell.shown for table in tables):
            continue
        rows = [table.total for table in tables]
        if single is not None:
            rows += [row for row in report.table(single[0]).rows if row.key == single[1]]
        for row in rows:
            if row.cell.shown:
                row.cell = Cell(row.cell.value, suppression.HIDDEN)
                row.text, row.number, row.share = row.cell.text(report.threshold), None, ""
        for table in tables:  # no share can be worked out of a hidden total
            for row in table.rows:
                row.share = ""
            # Nor the total from cells that all show: the largest then hides too.
            if all(row.cell.shown for row in table.rows):
                largest = max(table.rows, key=lambda row: row.cell.value)
                if largest.cell.value:
                    largest.cell = Cell(largest.cell.value, suppression.HIDDEN)
                    largest.text, largest.number = largest.cell.text(report.threshold), None


def _municipality_table(counts: dict, threshold: int) -> Table:
    """Clients by municipality, in alphabetical order, those with none recorded last."""
    names = sorted((k for k in counts if k), key=str.casefold)
    labels = {name: name for name in names} | {"": str(_l("Not recorded"))}
    return _breakdown("municipality", _l("Clients by municipality"), _l("people"), counts,
                      names + [""], labels, threshold)


def _errand_labels() -> dict:
    return {k: str(v) for k, v in TYPE_LABELS.items()}


def _group_kind_labels() -> dict:
    return {k: str(v) for k, v in KIND_LABELS.items()}


def _helper_labels() -> dict:
    return {k: str(v) for k, v in HELPER_KIND_LABELS.items()}


def _hours_table(counts: dict, threshold: int) -> Table:
    """Hours by peer supporters and by volunteers; hidden (×) where fewer than the threshold of
    people recorded them, so that no one person's hours show."""
    rows = []
    for kind, label in _helper_labels().items():
        minutes = counts["helper_minutes"].get(kind, 0)
        people = counts["helper_people"].get(kind, 0)
        value = round(minutes / 60)
        cell = Cell(value, suppression.HIDDEN if 0 < people < threshold else suppression.SHOWN)
        rows.append(Row(kind, label, cell, cell.text(threshold), value if cell.shown else None, ""))
    return Table("helper_hours", str(_l("Unpaid hours (no employment contract)")), str(_l("hours")),
                 RECORDED, rows, None, "bar")
