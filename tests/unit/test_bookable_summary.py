"""The bookable summary a tag item carries (`store.items.bookable_summary`): it leaves out only what cannot change a
search, so the doctor it decodes to opens the same hours on every day from `since`."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

from scheduling.domain.slots import opening_hours_on
from scheduling.models import Doctor
from scheduling.store.items import MAX_SUMMARY_BYTES, bookable_summary, summary_doctor

SINCE = date(2035, 1, 1)
HOURS = [{"start": "09:00", "end": "17:00"}]
WEEKEND = [{"start": "10:00", "end": "12:00"}, {"start": "13:00", "end": "15:00"}]


def a_hospital_doctor() -> Doctor:
    """The big-hospital seed's shape: a year of overrides, weekdays as usual, weekends in two sittings, a closed
    holiday and one day with other hours; and overrides before `since`."""
    year = [SINCE + timedelta(days=offset) for offset in range(366)]
    overrides = {day.isoformat(): WEEKEND if day.weekday() >= 5 else HOURS for day in year}
    overrides |= {"2035-12-25": [], "2035-03-14": [{"start": "07:00", "end": "08:00"}], "2034-12-30": []}
    return Doctor.model_validate(
        {
            "id": "d" * 32,
            "name": "Seeded",
            "locations": ["Main Campus"],
            "timezone": "Europe/London",
            "slot_minutes": 15,
            "schedule": dict.fromkeys(("monday", "tuesday", "wednesday", "thursday", "friday"), HOURS),
            "overrides": overrides,
            "created_at": datetime(2034, 1, 1, tzinfo=UTC),
            "updated_at": datetime(2034, 1, 1, tzinfo=UTC),
        }
    )


def test_a_year_of_overrides_fits_and_decodes_to_the_same_hours_on_every_day() -> None:
    doctor = a_hospital_doctor()
    summary = bookable_summary(doctor, SINCE)

    assert summary is not None
    assert len(summary.encode()) <= MAX_SUMMARY_BYTES
    decoded = summary_doctor(doctor.id, summary)
    for offset in range(400):
        day = SINCE + timedelta(days=offset)
        assert opening_hours_on(decoded, day) == opening_hours_on(doctor, day), day


def test_overrides_equal_to_their_weekday_and_past_ones_are_left_out_and_the_rest_grouped() -> None:
    fields = json.loads(bookable_summary(a_hospital_doctor(), SINCE) or "{}")

    groups = {json.dumps(hours): days for hours, days in fields["override_groups"]}
    assert "overrides" not in fields
    assert groups[json.dumps([])] == ["2035-12-25"]  # the holiday; not the past 2034-12-30
    assert ["2035-03-14"] in groups.values()  # the day with other hours
    weekend_days = sum((SINCE + timedelta(days=offset)).weekday() >= 5 for offset in range(366))
    assert sum(len(days) for days in groups.values()) == 2 + weekend_days  # two days, and the year's weekend days


def test_a_summary_written_before_override_groups_still_decodes() -> None:
    doctor = a_hospital_doctor()
    fields = doctor.model_dump(
        mode="json", include={"name", "locations", "timezone", "slot_minutes", "schedule", "overrides", "rules"}
    )
    fields["overrides"] = {"2035-12-25": []}
    old = json.dumps(fields)

    decoded = summary_doctor(doctor.id, old)

    assert opening_hours_on(decoded, date(2035, 12, 25)) == []
    assert opening_hours_on(decoded, date(2035, 12, 24)) == opening_hours_on(doctor, date(2035, 12, 24))
