"""Labels of the groups' stored values, for the screens and the statistics."""
from flask_babel import lazy_gettext as _l

from ..models.groups import COUNT_BASES, GROUP_KINDS, HELPER_KINDS

KIND_LABELS = {
    "drop_in_table": _l("Drop-in table (kohtaamisten pöytä)"), "peer_group": _l("Peer group"),
    "activity_group": _l("Activity group"), "other": _l("Other"),
}
BASIS_LABELS = {"recorded": _l("Counted"), "estimate": _l("Estimated")}
HELPER_KIND_LABELS = {"peer": _l("Peer supporter"), "volunteer": _l("Volunteer")}
assert tuple(KIND_LABELS) == GROUP_KINDS and tuple(BASIS_LABELS) == COUNT_BASES
assert tuple(HELPER_KIND_LABELS) == HELPER_KINDS
