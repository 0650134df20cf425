"""The demo town 星子镇 (441882101): deterministic synthetic registry data for `fupin loaddemo`.

Pure Python (no Django), so the figures can be checked without a database: `generate(seed)` returns
the same villages, households, members, incomes, exits and users for the same seed. The shape follows
the programme notice and DOMAIN.md §8: 21 villages/communities, 1466 households with 3608 persons,
11 relatively poor villages, the Guangdong mix of causes, and exits in 2016/2017/2018 near the plan
of 1082/1082/1444 persons. Names, ID numbers, phone and bank numbers are invented; the 12-digit
village codes are placeholders (the official list was not obtained, DOMAIN.md §9).

Coded fields carry the internal codes of `fupin.core.codes`, which the registry's validation accepts.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

SEED = 20161226  # the notice's date (连星府〔2016〕114号)
TOWN_CODE = "441882101"
COUNTY_CODE = "441882"
COMMUNITY_CODE = "441882101001"
YEARS = (2014, 2015, 2016, 2017, 2018)
EXIT_YEARS = (2016, 2017, 2018)
# The household data of the new period were collected in 2016 on the income of 2015.
IDENTIFIED_YEAR = 2015
HOUSEHOLDS = 1466
PERSONS = 3608
POOR_VILLAGES = 11
EXIT_PLAN = {2016: 1082, 2017: 1082, 2018: 1444}

CENT = Decimal("0.01")
# Programme parameters the story is built around (DOMAIN.md P1, P2, P4, P6, §8.3).
POVERTY_LINE = Decimal("4000")  # per capita, 2014 prices
POOR_VILLAGE_INCOME = Decimal("8000")  # per capita, 2014 prices
POOR_VILLAGE_SHARE = Decimal("0.05")
PROVINCIAL_RURAL_INCOME = {2016: Decimal("14512.2"), 2017: Decimal("15779.7"), 2018: Decimal("17167.7")}
HOUSEHOLD_EXIT_SHARE = Decimal("0.45")
VILLAGE_EXIT_SHARE = Decimal("0.60")

# Margins that keep every household and village clearly on one side of a rule, so that rounding,
# a price index or the choice of income figure cannot flip a case.
IDENTIFICATION_CAP = Decimal("3600")
EXIT_MARGIN = Decimal("1.09")  # exit year: at least 9 % above the threshold
BELOW_MARGIN = Decimal("0.88")  # years before the exit: at least 12 % below it

DEMO_PASSWORD = "Xingzi-2016"


def money(value: Decimal | float | int) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def household_threshold(year: int) -> Decimal:
    """45 % of the year's provincial rural per-capita income, half-up to the cent."""
    return money(PROVINCIAL_RURAL_INCOME[year] * HOUSEHOLD_EXIT_SHARE)


def village_threshold(year: int) -> Decimal:
    return money(PROVINCIAL_RURAL_INCOME[year] * VILLAGE_EXIT_SHARE)


@dataclass(frozen=True)
class VillageSpec:
    code: str
    name: str
    poor: bool


# 星子镇 counts 21 村(社区): the community and 20 村委会. Ten names come from the notice; the others
# are plainly demo villages. Codes follow the 0xx 社区 / 2xx 村委会 convention but are placeholders.
VILLAGE_SPECS: tuple[VillageSpec, ...] = (
    VillageSpec(COMMUNITY_CODE, "星子社区", False),
    VillageSpec("441882101201", "昌黎村", True),
    VillageSpec("441882101202", "四方村", True),
    VillageSpec("441882101203", "水源村", True),
    VillageSpec("441882101204", "东红村", True),
    VillageSpec("441882101205", "赤塘村", True),
    VillageSpec("441882101206", "马水村", True),
    VillageSpec("441882101207", "清江村", False),
    VillageSpec("441882101208", "上庄村", False),
    VillageSpec("441882101209", "姜联村", False),
    VillageSpec("441882101210", "周联村", False),
    *(VillageSpec(f"4418821012{10 + i:02d}", f"演示村{i:02d}", i <= 5) for i in range(1, 11)),
)
CADRE_VILLAGE = "441882101201"  # 昌黎村: the demo village cadre and helper work here

GROUP_NAMES = (
    "上村", "下村", "新屋", "大坪", "石桥", "塘背", "岭头", "坪田", "水口", "老屋", "竹山", "井头",
    "高田", "社下", "禾仓", "江边", "枫木", "桥头", "山背", "黄泥",
)  # fmt: skip

