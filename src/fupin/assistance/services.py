"""The one write path of assistance: helpers and units, assignments, plans, measures, visits, photos.

Each function takes the acting user, checks what the user may do and where, validates, writes in one
transaction and leaves the audit entries (`core.tracking` on every model; explicit entries for bulk
assignment). A helper cadre works only on the households assigned to it: a measure or a visit for any
other household is refused with a message saying so.
"""

from __future__ import annotations

import datetime as dt
import io
import uuid
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from fupin.areas.models import Area
from fupin.core import audit
from fupin.core.models import User
from fupin.core.roles import Role
from fupin.core.uploads import UploadRefused, check_upload
from fupin.registry.models import Household, Member
from fupin.registry.selectors import households_for, writable_households_for
from fupin.registry.services import NotPermitted, ValidationFailed
from fupin.registry.validation import Problem

from .models import (
    HELPER_KINDS,
    ITEM_STATES,
    LEADER_DUTIES,
    MEASURE_KINDS,
    MEASURE_STATES,
    UNIT_LEVELS,
    Helper,
    HelperAssignment,
    HelpingUnit,
    LeaderDuty,
    Measure,
    Photo,
    Plan,
    PlanItem,
    Visit,
)
from .validation import clean_details, clean_money

POOR_STATUSES = ("registered", "returned")
THUMB_SIZE = (320, 320)

__all__ = ["NotPermitted", "ValidationFailed"]


def _fail_if(problems: list[Problem]) -> None:
    if problems:
        raise ValidationFailed(problems)


def _in_area(actor: User, code: str) -> bool:
    return actor.is_admin or bool(actor.area_id and code.startswith(actor.area_id))


def _ensure_manager(actor: User, code: str) -> None:
    """Helpers, units and assignments are managed by the town office and the village (and the admin)."""
    if not actor.manages_households or not _in_area(actor, code):
        raise NotPermitted(_("您无权管理该区域的帮扶责任人和结对"))


def _today() -> dt.date:
    return timezone.localdate()


def _date(value: Any, field: str, label: str, problems: list[Problem], *, required: bool = True):
    if value in (None, ""):
        if required:
            problems.append(Problem(field, "required", _("请填写%(label)s") % {"label": label}))
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        problems.append(Problem(field, "bad_date", _("%(label)s应为日期，如 2017-03-31") % {"label": label}))
        return None


def _choice(value: Any, choices, field: str, label: str, problems: list[Problem]) -> str:
    if value not in {code for code, _label in choices}:
        problems.append(Problem(field, "not_in_list", _("%(label)s请从列表中选择") % {"label": label}))
    return value


# -- helpers and units -----------------------------------------------------------------------------


def create_unit(*, actor: User, data: Mapping[str, Any]) -> HelpingUnit:
    problems: list[Problem] = []
    name = str(data.get("name") or "").strip()
    if not name:
        problems.append(Problem("name", "required", _("请填写单位名称")))
    level = _choice(data.get("level"), UNIT_LEVELS, "level", _("单位隶属关系"), problems)
    area = Area.objects.filter(code=str(data.get("area") or "")).first()
    if area is None:
        problems.append(Problem("area", "unknown_area", _("帮扶区域无效，请填写镇或村的区划代码")))
    village = None
    if data.get("village"):
        village = Area.objects.filter(code=str(data["village"]), level="village").first()
        if village is None:
            problems.append(Problem("village", "unknown_area", _("驻村工作队所在村无效")))
    _fail_if(problems)
    _ensure_manager(actor, area.code)
    if village is not None:
        _ensure_manager(actor, village.code)
    if HelpingUnit.objects.filter(name=name, area=area).exists():
        raise ValidationFailed([Problem("name", "duplicate", _("该区域已有同名的帮扶单位"))])
    with transaction.atomic():
        return HelpingUnit.objects.create(
            name=name,
            level=level,
            paired_with=str(data.get("paired_with") or "").strip(),
            area=area,
            village=village,
        )


