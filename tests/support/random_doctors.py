"""Random doctors for the search property tests (seeded by the caller, so a failure replays)."""

from __future__ import annotations

import random
from typing import Any

ZONES = ["America/New_York", "Europe/London", "Australia/Lord_Howe", "Asia/Kathmandu", "UTC", "Pacific/Chatham"]
PLACES = ["North Wing", "South Wing", "Clinic 3"]
SPELLINGS = {"North Wing": ["North Wing", "north wing", "NORTH  WING"]}
SPECIALTIES = ["cardiology", "Dermatology", "ENT"]


def normal(text: str) -> str:
    return " ".join(text.casefold().split())


def random_doctor(rng: random.Random, n: int) -> dict[str, Any]:
    places = rng.sample(PLACES, rng.randint(1, 3))
    places = [rng.choice(SPELLINGS.get(place, [place])) for place in places]
    schedule: dict[str, Any] = {}
    for day in rng.sample(["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"], 3):
        opens = rng.randint(0, 20)
        interval: dict[str, Any] = {"start": f"{opens:02d}:00", "end": f"{min(24, opens + rng.randint(1, 4)):02d}:00"}
        if len(places) > 1 and rng.random() < 0.5:
            interval["locations"] = rng.sample(places, 1)
        schedule[day] = [interval]
    return {
        "name": f"Doctor {n}",
        "locations": places,
        "specialties": rng.sample(SPECIALTIES, rng.randint(0, 2)),
        "timezone": rng.choice(ZONES),
        "slot_minutes": rng.choice([15, 20, 30, 45, 60]),
        "schedule": schedule,
        "overrides": {"2035-03-07": []} if rng.random() < 0.3 else {},
        "rules": {"buffer_minutes": rng.choice([0, 0, 5]), "max_per_day": rng.choice([None, None, 2])},
    }
