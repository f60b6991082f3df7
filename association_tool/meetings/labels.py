"""Labels for network meetings: methods, the state of the minutes, presence."""
from flask_babel import lazy_gettext as _l

from ..labels import LABELS, add_labels

if "meeting_method" not in LABELS:  # registered once, however often the module is imported
    add_labels(
        meeting_method={
            "ordinary": _l("Ordinary network meeting"),
            "open_dialogue": _l("Open dialogue"),
            "anticipation": _l("Anticipation dialogue (recalling the future)"),
        },
        meeting_status={
            "planned": _l("Planned"),
            "recorded": _l("Minutes not yet approved"),
            "approved": _l("Minutes approved"),
        },
        presence={"invited": _l("Invited"), "present": _l("Present"), "absent": _l("Absent")},
        minutes_content={
            "opening": _l("Opening the meeting: why we gathered"),
            "discussion": _l("Discussing matters: views, concerns and resources"),
            "plan": _l("The joint plan: agreed actions and the next meeting"),
            "feedback": _l("Feedback round"),
        },
    )
