"""Labels for consents, contact agreements and notifications."""
from flask_babel import lazy_gettext as _l

from ..labels import add_labels

add_labels(
    consent_kind={
        "share": _l("Information may be shared with the recipient"),
        "we_contact": _l("The association may contact the recipient"),
        "they_contact": _l("The recipient may contact the association"),
        "client_channel": _l("The association may contact the client by a given channel"),
    },
    info_scope={
        "general": _l("General situation"),
        "progress": _l("Progress and changes in wellbeing"),
        "appointments": _l("Appointments"),
        "health": _l("Health information"),
    },
    consent_form={
        "written": _l("Written and signed"),
        "electronic": _l("Electronic"),
        "oral": _l("Oral (one matter only)"),
    },
    consent_status={
        "active": _l("In force"), "expiring": _l("Ending soon"), "pending": _l("Not yet in force"),
        "expired": _l("Expired"), "withdrawn": _l("Withdrawn"), "superseded": _l("Replaced"),
    },
    withdrawal_how={
        "in_person": _l("In person"), "phone": _l("By phone"), "written": _l("In writing"),
        "message": _l("By message"), "other": _l("Other"),
    },
    client_channel={
        "phone": _l("Phone call"), "text": _l("Text message"), "email": _l("E-mail"),
        "letter": _l("Letter"), "in_person": _l("In person"),
    },
    notification_path={
        "guided": _l("The client was guided to contact social services"),
        "with_consent": _l("Social services were contacted with the client's consent"),
        "without_consent": _l("A notification was made without consent"),
    },
    agreement_status={"draft": _l("Draft"), "active": _l("In force"), "superseded": _l("Replaced"),
                      "ended": _l("Ended")},
    direction={
        "we_them": _l("We contact them"), "them_us": _l("They contact us"), "both": _l("Both ways"),
    },
    contact_when={
        "regular": _l("Regularly"), "after_meeting": _l("After each meeting"),
        "condition_change": _l("If the client's condition changes"),
        "not_heard": _l("If the client has not been heard from"), "crisis": _l("In a crisis"),
    },
    contact_how={
        "phone": _l("Phone"), "text": _l("Text message"), "email": _l("E-mail"),
        "secure_mail": _l("Secure e-mail"), "in_person": _l("In person with the client present"),
    },
)
