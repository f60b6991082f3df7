"""Database models, one module per aggregate."""
from .audit import AuditArchive, AuditEvent
from .clients import (AGE_GROUPS, ANSWERS, CONTACT_CHANNELS, DEFAULT_PEER_SECTIONS, LIFE_AREAS,
                      OPEN_GOAL_STATUSES, Client, ClientEnding, ClientStatus, ClientStatusCount,
                      Contact, ContactVersion, EndingNotice, EndingPairing, FollowUpTask, Goal,
                      GoalProgress, GoalReview, GoalStatus, Level, PeerPairing, Section,
                      TaskStatus)
from .directory import (MEMBER_KINDS, ORGANISATION_TYPES, RINGS, SECTORS, ContactPerson,
                        NetworkMember, Organisation)
from .settings import Setting
from . import consents, errands, feedback, groups, lifecycle, meetings, referrals  # noqa: F401,E402  (feature models; import their classes from the module)
from .users import AuthSession, LoginAttempt, Role, User

__all__ = [
    "AGE_GROUPS", "ANSWERS", "CONTACT_CHANNELS", "DEFAULT_PEER_SECTIONS", "LIFE_AREAS",
    "OPEN_GOAL_STATUSES", "AuditArchive", "AuditEvent", "AuthSession", "Client", "ClientEnding", "ClientStatus",
    "ClientStatusCount",
    "Contact", "ContactVersion", "EndingNotice", "EndingPairing", "FollowUpTask", "Goal",
    "GoalProgress", "GoalReview", "GoalStatus", "Level",
    "LoginAttempt", "PeerPairing", "Role", "Section", "Setting", "TaskStatus", "User",
    "MEMBER_KINDS", "ORGANISATION_TYPES", "RINGS", "SECTORS", "ContactPerson", "NetworkMember",
    "Organisation",
]
