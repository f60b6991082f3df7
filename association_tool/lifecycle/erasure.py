"""Erasure on the client's request, and removing a record entered by mistake (four eyes).

Erasure is anonymisation decided for one client, with the reason recorded: the statistics stay
true. A record that was never a person the association helped (a duplicate, a test record) is
removed outright, but only when a second administrator approves what the first asked.
"""
from __future__ import annotations

from sqlalchemy import delete, select

from .. import audit
from ..extensions import db
from ..models import Client, ClientStatus, User
from ..models.lifecycle import DELETION_REASONS, DeletionRequest
from ..timeutil import utcnow
from .anonymise import AnonymiseError, anonymise_client

ERASURE_REASON = "erased on the client's request"


class ErasureError(Exception):
    """The step is not allowed; the message is a code the page explains."""


def erase_on_request(client: Client) -> dict[str, int]:
    """Anonymise a client who asked to be erased (the relationship ended first). Flushes."""
    if client.status != ClientStatus.ENDED.value:
        raise ErasureError("not ended")
    try:
        return anonymise_client(client.id, reason=ERASURE_REASON)
    except AnonymiseError as error:
        raise ErasureError("already anonymised") from error


def pending_requests() -> list[DeletionRequest]:
    """The deletion requests still waiting for a second administrator, oldest first."""
    return list(db.session.scalars(select(DeletionRequest).where(
        DeletionRequest.outcome.is_(None)).order_by(DeletionRequest.id)))


def pending_for(client_id: int) -> DeletionRequest | None:
    """The client's pending deletion request, if any."""
    return db.session.scalars(select(DeletionRequest).where(
        DeletionRequest.client_id == client_id, DeletionRequest.outcome.is_(None))).first()


def request_deletion(client: Client, reason: str, *, by: User) -> DeletionRequest:
    """Ask to remove a record entered by mistake; another administrator approves. Logged."""
    if reason not in DELETION_REASONS:
        raise ErasureError("unknown reason")
    if pending_for(client.id) is not None:
        raise ErasureError("already requested")
    request = DeletionRequest(client_id=client.id, reason=reason, requested_by_id=by.id)
    db.session.add(request)
    db.session.flush()
    audit.record(audit.Action.UPDATE, object_type="deletion_request", object_id=request.id,
                 client_id=client.id, detail=f"deletion requested: {reason}")
    return request


def approve_deletion(request: DeletionRequest, *, by: User) -> None:
    """Remove the client's record entirely, approved by a second administrator. Logged."""
    if request.outcome is not None:
        raise ErasureError("decided")
    if request.requested_by_id == by.id:
        raise ErasureError("same admin")
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("PRAGMA secure_delete=ON")
    # The database removes every row of the client with it (ON DELETE CASCADE).
    db.session.execute(delete(Client.__table__).where(Client.__table__.c.id == request.client_id))
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("INSERT INTO client_search(client_search) VALUES ('optimize')")
    request.outcome, request.decided_by_id, request.decided_at = "deleted", by.id, utcnow()
    audit.record(audit.Action.DELETE, object_type="client", object_id=request.client_id,
                 client_id=request.client_id,
                 detail=f"removed as entered by mistake ({request.reason}); requested by user "
                        f"{request.requested_by_id}, approved by user {by.id}")
    db.session.flush()
    db.session.expire_all()


def cancel_deletion(request: DeletionRequest, *, by: User) -> None:
    """Cancel a pending deletion request (either administrator). Logged."""
    if request.outcome is not None:
        raise ErasureError("decided")
    request.outcome, request.decided_by_id, request.decided_at = "cancelled", by.id, utcnow()
    audit.record(audit.Action.UPDATE, object_type="deletion_request", object_id=request.id,
                 client_id=request.client_id, detail="deletion request cancelled")
    db.session.flush()
