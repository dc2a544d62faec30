"""Timers over HTTP against a runner of its own whose service clock is moved on (LOCAL_CLOCK_FILE), so minutes
pass at once: the runner plays EventBridge Scheduler (local/scheduler.py). A reminder comes out on
/_local/events once, never for an appointment cancelled before it fell due; a lapsed waitlist offer is passed on
at its expiry (plus the hold's margin)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from local.template import load_template, schedule_group_names
from scheduling.domain.hold_expiry import HOLD_EXPIRY_MARGIN
from tests.api.conftest import EMBEDDED_DYNAMODB, created_doctor, local_client, own_runner
from tests.api.events import Events, short_types
from tests.support.waiting import until


def schedule_names(endpoint: str) -> list[str]:
    client = local_client("scheduler", endpoint)
    [group] = schedule_group_names(load_template()).values()
    return [found["Name"] for found in client.list_schedules(GroupName=group)["Schedules"]]


def test_a_reminder_a_minute_before_comes_once_and_none_for_a_cancelled_appointment(tmp_path: Path) -> None:
    clock = tmp_path / "clock"
    clock.write_text("0")
    with own_runner(tmp_path, environment={"LOCAL_CLOCK_FILE": str(clock)}) as runner:
        api = runner.api
        embedded = EMBEDDED_DYNAMODB.search(runner.log.read_text())
        assert embedded, runner.log.read_text()
        doctor = created_doctor(api, name="Reminding Doctor", slot_minutes=5, rules={"reminders_minutes": [1]})
        base = f"/doctors/{doctor['id']}"
        soon = datetime.now(UTC) + timedelta(minutes=10)
        start = soon.replace(minute=soon.minute - soon.minute % 5, second=0, microsecond=0)
        kept = api.post(f"{base}/appointments", json={"start": start.isoformat(), "location": "North Wing"}).json()
        later = (start + timedelta(minutes=5)).isoformat()
        cancelled = api.post(f"{base}/appointments", json={"start": later, "location": "North Wing"}).json()
        until(lambda: len(schedule_names(embedded.group(1))) == 2)
        assert api.post(f"{base}/appointments/{cancelled['id']}/cancel").status_code == 200
        until(lambda: schedule_names(embedded.group(1)) == [f"reminder-{kept['id']}-1"])
        events = Events(api, f"{base}/appointments/{kept['id']}")
        events.until(1)  # appointment.booked

        # a minute and a second before the first start, then past the second's reminder time too
        clock.write_text(str((start - timedelta(minutes=1) - datetime.now(UTC)).total_seconds() + 1))
        [reminder] = events.until(1, wait_seconds=30)
        clock.write_text(str((start + timedelta(minutes=5) - datetime.now(UTC)).total_seconds()))
        until(lambda: schedule_names(embedded.group(1)) == [])  # it ran and deleted itself: nothing else is due

        assert short_types([reminder]) == ["appointment.reminder_due"]
        assert reminder["data"]["minutes_before"] == 1
        assert datetime.fromisoformat(reminder["data"]["due_at"]) == start - timedelta(minutes=1)
        everything = Events(api, base)
        assert short_types(everything.until(5)) == [
            "doctor.created",
            "appointment.booked",
            "appointment.booked",
            "appointment.cancelled",
            "appointment.reminder_due",
        ]
        assert everything.read() == []


def test_a_lapsed_waitlist_offer_passes_the_slot_to_the_next_entry_at_its_expiry(tmp_path: Path) -> None:
    """The offer's timer fires on the service's clock (moved on past the offer's 30 s and the margin after which
    others may take a hold's slot), not DynamoDB TTL's."""
    clock = tmp_path / "clock"
    clock.write_text("0")
    with own_runner(
        tmp_path, environment={"LOCAL_CLOCK_FILE": str(clock), "LOCAL_TTL_SWEEP_SECONDS": "3600"}
    ) as runner:
        api = runner.api
        doctor = created_doctor(api, name="Waiting Room", rules={"waitlist_offer_ttl_seconds": 30})
        base = f"/doctors/{doctor['id']}"
        start = (datetime.now(UTC) + timedelta(days=2)).replace(hour=9, minute=0, second=0, microsecond=0)
        booked = api.post(f"{base}/appointments", json={"start": start.isoformat(), "location": "North Wing"}).json()
        window = {"from": (start - timedelta(days=1)).isoformat(), "to": (start + timedelta(days=1)).isoformat()}
        first = api.post(f"{base}/waitlist", json={"patient": {"id": "p-1"}, **window}).json()
        second = api.post(f"{base}/waitlist", json={"patient": {"id": "p-2"}, **window}).json()
        assert api.post(f"{base}/appointments/{booked['id']}/cancel").status_code == 200
        offered = until(lambda: (e := api.get(f"{base}/waitlist/{first['id']}").json())["status"] == "offered" and e)

        clock.write_text(str(30 + HOLD_EXPIRY_MARGIN.total_seconds() + 10))  # past the offer and the hold's margin
        passed_on = until(lambda: (e := api.get(f"{base}/waitlist/{second['id']}").json())["status"] == "offered" and e)

        assert passed_on["offered_start"] == offered["offered_start"]
        assert api.get(f"{base}/waitlist/{first['id']}").json()["status"] == "waiting"
        types = [e["type"].rsplit(".", 2)[-2:] for e in Events(api, f"{base}/waitlist/").until(3)]
        assert types == [["waitlist", "offered"], ["waitlist", "expired"], ["waitlist", "offered"]]