SURNAMES = (
    ("黄", 12), ("李", 10), ("陈", 9), ("邓", 7), ("莫", 6), ("唐", 6), ("吴", 5), ("谢", 5), ("廖", 5),
    ("曾", 4), ("欧", 4), ("林", 4), ("周", 4), ("罗", 4), ("邵", 3), ("胡", 3), ("梁", 3), ("刘", 3),
    ("张", 3), ("王", 3), ("何", 2), ("成", 2), ("彭", 2), ("潘", 2), ("蒋", 2),
)  # fmt: skip
MALE_OLD = "福贵生发财德有金荣林水根昌明顺华富来旺全寿保茂松宗祥"
MALE_MID = "国建华明文志伟强军平勇海斌辉东春清亮军忠红兵永新光庆"
MALE_YOUNG = "浩宇轩俊杰子涛鹏博文豪睿晨铭嘉航志超宏磊"
FEMALE_OLD = "秀英兰娣妹凤珍玉桂香莲梅娇群花金银翠月"
FEMALE_MID = "丽芳燕红霞艳萍敏玲琴娟梅春美华静云"
FEMALE_YOUNG = "欣怡雨涵诗婷雅琪晓佳思梦颖慧悦萱彤"

CAUSE_SHARES = (
    ("illness", Decimal("36.2")),
    ("labour", Decimal("23.3")),
    ("disability", Decimal("19.9")),
    ("schooling", Decimal("4.9")),
    ("capital", Decimal("4.5")),
    # DOMAIN.md §8.1: the suggested split of the remaining 11.2 %.
    ("skills", Decimal("3")),
    ("disaster", Decimal("2")),
    ("motivation", Decimal("2")),
    ("land", Decimal("1.5")),
    ("transport", Decimal("1")),
    ("water", Decimal("0.5")),
    ("marriage", Decimal("0.2")),
    ("other", Decimal("1")),
)
# Share of households of each main cause that have nobody able to work.
NO_LABOUR_SHARE = {"labour": Decimal("1"), "illness": Decimal("0.55"), "disability": Decimal("0.34")}

# The day the register's member facts (school, health, labour) describe; school ages are counted
# at the start of a school year (1 September).
SNAPSHOT_DAY = dt.date(2018, 9, 1)
COMPULSORY_SCHOOL_AGES = (6, 15)
IN_SCHOOL = ("primary", "junior", "senior", "secondary_vocational")


