"""Caseloads: each worker's active and paused clients by level of guidance, counted in SQL."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select

from ..extensions import db
from ..models import Client, ClientStatus, Level
from ..users import workers
from .services import INTENSIVE_CAP

# From this many intensive clients a worker is near the quality criterion (a tenth below it).
INTENSIVE_NEAR = INTENSIVE_CAP - INTENSIVE_CAP // 10
LEVELS = tuple(level.value for level in Level)


@dataclass
class Caseload:
    """One worker's clients by level; `state` is "over", "near" or "" against the intensive cap."""

    worker_id: int
    name: str
    by_level: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        """All of the worker's active and paused clients."""
        return sum(self.by_level.values())

    @property
    def intensive(self) -> int:
        """The worker's clients at the intensive level."""
        return self.by_level.get(Level.INTENSIVE.value, 0)

    @property
    def state(self) -> str:
        """Over the cap, near it, or neither."""
        if self.intensive > INTENSIVE_CAP:
            return "over"
        if self.intensive >= INTENSIVE_NEAR:
            return "near"
        return ""


def caseloads() -> list[Caseload]:
    """Every active worker's caseload (also an empty one), the fullest intensive first.

    One GROUP BY query counts the clients; a worker who has left but still has clients is listed
    too, so that nobody's clients go uncounted.
    """
    counts = db.session.execute(
        select(Client.responsible_id, Client.level, func.count(Client.id))
        .where(Client.responsible_id.is_not(None), Client.status != ClientStatus.ENDED.value)
        .group_by(Client.responsible_id, Client.level)).all()
    by_worker: dict[int, dict[str, int]] = {}
    for worker_id, level, number in counts:
        by_worker.setdefault(worker_id, {})[level] = number
    people = workers(keep=tuple(by_worker))
    loads = [Caseload(person.id, person.name,
                      {level: by_worker.get(person.id, {}).get(level, 0) for level in LEVELS})
             for person in people]
    return sorted(loads, key=lambda load: (-load.intensive, -load.total, load.name.lower()))