def create_helper(*, actor: User, data: Mapping[str, Any]) -> Helper:
    problems: list[Problem] = []
    name = str(data.get("name") or "").strip()
    if not name:
        problems.append(Problem("name", "required", _("请填写姓名")))
    kind = _choice(data.get("kind") or "cadre", HELPER_KINDS, "kind", _("类别"), problems)
    area = Area.objects.filter(code=str(data.get("area") or "")).first()
    if area is None:
        problems.append(Problem("area", "unknown_area", _("工作区域无效，请填写镇或村的区划代码")))
    start = _date(data.get("start_date"), "start_date", _("开始帮扶时间"), problems)
    end = _date(data.get("end_date"), "end_date", _("结束帮扶时间"), problems, required=False)
    if start and end and end < start:
        problems.append(Problem("end_date", "end_before_start", _("结束帮扶时间不能早于开始帮扶时间")))
    phone = str(data.get("phone") or "").strip()
    if phone and (not phone.isdigit() or not 7 <= len(phone) <= 12):
        problems.append(Problem("phone", "bad_phone", _("联系电话应为7到12位数字")))
    unit = data.get("unit")
    if unit is not None and not isinstance(unit, HelpingUnit):
        unit = HelpingUnit.objects.filter(pk=unit).first()
    user = data.get("user")
    if user is not None and Helper.objects.filter(user=user).exists():
        problems.append(Problem("user", "duplicate", _("该账号已登记为帮扶责任人")))
    _fail_if(problems)
    _ensure_manager(actor, area.code)
    with transaction.atomic():
        return Helper.objects.create(
            name=name,
            kind=kind,
            unit=unit,
            position=str(data.get("position") or "").strip(),
            phone=phone,
            area=area,
            user=user,
            start_date=start,
            end_date=end,
        )


# -- assignments ----------------------------------------------------------------------------------


def _overlapping(person: Helper, household: Household, start: dt.date):
    return HelperAssignment.objects.filter(person=person, household=household).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=start)
    )


def assign(
    *, actor: User, person: Helper, household: Household, start_date: dt.date, note: str = ""
) -> HelperAssignment:
    """Pair a helper with a household from `start_date`; refused when it overlaps an assignment of
    the same helper to the same household that is still open (or ends on or after that day)."""
    _ensure_manager(actor, household.village_id)
    if not writable_households_for(user=actor).filter(pk=household.pk).exists():
        raise NotPermitted(_("您无权管理该户的结对帮扶"))
    if person.end_date and person.end_date < start_date:
        raise ValidationFailed([Problem("person", "helper_ended", _("该帮扶责任人的帮扶期已结束"))])
    with transaction.atomic():
        if _overlapping(person, household, start_date).exists():
            raise ValidationFailed(
                [
                    Problem(
                        "start_date",
                        "overlapping_assignment",
                        _("%(name)s 与户 %(no)s 已有未结束的结对（或结束日期不早于 %(day)s），不能重复结对")
                        % {"name": person.name, "no": household.household_no, "day": start_date.isoformat()},
                    )
                ]
            )
        return HelperAssignment.objects.create(
            person=person, helper=person.user, household=household, start_date=start_date, note=note[:200]
        )


def end_assignment(*, actor: User, assignment: HelperAssignment, end_date: dt.date, note: str = "") -> None:
    _ensure_manager(actor, assignment.household.village_id)
    if assignment.end_date is not None:
        raise ValidationFailed([Problem("end_date", "already_ended", _("该结对已经结束"))])
    if end_date < assignment.start_date:
        raise ValidationFailed([Problem("end_date", "end_before_start", _("结束日期不能早于开始帮扶时间"))])
    with transaction.atomic():
        assignment.end_date = end_date
        if note:
            assignment.note = note[:200]
        assignment.save()