def age_on(birth: dt.date, day: dt.date) -> int:
    """Completed years of age on `day`."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_check_character(first17: str) -> str:
    """GB 11643 MOD 11-2 check character."""
    return "10X98765432"[sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


@dataclass
class DemoMember:
    name: str
    id_number: str
    relation: str
    sex: str
    birth_date: dt.date
    ethnicity: str
    education: str
    school_status: str
    health: str
    labour: str
    migrant_work: str
    work_months: int | None
    medical_insurance: bool
    pension_insurance: bool | None
    dibao: bool
    tekun: bool

    def age_in(self, year: int) -> int:
        """Age reached in `year` (completed years at 31 December)."""
        return year - self.birth_date.year

    def age_on(self, day: dt.date) -> int:
        return age_on(self.birth_date, day)

    @property
    def labour_capable(self) -> bool:
        return self.labour in ("ordinary", "skilled")

    def as_form(self) -> dict:
        """The fields `registry.validation.clean_member` takes (sex and birth date come from the ID)."""
        return {
            "name": self.name,
            "id_number": self.id_number,
            "relation": self.relation,
            "ethnicity": self.ethnicity,
            "education": self.education,
            "school_status": self.school_status,
            "health": self.health,
            "labour": self.labour,
            "migrant_work": self.migrant_work,
            "work_months": self.work_months,
            "medical_insurance": self.medical_insurance,
            "pension_insurance": self.pension_insurance,
            "dibao": self.dibao,
            "tekun": self.tekun,
        }


@dataclass(frozen=True)
class StatusEvent:
    year: int
    to_status: str
    reason: str


@dataclass
class DemoHousehold:
    household_no: str
    village: str
    group: str
    attribute: str
    main_cause: str
    other_causes: tuple[str, ...]
    identified_year: int
    housing_safe: bool
    water_safe: bool
    phone: str
    bank_name: str
    bank_account: str
    members: list[DemoMember]
    incomes: dict[int, dict[str, Decimal]]
    conditions: dict
    events: list[StatusEvent] = field(default_factory=list)

    @property
    def size(self) -> int:
        return len(self.members)

    @property
    def labour_capable(self) -> bool:
        return any(m.labour_capable for m in self.members)

    @property
    def exit_year(self) -> int | None:
        years = [e.year for e in self.events if e.to_status == "exited"]
        return years[0] if years else None

    @property
    def status(self) -> str:
        return self.events[-1].to_status if self.events else "registered"

    def disposable(self, year: int) -> Decimal:
        i = self.incomes[year]
        return (
            i["wages"]
            + i["business_income"]
            - i["business_cost"]
            + i["property_income"]
            + i["transfer_income"]
            - i["transfer_cost"]
        )

    def per_capita(self, year: int) -> Decimal:
        return money(self.disposable(year) / self.size)

    def as_form(self) -> dict:
        """The fields `registry.validation.clean_household` takes."""
        return {
            "household_no": self.household_no,
            "village": self.village,
            "group": self.group,
            "head_id_number": next(m.id_number for m in self.members if m.relation == "head"),
            "attribute": self.attribute,
            "main_cause": self.main_cause,
            "other_causes": list(self.other_causes),
            "identified_year": self.identified_year,
            "housing_safe": self.housing_safe,
            "water_safe": self.water_safe,
            "phone": self.phone,
            "bank_name": self.bank_name,
            "bank_account": self.bank_account,
        }

    def income_forms(self) -> list[dict]:
        return [{"year": year, **items} for year, items in sorted(self.incomes.items())]


@dataclass(frozen=True)
class DemoVillage:
    code: str
    name: str
    poor: bool
    groups: tuple[str, ...]
    # year → (registered population, per-capita disposable income)
    years: dict[int, tuple[int, Decimal]]


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    area: str | None
    full_name: str


@dataclass
class DemoTown:
    seed: int
    villages: list[DemoVillage]
    households: list[DemoHousehold]
    users: list[DemoUser]
    helper_households: list[str]  # household numbers assigned to the demo helper

    @property
    def persons(self) -> int:
        return sum(h.size for h in self.households)

    def exits_by_year(self) -> dict[int, int]:
        """Persons of the households recorded as exiting in each year."""
        result = dict.fromkeys(EXIT_YEARS, 0)
        for household in self.households:
            if household.exit_year is not None:
                result[household.exit_year] += household.size
        return result

    def poor_persons_by_village(self) -> dict[str, int]:
        result = {v.code: 0 for v in self.villages}
        for household in self.households:
            result[household.village] += household.size
        return result


# --- people -------------------------------------------------------------------------------


class _People:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.used: set[str] = set()

    def surname(self) -> str:
        names, weights = zip(*SURNAMES, strict=True)
        return self.rng.choices(names, weights)[0]

    def given(self, sex: str, age: int) -> str:
        if sex == "M":
            pool = MALE_OLD if age >= 55 else MALE_MID if age >= 25 else MALE_YOUNG
        else:
            pool = FEMALE_OLD if age >= 55 else FEMALE_MID if age >= 25 else FEMALE_YOUNG
        if self.rng.random() < 0.15:
            return self.rng.choice(pool)
        return self.rng.choice(pool) + self.rng.choice(pool)

    def id_number(self, sex: str, age: int) -> tuple[str, dt.date]:
        while True:
            year = 2016 - age
            birth = dt.date(year, 1, 1) + dt.timedelta(days=self.rng.randrange(365))
            serial = self.rng.randrange(500) * 2 + (1 if sex == "M" else 0)
            first17 = f"{COUNTY_CODE}{birth:%Y%m%d}{serial:03d}"
            if first17 not in self.used:
                self.used.add(first17)
                return first17 + id_check_character(first17), birth


@dataclass
class _Person:
    relation: str
    sex: str
    age: int  # in 2016
    surname: str
    kind: str  # worker, elder, child, adult_dependent
    health: str = "healthy"
    student: str = ""


def _school_for(age: int, rng: random.Random, schooling: bool) -> str:
    if age < 3:
        return "none"
    if age <= 5:
        return "preschool"
    if age <= 11:
        return "primary"
    if age <= 14:
        return "junior"
    if age <= 17:
        return "senior" if rng.random() < 0.7 else "secondary_vocational"
    if age <= 21 and (schooling or rng.random() < 0.3):
        return rng.choice(("higher_vocational", "college", "university"))
    return "none"


def _education_for(age: int, school: str, rng: random.Random) -> str:
    by_school = {
        "preschool": "preschool_child",
        "primary": "primary",
        "junior": "junior",
        "senior": "senior",
        "secondary_vocational": "senior",
        "higher_vocational": "college",
        "college": "college",
        "university": "college",
    }
    if school in by_school:
        return by_school[school]
    if age < 7:
        return "preschool_child"
    roll = rng.random()
    if age >= 65:
        return "illiterate" if roll < 0.4 else "primary" if roll < 0.9 else "junior"
    if age >= 45:
        return "primary" if roll < 0.4 else "junior" if roll < 0.9 else "senior"
    return "primary" if roll < 0.05 else "junior" if roll < 0.65 else "senior" if roll < 0.95 else "college"


# --- the generator -------------------------------------------------------------------------


class _Generator:
    def __init__(self, seed: int):
        self.seed = seed
        self.rng = random.Random(seed)
        self.people = _People(self.rng)

    def run(self) -> DemoTown:
        rng = self.rng
        causes = self._causes()
        profiles = self._profiles(causes)
        village_of = self._assign_villages(len(profiles))
        groups = {
            spec.code: tuple(sorted(rng.sample(GROUP_NAMES, rng.randint(3, 6)))) for spec in VILLAGE_SPECS
        }
        groups["441882101210"] = tuple(sorted({*groups["441882101210"][:-1], "泉水湾"}))
        households: list[DemoHousehold] = []
        serial: dict[str, int] = {}
        for profile, village in zip(profiles, village_of, strict=True):
            serial[village] = serial.get(village, 0) + 1
            households.append(self._household(profile, village, serial[village], groups[village]))
        households.sort(key=lambda h: h.household_no)
        self._plan_exits(households)
        for household in households:
            self._incomes(household)
            household.conditions = self._conditions(household)
        villages = self._villages(households, groups)
        chang_li = [h for h in households if h.village == CADRE_VILLAGE]
        helper = sorted(h.household_no for h in rng.sample(chang_li, 10))
        return DemoTown(self.seed, villages, households, self._users(), helper)

    # counts

    def _causes(self) -> list[str]:
        """Main causes of the 1466 households in the Guangdong proportions (largest remainder)."""
        total = sum(share for _c, share in CAUSE_SHARES)
        exact = [(cause, share * HOUSEHOLDS / total) for cause, share in CAUSE_SHARES]
        counts = {cause: int(value) for cause, value in exact}
        rest = HOUSEHOLDS - sum(counts.values())
        for cause, _v in sorted(exact, key=lambda cv: cv[1] - int(cv[1]), reverse=True)[:rest]:
            counts[cause] += 1
        result = [cause for cause, _s in CAUSE_SHARES for _ in range(counts[cause])]
        self.rng.shuffle(result)
        return result

    def _profiles(self, causes: list[str]) -> list[dict]:
        """Cause, labour class, size and attribute of each household; sizes sum to exactly 3608."""
        rng = self.rng
        by_cause: dict[str, list[int]] = {}
        for i, cause in enumerate(causes):
            by_cause.setdefault(cause, []).append(i)
        no_labour = set()
        for cause, share in NO_LABOUR_SHARE.items():
            members = by_cause.get(cause, [])
            no_labour.update(rng.sample(members, int(len(members) * share + Decimal("0.5"))))
        profiles = []
        for i, cause in enumerate(causes):
            if i in no_labour:
                size = rng.choices((1, 2, 3, 4), (47, 38, 11, 4))[0]
            else:
                size = rng.choices((1, 2, 3, 4, 5, 6), (4, 24, 32, 24, 11, 5))[0]
                if cause == "schooling":
                    size = max(size, 3)
            profiles.append({"cause": cause, "capable": i not in no_labour, "size": size})
        # No-labour households are small and fixed; labour-capable ones absorb the difference.
        capable = [p for p in profiles if p["capable"]]
        while (total := sum(p["size"] for p in profiles)) != PERSONS:
            p = rng.choice(capable)
            if total < PERSONS and p["size"] < 6:
                p["size"] += 1
            elif total > PERSONS and p["size"] > (3 if p["cause"] == "schooling" else 2):
                p["size"] -= 1
        for p in profiles:
            if p["capable"]:
                p["attribute"] = "dibao" if rng.random() < 0.10 else "general"
            else:
                p["attribute"] = "tekun" if p["size"] <= 2 and rng.random() < 0.32 else "dibao"
        return profiles

    def _assign_villages(self, count: int) -> list[str]:
        """Most households live in the eleven relatively poor villages."""
        rng = self.rng
        weights = [rng.uniform(8, 12) if spec.poor else rng.uniform(2, 4) for spec in VILLAGE_SPECS]
        codes = [spec.code for spec in VILLAGE_SPECS]
        result = list(codes)  # every village has at least one household
        result += rng.choices(codes, weights, k=count - len(codes))
        rng.shuffle(result)
        return result

    # households

    def _composition(self, profile: dict) -> list[_Person]:
        """Who lives in the household: relations, sexes and ages (in 2016) that fit together."""
        rng = self.rng
        size, cause = profile["size"], profile["cause"]
        family = self.people.surname()

        def other() -> str:
            return self.people.surname()

        def children(n: int, parent_age: int, surname: str) -> list[_Person]:
            result = []
            oldest = min(parent_age - 20, 30)
            for k in range(n):
                if cause == "schooling" and k == 0:
                    age = rng.randint(15, max(15, min(oldest, 21)))
                else:
                    age = rng.randint(0, max(0, oldest - 2 * k))
                sex = rng.choice("MF")
                result.append(_Person("son" if sex == "M" else "daughter", sex, age, surname, "child"))
            return result

        if not profile["capable"]:
            elder = rng.randint(62, 90)
            head_sex = "M" if rng.random() < 0.55 else "F"
            head = _Person("head", head_sex, elder, family, "elder")
            if size == 1:
                return [head]
            if size == 2 and cause in ("illness", "disability") and rng.random() < 0.35:
                # An adult who cannot work, living with an aged parent.
                adult = _Person("head", rng.choice("MF"), rng.randint(32, 58), family, "adult_dependent")
                parent = _Person("mother", "F", min(adult.age + rng.randint(22, 32), 92), other(), "elder")
                return [adult, parent]
            people = [head]
            if size == 2 and rng.random() < 0.6 or size >= 3 and rng.random() < 0.7:
                spouse_sex = "F" if head_sex == "M" else "M"
                people.append(
                    _Person("spouse", spouse_sex, max(60, elder + rng.randint(-5, 5)), other(), "elder")
                )
            while len(people) < size:
                # Left-behind grandchildren (三留人员) in the care of grandparents.
                age = rng.randint(3, 15)
                sex = rng.choice("MF")
                surname = family if head_sex == "M" else other()
                people.append(
                    _Person("grandson" if sex == "M" else "granddaughter", sex, age, surname, "child")
                )
            return people

        head_sex = "M" if rng.random() < 0.85 else "F"
        if size == 1:
            return [_Person("head", head_sex, rng.randint(28, 58), family, "worker")]
        extended = size >= 5 and rng.random() < 0.45
        if extended:
            head_age = rng.randint(50, 62)
        else:
            head_age = rng.randint(38, 55) if cause == "schooling" else rng.randint(30, 55)
        people = [_Person("head", head_sex, head_age, family, "worker")]
        parent_age = head_age
        shape = rng.random()
        with_spouse = size >= 4 or shape < 0.75
        if with_spouse:
            spouse_age = max(22, head_age + (rng.randint(-6, 0) if head_sex == "M" else rng.randint(0, 6)))
            parent_age = min(head_age, spouse_age)
            people.append(_Person("spouse", "F" if head_sex == "M" else "M", spouse_age, other(), "worker"))
        kids_surname = family if head_sex == "M" else other()
        if extended:
            son = _Person("son", "M", rng.randint(24, min(36, parent_age - 20)), kids_surname, "worker")
            wife = _Person("daughter_in_law", "F", max(22, son.age + rng.randint(-4, 2)), other(), "worker")
            people += [son, wife]
            while len(people) < size:
                age = rng.randint(0, max(0, min(wife.age, son.age) - 20))
                sex = rng.choice("MF")
                people.append(
                    _Person("grandson" if sex == "M" else "granddaughter", sex, age, kids_surname, "child")
                )
            return people
        room = size - len(people)
        if room >= 2 and rng.random() < 0.35 or room >= 1 and not with_spouse and shape > 0.9:
            parent_sex = rng.choice("MF")
            people.append(
                _Person(
                    "father" if parent_sex == "M" else "mother",
                    parent_sex,
                    min(head_age + rng.randint(22, 32), 92),
                    family if parent_sex == "M" else other(),
                    "elder",
                )
            )
            room -= 1
        people += children(room, parent_age, kids_surname)
        return people

    def _apply_cause(self, people: list[_Person], profile: dict) -> None:
        """Give the household the members its cause implies (an ill or disabled member…)."""
        rng = self.rng
        cause = profile["cause"]
        if cause not in ("illness", "disability"):
            return
        state = "disabled" if cause == "disability" else rng.choice(("chronic", "chronic", "serious"))
        dependents = [p for p in people if p.kind == "adult_dependent"]
        if dependents:
            target = dependents[0]
        else:
            adults = [p for p in people if p.kind in ("elder", "worker") and p.relation != "head"]
            workers = [p for p in people if p.kind == "worker"]
            candidates = [p for p in adults if p.kind == "elder" or len(workers) > 1]
            if cause == "disability" and rng.random() < 0.15:
                candidates += [p for p in people if p.kind == "child"]
            target = rng.choice(candidates) if candidates else people[0]
        workers = [p for p in people if p.kind == "worker"]
        if target.kind == "worker" and len(workers) == 1:
            # The only worker keeps working: a chronic illness or a light disability.
            state = "chronic" if state == "serious" else state
        elif target.kind == "worker":
            target.kind = "adult_dependent"
        target.health = state

    def _member(self, person: _Person, profile: dict) -> DemoMember:
        rng = self.rng
        age = person.age
        number, birth = self.people.id_number(person.sex, age)
        schooling = profile["cause"] == "schooling" and person.kind == "child"
        # The register holds the state at the end of the story: school by the age of autumn 2018.
        school_age = age_on(birth, SNAPSHOT_DAY)
        school = _school_for(school_age, rng, schooling) if person.kind == "child" else "none"
        if person.kind == "child" and school == "none" and school_age >= 18:
            person.kind = "worker" if profile["capable"] else "child"
        if school_age < 16 or school != "none":
            labour = "none"
        elif person.kind == "worker":
            labour = "skilled" if rng.random() < 0.15 else "ordinary"
        elif person.kind == "adult_dependent" or person.health != "healthy":
            labour = "lost"
        else:
            labour = "none"
        migrant, months = "", None
        if labour in ("ordinary", "skilled") and 18 <= age <= 55 and rng.random() < 0.55:
            migrant = rng.choices(
                ("in_province", "in_county", "in_town", "out_of_province"), (50, 25, 15, 10)
            )[0]
            months = rng.randint(6, 11)
        attribute = profile["attribute"]
        return DemoMember(
            name=person.surname + self.people.given(person.sex, age),
            id_number=number,
            relation=person.relation,
            sex=person.sex,
            birth_date=birth,
            ethnicity="13" if profile.get("yao") else "01",
            education=_education_for(age, school, rng),
            school_status=school,
            health=person.health,
            labour=labour,
            migrant_work=migrant,
            work_months=months,
            medical_insurance=True,
            pension_insurance=True if school_age >= 16 and school == "none" else None,
            dibao=attribute == "dibao",
            tekun=attribute == "tekun",
        )

    def _household(self, profile: dict, village: str, serial: int, groups: tuple[str, ...]) -> DemoHousehold:
        rng = self.rng
        profile["yao"] = rng.random() < 0.03
        while True:
            people = self._composition(profile)
            self._apply_cause(people, profile)
            members = [self._member(p, profile) for p in people]
            capable = any(m.labour_capable for m in members)
            consistent = capable == profile["capable"] and self._cause_fits(profile["cause"], members)
            if consistent:
                break
            # Drop the ID numbers of the rejected draw so uniqueness stays meaningful.
            for m in members:
                self.people.used.discard(m.id_number[:17])
        if profile["attribute"] == "tekun" and any(m.age_in(2016) < 18 for m in members):
            profile["attribute"] = "dibao"
            for m in members:
                m.dibao, m.tekun = True, False
        return DemoHousehold(
            household_no=f"{village}{serial:04d}",
            village=village,
            group=rng.choice(groups),
            attribute=profile["attribute"],
            main_cause=profile["cause"],
            other_causes=self._other_causes(profile["cause"], members),
            identified_year=IDENTIFIED_YEAR,
            housing_safe=True,
            water_safe=True,
            phone="1"
            + rng.choice(("35", "37", "38", "39", "50", "58", "87"))
            + f"{rng.randrange(10**8):08d}",
            bank_name="连州农村商业银行",
            bank_account="621" + f"{rng.randrange(10**16):016d}",
            members=members,
            incomes={},
            conditions={},
        )

    @staticmethod
    def _cause_fits(cause: str, members: list[DemoMember]) -> bool:
        if cause == "illness":
            return any(m.health in ("chronic", "serious") for m in members)
        if cause == "disability":
            return any(m.health == "disabled" for m in members)
        if cause == "schooling":
            return any(
                m.school_status not in ("none", "preschool") and m.age_on(SNAPSHOT_DAY) >= 15 for m in members
            )
        if cause == "labour":
            return not any(m.labour_capable for m in members)
        return True

    def _other_causes(self, main: str, members: list[DemoMember]) -> tuple[str, ...]:
        rng = self.rng
        capable = any(m.labour_capable for m in members)
        pool = ["capital", "land", "transport"]
        if capable:
            pool += ["skills", "motivation"]
        elif main != "labour":
            pool.append("labour")
        if main != "illness" and any(m.health in ("chronic", "serious") for m in members):
            pool.append("illness")
        if main != "disability" and any(m.health == "disabled" for m in members):
            pool.append("disability")
        if main != "schooling" and any(
            m.school_status in ("senior", "college", "university") for m in members
        ):
            pool.append("schooling")
        pool = [c for c in pool if c != main]
        count = rng.choices((0, 1, 2), (35, 45, 20))[0]
        return tuple(rng.sample(pool, min(count, len(pool))))

    # exits

    def _plan_exits(self, households: list[DemoHousehold]) -> None:
        """Exit years that bring the persons of each year to the plan; a few stay or return."""
        rng = self.rng
        order = list(households)
        rng.shuffle(order)
        # A few households still wait for their house to be rebuilt at the end of 2018.
        staying = [h for h in order if not h.labour_capable][:6]
        for h in staying:
            h.housing_safe = False
        # A few exit in 2017 and fall back in 2018 when a member falls seriously ill.
        returning = [
            h
            for h in order
            if h.labour_capable and any(m.relation != "head" and m.age_in(2016) >= 16 for m in h.members)
        ][:4]
        for h in returning:
            patient = next(m for m in h.members if m.relation != "head" and m.age_in(2016) >= 16)
            patient.health = "serious"
            if patient.labour_capable and sum(m.labour_capable for m in h.members) > 1:
                patient.labour, patient.migrant_work, patient.work_months = "lost", "", None
        fixed = set(map(id, staying + returning))
        rest = [h for h in order if id(h) not in fixed]
        year_of: dict[int, int] = {id(h): 2017 for h in returning}
        persons = {2016: 0, 2017: sum(h.size for h in returning)}
        for year in (2016, 2017):
            target = EXIT_PLAN[year]
            for h in rest:
                if id(h) not in year_of and persons[year] + h.size <= target:
                    year_of[id(h)] = year
                    persons[year] += h.size
                if persons[year] == target:
                    break
        for h in rest:
            year = year_of.get(id(h), 2018)
            h.events.append(StatusEvent(year, "exited", _exit_reason(h)))
        for h in returning:
            h.events.append(StatusEvent(2017, "exited", _exit_reason(h)))
            h.events.append(StatusEvent(2018, "returned", "家庭成员患大病，医疗支出大、收入下降，返贫"))

    # incomes

    def _per_capita_path(self, household: DemoHousehold) -> dict[int, Decimal]:
        rng = self.rng
        path: dict[int, Decimal] = {}
        first = Decimal(rng.randint(2300, 3300))
        path[2014] = first
        path[2015] = min(
            first * Decimal(str(rng.uniform(1.03, 1.09))), IDENTIFICATION_CAP - rng.randint(20, 200)
        )
        exit_year = household.exit_year
        returned = household.status == "returned"
        for year in EXIT_YEARS:
            threshold = household_threshold(year)
            previous = path[year - 1]
            if exit_year is not None and year == exit_year:
                value = threshold * Decimal(str(rng.uniform(1.10, 1.32)))
            elif exit_year is not None and year > exit_year and returned:
                value = threshold * Decimal(str(rng.uniform(0.58, 0.78)))
            elif exit_year is not None and year > exit_year:
                value = max(
                    previous * Decimal(str(rng.uniform(1.05, 1.12))),
                    threshold * EXIT_MARGIN * Decimal("1.01"),
                )
            else:
                cap = threshold * BELOW_MARGIN
                value = previous + (cap - previous) * Decimal(str(rng.uniform(0.3, 0.9)))
            path[year] = value
        return {year: money(value) for year, value in path.items()}

    def _incomes(self, household: DemoHousehold) -> None:
        rng = self.rng
        migrants = sum(1 for m in household.members if m.migrant_work)
        capable = household.labour_capable
        for year, pc in self._per_capita_path(household).items():
            total = pc * household.size
            # Shares are bounded so that the net production income left over is never negative.
            if capable:
                wage_share = rng.uniform(0.40, 0.50) + min(migrants, 2) * 0.06
                transfer_share = (
                    rng.uniform(0.18, 0.28) if household.attribute == "dibao" else rng.uniform(0.04, 0.1)
                )
            else:
                wage_share = 0.0
                transfer_share = rng.uniform(0.62, 0.82)
            property_share = rng.uniform(0.02, 0.08) if year >= 2016 else 0.0  # asset-income dividends
            wages = money(total * Decimal(str(round(wage_share, 4))))
            transfer = money(total * Decimal(str(round(transfer_share, 4))))
            prop = money(total * Decimal(str(round(property_share, 4))))
            net_business = total - wages - transfer - prop
            business_income = money(net_business / Decimal("0.6"))
            household.incomes[year] = {
                "wages": wages,
                "business_income": business_income,
                "business_cost": business_income - net_business,
                "property_income": prop,
                "transfer_income": transfer,
                "transfer_cost": Decimal("0.00"),
            }

    def _conditions(self, household: DemoHousehold) -> dict:
        rng = self.rng
        safe = household.housing_safe
        return {
            "house_area": money(rng.uniform(25, 55) * min(household.size, 4) ** 0.5 + 15),
            "house_structure": rng.choice(("brick_concrete", "brick_concrete", "concrete", "brick_wood"))
            if safe
            else "earth",
            "dilapidated": not safe,
            "electricity": True,
            "drinking_water": rng.choices(("tap", "protected_well"), (70, 30))[0],
            "water_difficulty": False,
            "road_type": rng.choices(("cement", "gravel", "dirt"), (70, 20, 10))[0],
            "sanitary_toilet": rng.random() < 0.8,
            "fuel": rng.choices(("firewood", "lpg", "electric"), (50, 35, 15))[0],
            "market_distance_km": Decimal(rng.randint(5, 250)) / 10,
            "farmland_mu": money(rng.uniform(0.3, 4.0)),
            "forest_mu": money(rng.uniform(0, 12)),
        }

    # villages and users

    def _villages(
        self, households: list[DemoHousehold], groups: dict[str, tuple[str, ...]]
    ) -> list[DemoVillage]:
        rng = self.rng
        poor_persons: dict[str, int] = {}
        for h in households:
            poor_persons[h.village] = poor_persons.get(h.village, 0) + h.size
        villages = []
        for spec in VILLAGE_SPECS:
            persons = poor_persons[spec.code]
            if spec.poor:
                share = rng.uniform(0.07, 0.12)
                income = {2014: rng.uniform(5300, 6000)}
                income[2015] = income[2014] * rng.uniform(1.07, 1.09)
                income[2016] = income[2015] * rng.uniform(1.07, 1.09)
                income[2017] = income[2016] * rng.uniform(1.20, 1.26)
                income[2018] = max(income[2017] * rng.uniform(1.30, 1.36), 10900 + rng.uniform(0, 400))
            else:
                share = rng.uniform(0.015, 0.035)
                income = {2014: rng.uniform(9300, 12500)}
                for year in YEARS[1:]:
                    income[year] = income[year - 1] * rng.uniform(1.07, 1.10)
            base = round(persons / share)
            if not spec.poor:
                base = max(base, 4500 if spec.code == COMMUNITY_CODE else 800)
            years = {year: (round(base * (1 + 0.004 * (year - 2016))), money(income[year])) for year in YEARS}
            villages.append(DemoVillage(spec.code, spec.name, spec.poor, groups[spec.code], years))
        return villages

    def _users(self) -> list[DemoUser]:
        spec = (
            ("demo_admin", "admin", None),
            ("demo_town", "town_office", TOWN_CODE),
            ("demo_cadre", "village_cadre", CADRE_VILLAGE),
            ("demo_helper", "helper", CADRE_VILLAGE),
            ("demo_leader", "leader", TOWN_CODE),
            ("demo_civil", "civil_affairs", TOWN_CODE),
            ("demo_auditor", "auditor", TOWN_CODE),
            ("demo_evaluator", "evaluator", TOWN_CODE),
            ("demo_upper", "upper_level", COUNTY_CODE),
        )
        users = []
        for username, role, area in spec:
            sex = self.rng.choice("MF")
            name = self.people.surname() + self.people.given(sex, 40)
            users.append(DemoUser(username, role, area, name))
        return users


def _exit_reason(household: DemoHousehold) -> str:
    if household.labour_capable:
        return "人均可支配收入达到当年全省农村居民人均可支配收入45%以上，两不愁三保障"
    return "无劳动能力，纳入低保/特困供养政策兜底，两不愁三保障"


def generate(seed: int = SEED) -> DemoTown:
    """The demo town for `seed`; the same seed always gives the same town."""
    return _Generator(seed).run()
