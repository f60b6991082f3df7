"""Database models, one module per aggregate."""
from .audit import AuditEvent
from .settings import Setting
from .users import AuthSession, LoginAttempt, Role, User

__all__ = ["AuditEvent", "AuthSession", "LoginAttempt", "Role", "Setting", "User"]