def reassign(
    *, actor: User, household: Household, person: Helper, on: dt.date, note: str = ""
) -> HelperAssignment:
    """Hand a household to another helper on day `on`: its open assignments end the day before, the
    new one starts that day; the old rows stay as history."""
    with transaction.atomic():
        for old in HelperAssignment.objects.filter(household=household, end_date__isnull=True).exclude(
            person=person
        ):
            end_assignment(
                actor=actor,
                assignment=old,
                end_date=max(old.start_date, on - dt.timedelta(days=1)),
                note=note,
            )
        return assign(actor=actor, person=person, household=household, start_date=on, note=note)


def assign_village(*, actor: User, village: Area, unit: HelpingUnit, start_date: dt.date) -> int:
    """Give every registered poor household of `village` that has no open assignment to the active
    helpers of `unit`, in turn (households by number, helpers by name). Returns the number assigned."""
    _ensure_manager(actor, village.code)
    people = list(
        Helper.objects.filter(unit=unit, start_date__lte=start_date)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=start_date))
        .order_by("name", "id")
    )
    if not people:
        raise ValidationFailed([Problem("unit", "no_helpers", _("该单位没有在帮扶期内的帮扶责任人"))])
    households = list(
        writable_households_for(user=actor)
        .filter(village=village, status__in=POOR_STATUSES)
        .exclude(pk__in=HelperAssignment.objects.filter(end_date__isnull=True).values("household"))
        .order_by("household_no")
    )
    rows = [
        HelperAssignment(
            person=people[i % len(people)],
            helper=people[i % len(people)].user,
            household=h,
            start_date=start_date,
            note=_("按村批量结对"),
        )
        for i, h in enumerate(households)
    ]
    with transaction.atomic():
        created = HelperAssignment.objects.bulk_create(rows, batch_size=1000)
        audit.record_many(
            [
                audit.Entry("create", HelperAssignment._meta.label, str(a.pk), {"label": a.audit_label()})
                for a in created
            ],
            actor=actor,
        )
        audit.record(
            "assistance.assign_village",
            "areas.Area",
            village.code,
            {"unit": unit.pk, "households": len(created)},
            actor=actor,
        )
    return len(created)


# -- plans ----------------------------------------------------------------------------------------


def _ensure_works_on(actor: User, household: Household) -> None:
    """A helper works on its assigned households; the town office and the village on theirs."""
    if actor.role == Role.HELPER and not actor.is_admin:
        live = HelperAssignment.objects.filter(helper=actor, household=household, end_date__isnull=True)
        if not live.exists():
            raise NotPermitted(
                _("户 %(no)s 不在您的帮扶名单中，不能为其录入") % {"no": household.household_no}
            )
        return
    if not writable_households_for(user=actor).filter(pk=household.pk).exists():
        raise NotPermitted(_("您无权为户 %(no)s 录入帮扶信息") % {"no": household.household_no})


def save_plan(*, actor: User, household: Household, needs: str) -> Plan:
    _ensure_works_on(actor, household)
    with transaction.atomic():
        plan, _created = Plan.objects.get_or_create(household=household, defaults={"updated_by": actor})
        plan.needs = needs.strip()[:2000]
        plan.updated_by = actor
        plan.save()
        return plan


def add_plan_item(*, actor: User, household: Household, data: Mapping[str, Any]) -> PlanItem:
    _ensure_works_on(actor, household)
    problems: list[Problem] = []
    try:
        year = int(str(data.get("year") or ""))
        if not 2000 <= year <= 2100:
            raise ValueError
    except ValueError:
        year = 0
        problems.append(Problem("year", "bad_year", _("年度应为四位数字，如 2017")))
    kind = _choice(data.get("kind"), MEASURE_KINDS, "kind", _("项目类型"), problems)
    content = str(data.get("content") or "").strip()
    if not content:
        problems.append(Problem("content", "required", _("请填写帮扶内容")))
    expected, problem = clean_money(data.get("expected_income"), "expected_income", _("预期增收"))
    if problem:
        problems.append(problem)
    state = _choice(data.get("state") or "planned", ITEM_STATES, "state", _("状态"), problems)
    completed_on = _date(data.get("completed_on"), "completed_on", _("完成日期"), problems, required=False)
    if state == "completed" and completed_on is None:
        completed_on = _today()
    _fail_if(problems)
    with transaction.atomic():
        plan, _created = Plan.objects.get_or_create(household=household, defaults={"updated_by": actor})
        return PlanItem.objects.create(
            plan=plan,
            year=year,
            kind=kind,
            content=content[:200],
            expected_income=expected or Decimal("0.00"),
            state=state,
            completed_on=completed_on if state == "completed" else None,
        )


