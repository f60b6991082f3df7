"""What anonymisation does to each column of each table: the one declaration, read by the
engine (`anonymise.py`), by the test that fails on a table or column without a fate, and by the
table in docs/SECURITY.md (`flask retention fates` prints it).

A table that holds rows of a client declares every column (`ClientTable`); a table that holds
no client's data says why (`NOT_CLIENT_DATA`). A new table or column has no fate until someone
writes one here, and tests/test_lifecycle_fates.py names it.
"""
from __future__ import annotations

from dataclasses import dataclass

# The fates of a column.
KEEP = "keep"          # kept as it is: ids, links, kinds, levels, outcomes, counts
MONTH = "month"        # a date or time stamp cut to the first day of its month
BLANK = "blank"        # emptied: "" where the column needs a value, otherwise nothing (NULL)
AGE_BAND = "age_band"  # a year of birth moved to a year in the same age band at the start
COUNT_UP = "count_up"  # a version counter moved on, so that a form opened before cannot save

FATES_EXPLAINED = {
    KEEP: "kept",
    MONTH: "cut to the month",
    BLANK: "emptied",
    AGE_BAND: "kept as the age band only",
    COUNT_UP: "moved on (an edit form opened before cannot save over it)",
}


@dataclass(frozen=True)
class ClientTable:
    """A table with rows of a client, and the fate of each of its columns.

    `delete_where` (a column and the values) deletes the matching rows outright, as a network
    member who is a private person; `delete_all` deletes every row of the client in the table.
    """

    keep: str = ""
    month: str = ""
    blank: str = ""
    age_band: str = ""
    count_up: str = ""
    delete_where: tuple[str, tuple[str, ...]] | None = None
    delete_all: bool = False
    note: str = ""

    def fates(self) -> dict[str, str]:
        """Return {column: fate}; a column named under two fates is a mistake (ValueError)."""
        result: dict[str, str] = {}
        for fate, names in ((KEEP, self.keep), (MONTH, self.month), (BLANK, self.blank),
                            (AGE_BAND, self.age_band), (COUNT_UP, self.count_up)):
            for name in names.split():
                if name in result:
                    raise ValueError(f"column {name} has two fates ({result[name]}, {fate})")
                result[name] = fate
        return result


CLIENT_TABLES: dict[str, ClientTable] = {
    "client": ClientTable(
        keep="id language interpreter_needed plain_language contact_channel level status "
             "referral_source responsible_id backup_id activity_id municipality anonymised_at",
        month="start_date created_at updated_at",
        blank="display_name full_name search_text phone email language_other contact_notes "
              "referral_note staff_notes",
        age_band="birth_year",
        count_up="version",
        note="The row stays, so that counts and the access log's links still lead somewhere; "
             "it leads to no person."),
    "peer_pairing": ClientTable(
        keep="id client_id peer_id sections", month="agreed_on ends_on created_at",
        blank="agreed_how"),
    "goal": ClientTable(
        keep="id client_id term life_area status created_by_id",
        month="target_date review_date created_at updated_at", blank="text means",
        count_up="version"),
    "goal_progress": ClientTable(
        keep="id goal_id client_id author_id", month="on created_at", blank="note"),
    "goal_review": ClientTable(
        keep="id goal_id client_id sufficient matched_needs matched_expectations matched_goals "
             "author_id",
        month="on next_review_date created_at", blank="client_comment"),
    "contact": ClientTable(
        keep="id client_id channel minutes worker_id peer_id topics age_group activity_id "
             "created_by_id",
        month="on created_at", blank="note", count_up="row_version"),
    "contact_version": ClientTable(
        keep="id contact_id version_no channel minutes worker_id peer_id topics activity_id "
             "replaced_by_id",
        month="on replaced_at", blank="note"),
    "follow_up_task": ClientTable(
        keep="id client_id kind owner_id status source source_id created_by_id",
        month="due_date created_at done_at", blank="title params details owner_party"),
    "client_ending": ClientTable(
        keep="id client_id reason agreement_version recorded_by_id reopened_by_id",
        month="end_date follow_up_date created_at reopened_at",
        blank="final_evaluation continuation_plan contact_if_difficulties partners_informed "
              "warm_handover"),
    "ending_notice": ClientTable(
        keep="id ending_id member_id consent_id", month="created_at", blank="party_label"),
    "ending_pairing": ClientTable(
        keep="id ending_id peer_id choice", month="ends_on"),
    "network_member": ClientTable(
        keep="id client_id kind contact_person_id organisation_id sector ring involved",
        month="created_at", blank="name relation phone role_note", count_up="version",
        delete_where=("kind", ("private",)),
        note="A private person (a relative, a friend) is deleted; a directory person or "
             "organisation stays as the link to the directory."),
    "consent": ClientTable(
        keep="id client_id kind member_id organisation_id contact_person_id covers_people channel "
             "information form until_relationship_ends recorded_by_id withdrawn_how "
             "withdrawn_heard_by_id superseded_by_id",
        month="given_on valid_until created_at withdrawn_on withdrawal_recorded_at "
              "superseded_on",
        blank="recipient_label purpose matter wording withdrawal_note"),
    "contact_agreement": ClientTable(
        keep="id client_id version_no status preferred_channels messages_may_say_topic "
             "created_by_id",
        month="made_on review_date signed_on created_at activated_at superseded_at ended_on",
        blank="preferred_times preferences_note if_condition_changes follow_up_together",
        count_up="row_version"),
    "agreement_line": ClientTable(
        keep="id agreement_id position member_id user_id direction when every_weeks "
             "not_heard_days how shares consent_id",
        blank="party_label note"),
    "social_services_notification": ClientTable(
        keep="id client_id path organisation_id consent_id made_by_id",
        month="made_on created_at",
        blank="concern recipient reason_without_consent note"),
    "errand": ClientTable(
        keep="id client_id type companion_id interpreter_needed activity_id outcome_by_id "
             "created_by_id",
        month="on outcome_recorded_at created_at updated_at",
        blank="about starts_at place address meet_whom things_to_bring questions agreed",
        count_up="version"),
    "network_meeting": ClientTable(
        keep="id client_id status method convener_id support_person_wanted client_present "
             "contains_health contents approved_by_id created_by_id",
        month="meeting_date next_date approved_at created_at updated_at",
        blank="start_time place remote_link support_person client_topics chair note_taker "
              "why_gathered client_view responsible_person backup_person next_note feedback",
        count_up="version"),
    "meeting_participant": ClientTable(
        keep="id meeting_id position kind member_id user_id presence",
        blank="name role organisation concerns resources feedback"),
    "meeting_action": ClientTable(
        keep="id meeting_id position owner_id task_id", month="due_date",
        blank="owner_party what with_whom"),
    "meeting_addendum": ClientTable(
        keep="id meeting_id author_id", month="on created_at", blank="text"),
    "referral": ClientTable(
        keep="id client_id direction target_kind organisation_id contact_person_id handover state "
             "worker_id created_by_id",
        month="first_contact_on sent_on follow_up_on state_on created_at",
        blank="party_label reason hopes handover_note first_contact_note decline_reason "
              "elsewhere",
        count_up="version"),
    "referral_step": ClientTable(
        keep="id referral_id state recorded_by_id", month="on recorded_at",
        blank="told_by note"),
    "referral_follow_up": ClientTable(
        keep="id referral_id got_service rating obstacles next_step recorded_by_id",
        month="answered_on recorded_at", blank="client_words obstacle_note"),
    "shared_observation": ClientTable(
        keep="id client_id referral_id kind organisation_id information how client_knows "
             "consent_id recorded_by_id",
        month="on recorded_at", blank="party_label what"),
    "feedback": ClientTable(
        keep="id kind source language first second client_id entered_by_id",
        month="received_on created_at", blank="words",
        note="Feedback a client wanted linked to them; anonymous answers have no client and are "
             "not touched."),
    "session_participant": ClientTable(
        keep="id session_id client_id",
        note="That the client took part in a group session stays, without the person."),
    "wellbeing_rating": ClientTable(
        keep="id client_id review_id area score author_id", month="on created_at"),
}

