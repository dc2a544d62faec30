"""What stops a doctor's delete, and how the refusal tells the caller what to do (docs/design.md, "The delete
lease"). A doctor with an appointment not yet over (`booked` or `checked_in`, ending after now: future or in
progress) or an unexpired hold cannot be deleted; a completed or no-show visit, a cancelled one and one that
ended without being marked never block."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

# The statuses of an appointment that is still to happen or happening; the others are over whatever the clock.
OPEN_STATUSES = ("booked", "checked_in")


@dataclass(frozen=True, slots=True)
class DeleteBlocker:
    """An appointment not yet over (`status` booked or checked_in) or an unexpired hold (`status` None)."""

    start: datetime
    end: datetime
    status: str | None


def refusal(doctor_id: str, blockers: Iterable[DeleteBlocker], now: datetime) -> str:
    """The 409's text: each kind of blocker found, with only the actions the caller can take on it."""
    future = in_progress = holds = 0
    for blocker in blockers:
        if blocker.status is None:
            holds += 1
        elif blocker.start > now:
            future += 1
        else:
            in_progress += 1
    parts = []
    if in_progress:
        it = _it(in_progress)
        parts.append(
            f"{_count(in_progress, 'appointment')} in progress (complete {it} after check-in, record a no-show, "
            f"or cancel {it})"
        )
    if future:
        parts.append(f"{_count(future, 'future appointment')} (cancel {_it(future)})")
    if holds:
        parts.append(f"{_count(holds, 'unexpired hold')} (release {_it(holds)} or let {_it(holds)} expire)")
    return f"Doctor '{doctor_id}' has {'; '.join(parts)}; the doctor can be deleted once none is left."


def _it(number: int) -> str:
    return "it" if number == 1 else "them"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