def set_item_state(*, actor: User, item: PlanItem, state: str, on: dt.date | None = None) -> PlanItem:
    _ensure_works_on(actor, item.plan.household)
    problems: list[Problem] = []
    _choice(state, ITEM_STATES, "state", _("状态"), problems)
    _fail_if(problems)
    with transaction.atomic():
        item.state = state
        item.completed_on = (on or _today()) if state == "completed" else None
        item.save()
    return item


# -- photos ---------------------------------------------------------------------------------------


def _thumbnail(upload) -> bytes:
    from PIL import Image, ImageOps

    upload.seek(0)
    with Image.open(upload) as image:
        image = ImageOps.exif_transpose(image)
        image.thumbnail(THUMB_SIZE)
        out = io.BytesIO()
        image.convert("RGB").save(out, format="JPEG", quality=80)
    upload.seek(0)
    return out.getvalue()


def check_photos(photos: Iterable) -> list[Problem]:
    """Every photo must be an image within the size limit (`core.uploads`); nothing is stored yet."""
    problems = []
    for i, photo in enumerate(photos):
        try:
            check_upload(photo, kinds={"image"})
        except UploadRefused as exc:
            problems.append(Problem(f"photos.{i}", exc.code, exc.message))
    return problems


def _store_photos(actor: User, photos: Iterable, **owner) -> None:
    for photo in photos:
        record = Photo(uploaded_by=actor, **owner)
        name = uuid.uuid4().hex
        record.thumbnail.save(f"{name}.jpg", ContentFile(_thumbnail(photo)), save=False)
        photo.seek(0)
        suffix = (getattr(photo, "name", "") or "").rsplit(".", 1)[-1].lower()
        suffix = suffix if suffix in {"jpg", "jpeg", "png", "gif", "webp"} else "img"
        record.image.save(f"{name}.{suffix}", ContentFile(photo.read()), save=False)
        record.save()


# -- measures -------------------------------------------------------------------------------------


def record_measure(
    *, actor: User, household: Household, data: Mapping[str, Any], photos: Iterable = ()
) -> Measure:
    """Record a measure (帮扶措施) for `household`; `data` has kind, details (a dict), start_date,
    end_date, amount, state, member (id), plan_item (id)."""
    _ensure_works_on(actor, household)
    photos = list(photos)
    problems: list[Problem] = []
    kind = _choice(data.get("kind"), MEASURE_KINDS, "kind", _("项目类型"), problems)
    details, found = clean_details(kind, data.get("details") or {})
    problems += found if kind in dict(MEASURE_KINDS) else []
    start = _date(data.get("start_date"), "start_date", _("开始日期"), problems)
    end = _date(data.get("end_date"), "end_date", _("结束日期"), problems, required=False)
    if start and start > _today():
        problems.append(Problem("start_date", "future_date", _("开始日期不能晚于今天")))
    if start and end and end < start:
        problems.append(Problem("end_date", "end_before_start", _("结束日期不能早于开始日期")))
    amount, problem = clean_money(data.get("amount"), "amount", _("金额"))
    if problem:
        problems.append(problem)
    state = _choice(data.get("state") or "in_progress", MEASURE_STATES, "state", _("状态"), problems)
    member = None
    if data.get("member"):
        member = Member.objects.filter(pk=data["member"], household=household, left_on__isnull=True).first()
        if member is None:
            problems.append(Problem("member", "not_a_member", _("受益成员应为该户在册成员")))
    item = None
    if data.get("plan_item"):
        item = PlanItem.objects.filter(pk=data["plan_item"], plan__household=household).first()
        if item is None:
            problems.append(Problem("plan_item", "not_in_plan", _("计划项目应为该户帮扶计划中的项目")))
    problems += check_photos(photos)
    _fail_if(problems)
    with transaction.atomic():
        measure = Measure.objects.create(
            household=household,
            member=member,
            kind=kind,
            details=details,
            start_date=start,
            end_date=end,
            amount=amount,
            state=state,
            plan_item=item,
            recorded_by=actor,
        )
        if item is not None and state == "completed" and item.state != "completed":
            item.state, item.completed_on = "completed", end or start
            item.save()
        _store_photos(actor, photos, measure=measure)
    return measure