NOT_CLIENT_DATA: dict[str, str] = {
    "user": "the association's own users (staff, peers, admins)",
    "auth_session": "users' sign-in sessions",
    "login_attempt": "users' sign-in attempts",
    "recovery_code": "users' two-step sign-in recovery codes",
    "setting": "the association's settings",
    "organisation": "the service directory, shared by all clients",
    "contact_person": "the service directory, shared by all clients",
    "client_status_count": "counts of clients by status, no person",
    "deletion_request": "an administrator's request to delete a record entered by mistake: the "
                        "client's row id (not a link), the reason as a code and who decided",
    "audit_archive": "where the access log's chain stood after entries were archived out: "
                     "ids, a hash, counts and a file name",
    "funded_activity": "the association's funded activities (e.g. a project)",
    "activity_group": "the association's groups (a peer group, a drop-in table)",
    "group_session": "a group's sessions: a date and an anonymous head count",
    "helper_hours": "the unpaid hours of the association's peer supporters and volunteers",
    "public_submission": "keyed hashes that count the submissions of the pages without sign-in "
                         "(the rate limit), kept for a day; no address, no person",
    "partner_feedback_link": "one-time links for partners' feedback: a token's hash, a label "
                             "and dates; never about a client",
    "quality_criterion": "the association's quality criteria",
    "quality_assessment": "the association's self-assessments of its own work",
    "quality_score": "the scores of a quality self-assessment; about the work, not a client",
    "audit_event": "the access log: append-only and hash-chained; it stores the client's row "
                   "id, never the client's name, so once the row is anonymised an entry leads "
                   "to no person",
}


def markdown_table() -> str:
    """Return the fates as the Markdown table of docs/SECURITY.md (one row per table)."""
    lines = ["| table | kept | cut to the month | emptied | other |",
             "| --- | --- | --- | --- | --- |"]

    def names(columns: str) -> str:
        return ", ".join(f"`{c}`" for c in columns.split()) or "–"

    for name, declared in CLIENT_TABLES.items():
        other = []
        if declared.age_band:
            other.append(f"{names(declared.age_band)} {FATES_EXPLAINED[AGE_BAND]}")
        if declared.count_up:
            other.append(f"{names(declared.count_up)} {FATES_EXPLAINED[COUNT_UP]}")
        if declared.delete_where:
            column, values = declared.delete_where
            other.append(f"rows where `{column}` is {' or '.join(values)} deleted")
        if declared.delete_all:
            other.append("every row deleted")
        if declared.note:
            other.append(declared.note)
        lines.append(f"| `{name}` | {names(declared.keep)} | {names(declared.month)} | "
                     f"{names(declared.blank)} | {'; '.join(other) or '–'} |")
    lines += ["", "Tables that hold no client's data:", ""]
    lines += [f"- `{name}`: {why}" for name, why in NOT_CLIENT_DATA.items()]
    return "\n".join(lines)
