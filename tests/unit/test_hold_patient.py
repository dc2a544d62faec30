"""A hold's patient has one shape inside (`patient: {id}`, as an appointment's) and reads the older one."""

from __future__ import annotations

from datetime import timedelta

from scheduling.models.holds import HoldPatient
from tests.support.stream_records import NOW, hold


def test_a_hold_answered_before_patient_existed_reads_its_patient_id_into_patient() -> None:
    kept = hold().model_dump(mode="json", exclude={"patient"}) | {"patient_id": "p-9"}  # an answer kept then

    read = type(hold()).model_validate(kept)

    assert read.patient == HoldPatient(id="p-9")
    assert read.patient_id == "p-9"


def test_a_hold_answered_now_reads_back_the_same() -> None:
    held = hold(patient={"id": "p-9"}, expires_at=NOW + timedelta(minutes=10))

    answered = held.model_dump(mode="json")

    assert answered["patient"] == {"id": "p-9"}
    assert answered["patient_id"] == "p-9"
    assert type(held).model_validate(answered) == held


def test_a_hold_for_no_patient_leaves_patient_out_and_patient_id_null() -> None:
    answered = hold().model_dump(mode="json")

    assert "patient" not in answered
    assert answered["patient_id"] is None
    assert type(hold()).model_validate(answered) == hold()