# -- visits ---------------------------------------------------------------------------------------


def _ensure_may_visit(actor: User, household: Household | None, village: Area) -> None:
    if household is not None:
        if actor.role == Role.LEADER:
            if not households_for(user=actor).filter(pk=household.pk).exists():
                raise NotPermitted(_("户 %(no)s 不在您的区域内") % {"no": household.household_no})
            return
        _ensure_works_on(actor, household)
        return
    if actor.role not in (Role.LEADER, Role.TOWN_OFFICE, Role.VILLAGE_CADRE, Role.ADMIN) or not _in_area(
        actor, village.code
    ):
        raise NotPermitted(_("您无权录入该村的走访"))


def record_visit(
    *,
    actor: User,
    household: Household | None = None,
    village: Area | None = None,
    data: Mapping[str, Any],
    photos: Iterable = (),
    token: uuid.UUID | None = None,
) -> tuple[Visit, bool]:
    """Record a visit to a household (or, for a leader, a village). Returns (visit, created): a resubmit
    with the token of a visit already recorded by the same user returns that visit unchanged."""
    if token is not None:
        done = Visit.objects.filter(token=token, visitor=actor).first()
        if done is not None:
            return done, False
    village = household.village if household is not None else village
    if village is None:
        raise ValidationFailed([Problem("village", "required", _("请选择走访的户或村"))])
    _ensure_may_visit(actor, household, village)
    photos = list(photos)
    problems: list[Problem] = []
    day = _date(data.get("visited_on"), "visited_on", _("走访日期"), problems)
    if day and day > _today():
        problems.append(Problem("visited_on", "future_date", _("走访日期不能晚于今天")))
    if day and day.year < 2000:
        problems.append(Problem("visited_on", "bad_date", _("走访日期应为2000年以后")))
    found = str(data.get("found") or "").strip()
    done_text = str(data.get("done") or "").strip()
    if not found and not done_text:
        problems.append(Problem("found", "required", _("请填写了解到的情况或解决的问题")))
    problems += check_photos(photos)
    _fail_if(problems)
    with transaction.atomic():
        visit = Visit.objects.create(
            household=household,
            village=village,
            visitor=actor,
            visited_on=day,
            found=found[:4000],
            done=done_text[:4000],
            token=token,
        )
        _store_photos(actor, photos, visit=visit)
    return visit, True


# -- leaders --------------------------------------------------------------------------------------


def set_leader_duty(
    *, actor: User, user: User, duty: str, start_date: dt.date, end_date: dt.date | None = None
) -> LeaderDuty:
    if not (actor.is_admin or actor.role == Role.TOWN_OFFICE) or not (
        actor.is_admin or (user.area_id and _in_area(actor, user.area_id))
    ):
        raise NotPermitted(_("您无权设置领导走访责任"))
    problems: list[Problem] = []
    _choice(duty, LEADER_DUTIES, "duty", _("职责"), problems)
    if end_date and end_date < start_date:
        problems.append(Problem("end_date", "end_before_start", _("结束时间不能早于开始时间")))
    _fail_if(problems)
    with transaction.atomic():
        return LeaderDuty.objects.create(user=user, duty=duty, start_date=start_date, end_date=end_date)
