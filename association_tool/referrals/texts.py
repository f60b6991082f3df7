"""The labels of referrals' stored values, and the messages of the service's refusals."""
from flask_babel import lazy_gettext as _l

from ..labels import LABELS, add_labels

if "referral_state" not in LABELS:  # registered once, however often the module is imported
    add_labels(
        referral_direction={"out": _l("Referral out"), "in": _l("Referral in")},
        referral_target={"public_service": _l("A public service"),
                         "association": _l("Another association"),
                         "activity": _l("An activity or group")},
        handover={
            "alone": _l("The client goes alone, with the information"),
            "phone_together": _l("The worker phones with the client present"),
            "accompanied_errand": _l("Accompanied (saattaen vaihtaen): on an errand"),
            "accompanied_meeting": _l("Accompanied (saattaen vaihtaen): in a meeting"),
        },
        referral_state={
            "sent": _l("Sent"), "received": _l("Received"), "accepted": _l("Accepted"),
            "declined": _l("Declined"), "started": _l("Started"), "ended": _l("Ended"),
            "revoked": _l("Revoked"),
        },
        referral_step={
            "sent": _l("Sent"), "received": _l("The partner received it"),
            "accepted": _l("Accepted"), "declined": _l("Declined or not suitable"),
            "started": _l("The service or activity started"), "ended": _l("Ended"),
            "revoked": _l("Revoked by the sender"),
        },
        # The same steps of a referral that came to the association, in its own words.
        referral_step_in={
            "received": _l("Came to us"), "accepted": _l("We accepted it"),
            "declined": _l("Not suitable for us"), "started": _l("Started with us"),
            "ended": _l("Ended"), "revoked": _l("Revoked by the sender"),
        },
        got_service={"yes": _l("Yes"), "partly": _l("Partly"), "no": _l("No"),
                     "not_yet": _l("Not yet")},
        obstacle={
            "waiting_time": _l("Waiting time"), "cost": _l("Cost"), "distance": _l("Distance"),
            "not_reached": _l("Could not reach the service"),
            "situation_changed": _l("The client's situation changed"), "other": _l("Something else"),
        },
        follow_up_next={"new_referral": _l("A new referral"), "continue": _l("Continue and ask again"),
                        "end": _l("End the follow-up")},
        sharing_kind={"observation": _l("An observation of progress or wellbeing"),
                      "call": _l("A phone call about the client"),
                      "message": _l("A message about the client")},
        sharing_how={"phone": _l("Phone"), "secure_email": _l("Secure e-mail"),
                     "meeting": _l("Meeting")},
        letter_part={"client": _l("The client's name and contact details"),
                     "reason": _l("Why, in the client's words"),
                     "hopes": _l("What the client hopes for"),
                     "handover": _l("How the handover happens and the follow-up"),
                     "agreement": _l("The contact agreement's lines about this partner")},
        timeline_kind={"step": _l("Referral"), "follow_up": _l("Follow-up call"),
                       "errand": _l("Errand"), "meeting": _l("Network meeting"),
                       "observation": _l("Shared with a partner")},
        attention={
            "follow_up_overdue": _l("The follow-up call is overdue."),
            "no_word": _l("No word from the partner for over two weeks."),
            "declined_no_next": _l("Declined, and no next step is planned."),
            "not_got_service": _l("The client has not got the service, and no new follow-up is set."),
        },
    )

MESSAGES = {
    "direction": _l("Choose whether the referral goes out or comes in."),
    "party": _l("Choose the organisation or the contact person."),
    "organisation": _l("Choose an organisation from the list."),
    "person": _l("Choose a contact person from the list."),
    "person_elsewhere": _l("This contact person works at another organisation than the one chosen."),
    "reason": _l("Write why, in the client's own words."),
    "sent_on": _l("Give the date."),
    "in_future": _l("The date cannot be in the future."),
    "follow_up_before_sent": _l("The follow-up date cannot be before the referral."),
    "first_before_sent": _l("The first contact cannot be before the referral."),
    "target_kind": _l("Choose where the client is referred."),
    "handover": _l("Choose how the handover happens."),
    "worker": _l("Choose a worker from the list."),
    "transition": _l("This step is not possible from where the referral now is. Reload the page "
                     "to see its path."),
    "on": _l("Give the date of the step."),
    "before_previous": _l("The date cannot be before the previous step."),
    "told_by": _l("Write who told us (for example the partner's worker, or the client)."),
    "decline_reason": _l("Write why the referral was declined."),
    "elsewhere": _l("Write where else the client could go."),
    "no_follow_up": _l("This referral has no follow-up call."),
    "got_service": _l("Choose whether the client got the service."),
    "next_step": _l("Choose what happens next."),
    "rating": _l("Choose a number from 1 to 5, or leave it empty."),
    "obstacles": _l("Choose from the list."),
    "next_follow_up_on": _l("Give the date of the next follow-up call."),
    "next_follow_up_on_past": _l("The next follow-up call must be after this one."),
    "kind": _l("Choose what was shared."),
    "what": _l("Write what was shared."),
    "how": _l("Choose how it was shared."),
    "client_knows": _l("Only what the client knows of may be shared. Tick the box when the "
                       "client knows."),
    "information": _l("Choose what information was shared."),
    "referral": _l("Choose a referral of this client."),
    "consent_none": _l("The client has given no consent to share with this partner."),
    "consent_withdrawn": _l("The client has withdrawn the consent to share with this partner."),
    "consent_expired": _l("The consent to share with this partner has expired."),
    "consent_superseded": _l("The consent to this partner has been replaced; record the new one "
                             "first."),
    "consent_pending": _l("The consent to this partner is not yet in force."),
    "consent_scope": _l("The consent to this partner does not cover this information."),
    "consent_oral": _l("An oral consent covers one matter only; it does not cover this."),
    "consent_form": _l("The form of the consent does not cover this."),
}


def message(code: str) -> str:
    """The message for a refusal code, in the current language."""
    text = MESSAGES.get(code)
    return str(text) if text is not None else code


# Why a part of the letter is left out, by why_not's reason code.
LEFT_OUT = {
    "none": _l("no consent to this recipient"),
    "withdrawn": _l("the consent was withdrawn"),
    "expired": _l("the consent has expired"),
    "superseded": _l("the consent was replaced"),
    "pending": _l("the consent is not yet in force"),
    "scope": _l("the consent does not cover this information"),
    "oral": _l("an oral consent does not cover a letter"),
    "form": _l("the form of the consent does not cover a letter"),
}
