"""Helpers, assignments, plans, measures and visits through the services, with the bad input the issue
lists refused with a clear message."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from fupin.assistance import selectors, services
from fupin.assistance.models import Helper, HelperAssignment, Measure, Photo, Visit
from fupin.registry.selectors import households_for

from ..conftest import VILLAGE_A, VILLAGE_B
from .conftest import png

EMPLOYMENT = {
    "job": "生姜种植",
    "employer": "星子镇生姜专业合作社",
    "employer_type": "cooperative",
    "months": "8",
    "monthly_wage": "2200",
}


def codes(excinfo) -> list[str]:
    return [p.code for p in excinfo.value.problems]


def test_an_assignment_overlapping_an_open_one_of_the_same_helper_is_refused(users, mine, person):
    with pytest.raises(services.ValidationFailed) as excinfo:
        services.assign(actor=users["town"], person=person, household=mine, start_date=dt.date(2017, 1, 1))
    assert codes(excinfo) == ["overlapping_assignment"]
    assert "不能重复结对" in excinfo.value.problems[0].message
    assert HelperAssignment.objects.filter(household=mine).count() == 1


def test_an_assignment_after_the_old_one_ended_is_accepted(users, mine, person):
    old = HelperAssignment.objects.get(household=mine)
    services.end_assignment(actor=users["town"], assignment=old, end_date=dt.date(2016, 12, 31))
    with pytest.raises(services.ValidationFailed):  # still overlaps the last day
        services.assign(actor=users["town"], person=person, household=mine, start_date=dt.date(2016, 12, 31))
    services.assign(actor=users["town"], person=person, household=mine, start_date=dt.date(2017, 1, 1))
    assert HelperAssignment.objects.filter(household=mine).count() == 2


def test_reassigning_keeps_the_history_and_moves_the_helpers_scope(
    users, mine, person, unit, django_user_model
):
    other_user = django_user_model.objects.create_user(
        username="helper2", password="x", role="helper", area_id=VILLAGE_A
    )
    other = Helper.objects.create(
        name="王二", user=other_user, unit=unit, area_id=VILLAGE_A, start_date=dt.date(2016, 1, 1)
    )
    services.reassign(actor=users["cadre"], household=mine, person=other, on=dt.date(2017, 7, 1))
    rows = list(HelperAssignment.objects.filter(household=mine).order_by("start_date"))
    assert [(r.person.name, r.end_date) for r in rows] == [("李帮扶", dt.date(2017, 6, 30)), ("王二", None)]
    assert not households_for(user=users["helper"]).filter(pk=mine.pk).exists()
    assert households_for(user=other_user).filter(pk=mine.pk).exists()


def test_a_village_is_assigned_in_bulk_to_a_units_cadres(users, make_household, unit, person):
    second = Helper.objects.create(name="陈三", unit=unit, area_id=VILLAGE_A, start_date=dt.date(2016, 1, 1))
    households = [make_household(VILLAGE_A) for _ in range(3)]
    make_household(VILLAGE_B)
    assigned = services.assign_village(
        actor=users["town"], village=households[0].village, unit=unit, start_date=dt.date(2016, 7, 1)
    )
    assert assigned == 3
    people = {a.person_id for a in HelperAssignment.objects.filter(household__in=households)}
    assert people == {person.pk, second.pk}
    # A second run finds every household covered and assigns nothing.
    assert (
        services.assign_village(
            actor=users["town"], village=households[0].village, unit=unit, start_date=dt.date(2016, 7, 1)
        )
        == 0
    )


def test_a_cadre_of_another_village_may_not_assign(users, mine, person):
    with pytest.raises(services.NotPermitted):
        services.assign(actor=users["cadre_b"], person=person, household=mine, start_date=dt.date(2018, 1, 1))


def test_a_measure_for_a_household_outside_the_helpers_assignment_is_refused(users, make_household, person):
    other = make_household(VILLAGE_A)
    with pytest.raises(services.NotPermitted, match="不在您的帮扶名单中"):
        services.record_measure(
            actor=users["helper"],
            household=other,
            data={"kind": "employment", "details": EMPLOYMENT, "start_date": "2017-03-01"},
        )
    assert not Measure.objects.exists()


def test_a_visit_for_a_household_outside_the_helpers_assignment_is_refused(users, make_household, person):
    other = make_household(VILLAGE_A)
    with pytest.raises(services.NotPermitted, match="不在您的帮扶名单中"):
        services.record_visit(
            actor=users["helper"], household=other, data={"visited_on": "2017-03-01", "found": "x"}
        )
    assert not Visit.objects.exists()


def test_an_employment_measure_is_recorded_with_its_details_and_photo(users, mine):
    member = mine.members.get(relation="head")
    measure = services.record_measure(
        actor=users["helper"],
        household=mine,
        data={
            "kind": "employment",
            "details": EMPLOYMENT,
            "start_date": "2017-03-01",
            "amount": "17600",
            "member": member.pk,
        },
        photos=[png()],
    )
    assert measure.details == {**EMPLOYMENT, "months": 8, "monthly_wage": "2200.00"}
    assert measure.amount == Decimal("17600.00")
    assert measure.recorded_by == users["helper"]
    photo = Photo.objects.get(measure=measure)
    assert photo.thumbnail.name.endswith(".jpg") and photo.image.size > 0


def test_employment_over_twelve_months_in_a_year_is_refused(users, mine):
    with pytest.raises(services.ValidationFailed) as excinfo:
        services.record_measure(
            actor=users["helper"],
            household=mine,
            data={
                "kind": "employment",
                "details": {**EMPLOYMENT, "months": "13"},
                "start_date": "2017-03-01",
            },
        )
    assert codes(excinfo) == ["out_of_range"]
    assert "1 到 12" in excinfo.value.problems[0].message


def test_a_negative_amount_is_refused(users, mine):
    with pytest.raises(services.ValidationFailed) as excinfo:
        services.record_measure(
            actor=users["helper"],
            household=mine,
            data={
                "kind": "consolation",
                "details": {"items": "大米、食用油"},
                "start_date": "2017-01-20",
                "amount": "-50",
            },
        )
    assert codes(excinfo) == ["negative"]


@pytest.mark.parametrize(
    ("kind", "details", "code"),
    [
        ("training", {"course": "电工"}, "required"),  # the provider is missing
        ("industry", {}, "required"),
        ("social_security", {"scheme": "lottery"}, "not_in_list"),
        ("nonsense", {}, "not_in_list"),
    ],
)
def test_measure_details_are_checked_per_type(users, mine, kind, details, code):
    with pytest.raises(services.ValidationFailed) as excinfo:
        services.record_measure(
            actor=users["helper"],
            household=mine,
            data={"kind": kind, "details": details, "start_date": "2017-01-20"},
        )
    assert code in codes(excinfo)


def test_a_visit_dated_in_the_future_is_refused(users, mine):
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    with pytest.raises(services.ValidationFailed) as excinfo:
        services.record_visit(
            actor=users["helper"], household=mine, data={"visited_on": tomorrow, "found": "x"}
        )
    assert codes(excinfo) == ["future_date"]


def test_a_photo_that_is_not_an_image_is_refused(users, mine):
    fake = SimpleUploadedFile("photo.jpg", b"this is no picture at all", content_type="image/jpeg")
    with pytest.raises(services.ValidationFailed) as excinfo:
        services.record_visit(
            actor=users["helper"],
            household=mine,
            data={"visited_on": "2017-05-02", "found": "x"},
            photos=[fake],
        )
    assert codes(excinfo) == ["wrong_kind"]
    assert not Visit.objects.exists()


def test_a_photo_over_the_size_limit_is_refused(users, mine, settings):
    settings.FUPIN_UPLOAD_MAX_IMAGE_BYTES = 100
    with pytest.raises(services.ValidationFailed) as excinfo:
        services.record_visit(
            actor=users["helper"],
            household=mine,
            data={"visited_on": "2017-05-02", "found": "x"},
            photos=[png(size=(300, 300))],
        )
    assert codes(excinfo) == ["too_large"]


def test_a_resubmitted_visit_with_the_same_token_is_not_duplicated(users, mine):
    import uuid

    token = uuid.uuid4()
    data = {"visited_on": "2017-05-02", "found": "住房漏雨", "done": "联系危房改造"}
    first, created = services.record_visit(actor=users["helper"], household=mine, data=data, token=token)
    again, created_again = services.record_visit(
        actor=users["helper"], household=mine, data=data, token=token
    )
    assert created and not created_again and first.pk == again.pk
    assert Visit.objects.count() == 1


def test_helped_needs_a_completed_item_of_that_year(users, mine):
    item = services.add_plan_item(
        actor=users["helper"],
        household=mine,
        data={"year": "2017", "kind": "industry", "content": "种植生姜2亩", "expected_income": "3000"},
    )
    assert not selectors.helped(mine, 2017)
    services.set_item_state(actor=users["helper"], item=item, state="completed", on=dt.date(2017, 10, 1))
    assert selectors.helped(mine, 2017)
    assert not selectors.helped(mine, 2018)
    assert selectors.helped_households(2017) == {mine.pk}
    assert selectors.helped_households(2018) == set()


def test_completing_a_measure_completes_its_plan_item(users, mine):
    item = services.add_plan_item(
        actor=users["helper"],
        household=mine,
        data={"year": "2017", "kind": "training", "content": "电工培训"},
    )
    member = mine.members.get(relation="head")
    services.record_measure(
        actor=users["helper"],
        household=mine,
        data={
            "kind": "training",
            "details": {"course": "电工", "provider": "碧桂园职业学院", "certificate": "电工证"},
            "start_date": "2017-04-01",
            "end_date": "2017-05-01",
            "state": "completed",
            "member": member.pk,
            "plan_item": item.pk,
        },
    )
    item.refresh_from_db()
    assert item.state == "completed" and item.completed_on == dt.date(2017, 5, 1)
    assert selectors.helped(mine, 2017)


def test_a_plan_item_with_a_negative_expected_income_is_refused(users, mine):
    with pytest.raises(services.ValidationFailed) as excinfo:
        services.add_plan_item(
            actor=users["helper"],
            household=mine,
            data={"year": "2017", "kind": "industry", "content": "x", "expected_income": "-1"},
        )
    assert codes(excinfo) == ["negative"]
