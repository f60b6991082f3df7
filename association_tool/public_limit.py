"""The rate limit of the pages that need no sign-in (the feedback forms).

Counted in the database, so every worker process shares the same count. The sender's address is
never stored: only a keyed hash of the form's name and the address, kept for a day at most.
"""
from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

from flask import current_app, request
from sqlalchemy import delete, func, select

from .extensions import db
from .models.feedback import PublicSubmission
from .timeutil import utcnow

KEEP = timedelta(days=1)


def _key(form: str) -> str:
    secret = current_app.config["SECRET_KEY"].encode()
    sender = f"{form}|{request.remote_addr or ''}".encode()
    return hmac.new(secret, sender, hashlib.sha256).hexdigest()


def allow_submission(form: str, *, limit: int, per: timedelta) -> bool:
    """Count one submission of `form` from this sender; False when over `limit` within `per`.

    A refused submission is not counted, so waiting lifts the limit."""
    now = utcnow()
    key = _key(form)
    db.session.execute(delete(PublicSubmission).where(PublicSubmission.at < now - KEEP))
    recent = db.session.execute(
        select(func.count(PublicSubmission.id)).where(PublicSubmission.key == key,
                                                      PublicSubmission.at >= now - per)
    ).scalar_one()
    if recent >= limit:
        return False
    db.session.add(PublicSubmission(key=key, at=now))
    return True
