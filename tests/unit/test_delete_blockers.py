"""The text of a refused delete names each kind of blocker with only the actions the caller can take on it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from scheduling.domain.delete_blockers import DeleteBlocker, refusal

NOW = datetime(2035, 6, 4, 13, 30, tzinfo=UTC)
HOUR = timedelta(hours=1)


def test_each_kind_is_counted_with_its_own_remedy() -> None:
    blockers = [
        DeleteBlocker(NOW - HOUR / 2, NOW + HOUR / 2, "checked_in"),
        DeleteBlocker(NOW + HOUR, NOW + 2 * HOUR, "booked"),
        DeleteBlocker(NOW + 2 * HOUR, NOW + 3 * HOUR, "booked"),
        DeleteBlocker(NOW + 3 * HOUR, NOW + 4 * HOUR, None),
    ]

    text = refusal("d", blockers, NOW)

    assert text == (
        "Doctor 'd' has 1 appointment in progress (complete it after check-in, record a no-show, or cancel it); "
        "2 future appointments (cancel them); 1 unexpired hold (release it or let it expire); "
        "the doctor can be deleted once none is left."
    )


def test_only_holds_name_only_holds() -> None:
    text = refusal("d", [DeleteBlocker(NOW + HOUR, NOW + 2 * HOUR, None)], NOW)

    assert "appointment" not in text
    assert "cancel" not in text
