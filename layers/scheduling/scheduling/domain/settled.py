"""Whether a version that was read together with a look can be trusted as if it had been read before the look.

A write that checks a version at commit (the doctor's booking fence, a patient's lock, a day's lock) must have
looked (Queried) *after* reading that version: then every write the version supersedes had committed before the
look started, so the look saw it. Issuing the version read and the look together saves a round trip but loses that
order: a write could commit just after the look read its range and just before the version was read.

Each version therefore carries `at`, its writer's clock reading taken before that writer sent its write. A write
is sent within the function timeout of that reading or never (HOLD_EXPIRY_MARGIN is at least the timeout, as for
holds), so once our own clock, read before our look, is at least `at + margin`, the version's write (and every
earlier one it superseded) had committed before our look started, up to clock skew between hosts (milliseconds):
the same inequality as hold expiry (docs/design.md, "No overlap, no orphan, no ghost", points 7 and 8).
A version never written (0, or the fence a doctor is created with) supersedes nothing and is settled at once; a
version without `at` (written before this rule) is not, and the look is made again after the read.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from scheduling.domain.hold_expiry import HOLD_EXPIRY_MARGIN

# Stamps are stored in whole seconds, rounded down: the write may have read its clock up to a second later.
_STAMP_ROUNDING = timedelta(seconds=1)


def settled(first: bool, written_at: datetime | None, now: datetime) -> bool:
    """Whether a look issued together with the read of a version (at or after `now`, read before both) sees every
    write that version supersedes. `first`: the version is the first one (nothing to supersede)."""
    if first:
        return True
    return written_at is not None and now >= written_at + _STAMP_ROUNDING + HOLD_EXPIRY_MARGIN


def settled_by(now: datetime) -> datetime:
    """The latest stamp a version may carry to be settled at `now`: `settled(False, at, now)` exactly when
    `at <= settled_by(now)`. A transaction can check this itself, without reading the version first."""
    return now - _STAMP_ROUNDING - HOLD_EXPIRY_MARGIN
