"""The cross-check rules: the registry and the latest list of each kind in, findings out.

The registry's people are read once into Arrow (`read_registry`), the lists' rows too; matching
(`matching.match`) and the registry's own checks (ID shape, check character, birth date, duplicates,
households without labour capacity) run in DuckDB. Only the matched pairs — few next to the registry —
are turned into findings in Python. Rule codes and parameters come from the policy file (`config`).

A finding is a dict: rule, key (stable across runs), household_id, member_id, area_code, household_no,
name, id_number, detail, score, evidence {"registry": {...}, "list": {...}}.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable

import pyarrow as pa

from . import matching
from .config import MonitoringConfig

REGISTRY_SCHEMA = pa.schema(
    [
        ("member_id", pa.int64()),
        ("household_id", pa.int64()),
        ("name", pa.string()),
        ("id_number", pa.string()),
        ("birth_date", pa.date32()),
        ("relation", pa.string()),
        ("health", pa.string()),
        ("labour", pa.string()),
        ("dibao", pa.bool_()),
        ("tekun", pa.bool_()),
        ("household_no", pa.string()),
        ("village_code", pa.string()),
        ("village_name", pa.string()),
        ("status", pa.string()),
    ]
)
RECORD_SCHEMA = pa.schema(
    [
        ("record_id", pa.int64()),
        ("name", pa.string()),
        ("id_number", pa.string()),
        ("id_raw", pa.string()),
        ("birth_date", pa.date32()),
        ("place", pa.string()),
    ]
)
# Households whose members still count (a removed household is off the register).
LIVE_STATUSES = ("registered", "returned", "exited")

REGISTRY_SQL = """
    SELECT m.id, m.household_id, m.name, m.id_number, m.birth_date, m.relation, m.health, m.labour,
           m.dibao, m.tekun, h.household_no, h.village_id, a.name, h.status
    FROM registry_member m
    JOIN registry_household h ON h.id = m.household_id
    JOIN areas_area a ON a.code = h.village_id
    WHERE m.left_on IS NULL AND h.status IN ('registered', 'returned', 'exited')
"""
HOUSEHOLD_SQL = """
    SELECT h.id, h.household_no, h.village_id FROM registry_household h
    WHERE h.status IN ('registered', 'returned', 'exited')
"""


def _as_date(value) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def read_registry(connection, area: str | None = None) -> tuple[pa.Table, pa.Table]:
    """Members on the register of live households, and the live households (id, no, village)."""
    where = ""
    params: list = []
    if area:
        where = " AND h.village_id LIKE %s"
        params = [area + "%"]
    with connection.cursor() as cursor:
        cursor.execute(REGISTRY_SQL + where, params)
        rows = cursor.fetchall()
        cursor.execute(HOUSEHOLD_SQL + where, params)
        households = cursor.fetchall()
    columns = list(zip(*rows, strict=True)) if rows else [[] for _ in REGISTRY_SCHEMA]
    data = {}
    for i, fld in enumerate(REGISTRY_SCHEMA):
        values = list(columns[i])
        if fld.name == "birth_date":
            values = [_as_date(v) for v in values]
        elif fld.type == pa.bool_():
            values = [bool(v) for v in values]
        data[fld.name] = values
    members = pa.table(data, schema=REGISTRY_SCHEMA)
    hh_columns = list(zip(*households, strict=True)) if households else [[], [], []]
    household_table = pa.table(
        {
            "household_id": list(hh_columns[0]),
            "household_no": list(hh_columns[1]),
            "village_code": list(hh_columns[2]),
        },
        schema=pa.schema(
            [("household_id", pa.int64()), ("household_no", pa.string()), ("village_code", pa.string())]
        ),
    )
    return members, household_table


def records_table(records: Iterable[dict]) -> pa.Table:
    rows = list(records)
    return pa.table(
        {
            "record_id": [r["id"] for r in rows],
            "name": [r["name"] for r in rows],
            "id_number": [r["id_number"] for r in rows],
            "id_raw": [r.get("id_raw") or r["id_number"] for r in rows],
            "birth_date": [r["birth_date"] for r in rows],
            "place": [r["place"] for r in rows],
        },
        schema=RECORD_SCHEMA,
    )


def evidence_hash(rule: str, evidence: dict) -> str:
    """What a decision is about: the registry side and the list's content, not which file carried it."""
    stable = {
        "rule": rule,
        "registry": evidence.get("registry", {}),
        "list": {
            k: v for k, v in evidence.get("list", {}).items() if k not in ("list_id", "row", "list_date")
        },
    }
    text = json.dumps(stable, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _registry_side(m: dict) -> dict:
    return {
        "household_no": m["household_no"],
        "name": m["name"],
        "id_number": m["id_number"],
        "birth_date": m["birth_date"].isoformat() if m["birth_date"] else "",
        "relation": m["relation"],
        "health": m["health"],
        "labour": m["labour"],
        "dibao": m["dibao"],
        "tekun": m["tekun"],
        "village": m["village_name"],
    }


def _list_side(kind: str, lst: dict, r: dict) -> dict:
    return {
        "kind": kind,
        "list_id": lst["id"],
        "list_date": lst["list_date"].isoformat(),
        "row": r["row"],
        "name": r["name"],
        "id_number": r["id_raw"] or r["id_number"],
        "birth_date": r["birth_date"].isoformat() if r["birth_date"] else "",
        "category": r["category"],
        "detail": r["detail"],
        "amount": str(r["amount"]) if r["amount"] is not None else "",
        "event_date": r["event_date"].isoformat() if r["event_date"] else "",
        "place": r["place"],
    }


def _finding(
    rule: str, key: str, m: dict | None, detail: str, score: int, evidence: dict, area: str = ""
) -> dict:
    return {
        "rule": rule,
        "key": f"{rule}:{key}"[:200],
        "household_id": m["household_id"] if m else None,
        "member_id": m["member_id"] if m and "member_id" in m else None,
        "area_code": m["village_code"] if m else area,
        "household_no": m["household_no"] if m else "",
        "name": (m or evidence.get("list", {})).get("name", ""),
        "id_number": (m or evidence.get("list", {})).get("id_number", "") or "",
        "detail": detail[:300],
        "score": score,
        "evidence": evidence,
    }


CHECK_CHAR = "substr('10X98765432', CAST((list_sum(list_transform(range(1, 18), lambda i: coalesce(TRY_CAST(substr(id_number, i, 1) AS INTEGER), 0) * [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2][i])) % 11) + 1 AS BIGINT), 1)"
ID_PROBLEM_SQL = f"""
    SELECT member_id, CASE
        WHEN id_number IS NULL OR id_number = '' THEN 'missing'
        WHEN NOT regexp_full_match(id_number, '[0-9]{{17}}[0-9X]') THEN 'format'
        WHEN {CHECK_CHAR} <> substr(id_number, 18, 1) THEN 'checksum'
        WHEN TRY_STRPTIME(substr(id_number, 7, 8), '%Y%m%d') IS NULL THEN 'birthdate'
        WHEN CAST(TRY_STRPTIME(substr(id_number, 7, 8), '%Y%m%d') AS DATE) <> birth_date THEN 'birth_mismatch'
        ELSE NULL END AS problem
    FROM registry
"""
ID_PROBLEMS = {
    "missing": "证件号码为空",
    "format": "证件号码不是18位",
    "checksum": "证件号码校验码错误",
    "birthdate": "证件号码中的出生日期不存在",
    "birth_mismatch": "证件号码中的出生日期与登记的出生日期不一致",
}


def registry_checks(con, config: MonitoringConfig, households: pa.Table) -> list[dict]:
    """head_id_error, member_id_error, duplicate_id, no_labour_not_dibao (the last without the civil list's
    names, which `evaluate` adds)."""
    out: list[dict] = []
    con.register("households", households)
    members = {m["member_id"]: m for m in con.sql("SELECT * FROM registry").to_arrow_table().to_pylist()}
    for member_id, problem in con.execute(
        f"SELECT * FROM ({ID_PROBLEM_SQL}) WHERE problem IS NOT NULL"
    ).fetchall():
        m = members[member_id]
        rule = "head_id_error" if m["relation"] == "head" else "member_id_error"
        detail = f"{config.label(rule)}：{ID_PROBLEMS[problem]}"
        out.append(
            _finding(
                rule, str(member_id), m, detail, 100, {"registry": _registry_side(m), "problem": problem}
            )
        )
    for household_id, household_no, village in con.execute(
        """SELECT h.household_id, h.household_no, h.village_code FROM households h
           WHERE NOT EXISTS (SELECT 1 FROM registry g WHERE g.household_id = h.household_id AND g.relation = 'head')"""
    ).fetchall():
        m = {
            "household_id": household_id,
            "household_no": household_no,
            "village_code": village,
            "name": "",
            "id_number": "",
        }
        out.append(
            _finding(
                "head_id_error",
                f"nohead:{household_id}",
                m,
                "户主身份信息错漏：户中没有在册的户主",
                100,
                {"registry": {"household_no": household_no}, "problem": "no_head"},
            )
        )
    duplicates = con.execute(
        """SELECT upper(trim(id_number)) AS n, list(member_id ORDER BY member_id) AS ids FROM registry
           WHERE id_number <> '' GROUP BY 1 HAVING count(*) > 1
           UNION ALL
           SELECT name || '|' || CAST(birth_date AS VARCHAR), list(member_id ORDER BY member_id) FROM registry
           GROUP BY name, birth_date HAVING count(DISTINCT household_id) > 1 AND count(*) > 1"""
    ).fetchall()
    for _key, ids in duplicates:
        group = [members[i] for i in ids]
        for m in group:
            others = [o for o in group if o["member_id"] != m["member_id"]]
            detail = (
                "重复身份信息记录：与户 "
                + "、".join(o["household_no"] for o in others)
                + " 的成员身份信息重复"
            )
            out.append(
                _finding(
                    "duplicate_id",
                    str(m["member_id"]),
                    m,
                    detail,
                    100,
                    {"registry": _registry_side(m), "others": [_registry_side(o) for o in others]},
                )
            )
    return out


def evaluate(
    *,
    config: MonitoringConfig,
    members: pa.Table,
    households: pa.Table,
    lists: dict[str, tuple[dict, list[dict]]],
    default_area: str = "",
) -> list[dict]:
    """Every enabled rule. `lists` maps a kind to (list fields, its records as dicts with an `id`)."""
    con = matching.connect()
    con.register("registry", members)
    findings = registry_checks(con, config, households)
    by_member = {m["member_id"]: m for m in members.to_pylist()}
    matched_by_kind: dict[str, dict[int, tuple[dict, dict]]] = {}
    for kind, (lst, records) in lists.items():
        record_by_id = {r["id"]: r for r in records}
        table = matching.match(members, records_table(records), con=con)
        pairs: dict[int, tuple[dict, dict]] = {}
        unmatched = set(record_by_id)
        for row in table.to_pylist():
            r = record_by_id[row["record_id"]]
            unmatched.discard(row["record_id"])
            m = by_member[row["member_id"]]
            pairs[row["member_id"]] = (r, row)
            evidence = {
                "registry": _registry_side(m),
                "list": _list_side(kind, lst, r),
                "match": row["reason"],
            }
            if (
                row["method"] == "fuzzy"
                and (r["id_raw"] or r["id_number"])
                and (r["id_raw"] or r["id_number"]) != m["id_number"]
            ):
                findings.append(
                    _finding(
                        "id_mismatch",
                        f"{m['member_id']}:{r['id_raw'] or r['id_number']}",
                        m,
                        f"身份证不匹配：{lst['label']}中同名同出生日期者的证件号码与系统不同（{row['reason']}）",
                        row["score"],
                        evidence,
                    )
                )
            findings.extend(_list_rule(kind, config, lst, r, m, row, evidence))
        matched_by_kind[kind] = pairs
        if kind == "civil":
            for record_id in sorted(unmatched):
                r = record_by_id[record_id]
                if r["category"] != "dibao":
                    continue
                if r["amount"] is not None and r["amount"] >= config.poverty_line:
                    continue
                income = f"家庭人均收入{r['amount']}元" if r["amount"] is not None else "名单未列收入"
                findings.append(
                    _finding(
                        "dibao_not_registered",
                        f"{r['id_number'] or r['name'] + '|' + str(r['birth_date'])}",
                        None,
                        f"低保对象未建档：{r['name']}在民政低保名单中（{income}，扶贫标准{config.poverty_line}元），系统中未登记",
                        100,
                        {"list": _list_side(kind, lst, r)},
                        area=lst.get("area_code", "") or default_area,
                    )
                )
    findings.extend(_absence_rules(config, members, lists, matched_by_kind))
    enabled = {code for code, rule in config.rules.items() if rule.enabled}
    return [f for f in findings if f["rule"] in enabled]


def _list_rule(
    kind: str, config: MonitoringConfig, lst: dict, r: dict, m: dict, row: dict, evidence: dict
) -> list[dict]:
    key = str(m["member_id"])
    score = row["score"]
    label = lst["label"]
    if kind == "civil":
        if r["category"] == "dibao" and not m["dibao"]:
            return [
                _finding(
                    "dibao_mismatch",
                    key,
                    m,
                    f"低保五保不匹配：在{label}中为低保对象，系统未标记享受低保",
                    score,
                    evidence,
                )
            ]
        if r["category"] == "tekun" and not m["tekun"]:
            return [
                _finding(
                    "dibao_mismatch",
                    key,
                    m,
                    f"低保五保不匹配：在{label}中为特困供养对象，系统未标记特困供养",
                    score,
                    evidence,
                )
            ]
        return []
    if kind == "disability":
        if m["health"] != "disabled":
            return [
                _finding(
                    "disability_mismatch",
                    key,
                    m,
                    f"残疾信息不匹配：持有残疾证（{r['category']}），系统健康状况未登记为残疾",
                    score,
                    evidence,
                )
            ]
        return []
    if kind == "vehicles":
        rule = config.rules["owns_vehicle"]
        if any(word in (r["category"] or "") for word in rule.exempt):
            return []
        if rule.min_value is not None and r["amount"] is not None and r["amount"] < rule.min_value:
            return []
        value = f"，价值{r['amount']}元" if r["amount"] is not None else ""
        return [
            _finding(
                "owns_vehicle",
                key,
                m,
                f"名下有车：{r['detail']}（{r['category'] or '车辆'}{value}）",
                score,
                evidence,
            )
        ]
    if kind == "property":
        return [_finding("owns_property", key, m, f"名下有房：{r['detail']}", score, evidence)]
    if kind == "business":
        if any(word in (r["category"] or "") for word in config.rules["business_registered"].exempt):
            return []
        return [
            _finding(
                "business_registered",
                key,
                m,
                f"有工商注册信息：{r['detail']}（{r['category'] or '在营'}）",
                score,
                evidence,
            )
        ]
    if kind == "payroll":
        return [_finding("public_payroll", key, m, f"享有财政供养：{r['detail']}", score, evidence)]
    if kind == "deaths":
        return [
            _finding(
                "deceased",
                key,
                m,
                f"已死亡未减员：公安死亡名单记载{r['event_date']}死亡，仍在册",
                score,
                evidence,
            )
        ]
    if kind == "moves":
        place = f"迁往{r['detail']}" if r["detail"] else "已迁出"
        return [_finding("moved", key, m, f"户籍已迁出：{r['event_date']}{place}，仍在册", score, evidence)]
    return []


def _absence_rules(config: MonitoringConfig, members: pa.Table, lists: dict, matched: dict) -> list[dict]:
    """What a list should contain and does not: a registry 低保/特困 mark without the 民政 roll, a disability
    without a certificate, a household without labour capacity outside 低保."""
    out: list[dict] = []
    rows = members.to_pylist()
    civil = matched.get("civil")
    if civil is not None:
        lst = lists["civil"][0]
        for m in rows:
            pair = civil.get(m["member_id"])
            category = pair[0]["category"] if pair else None
            side = {
                "registry": _registry_side(m),
                "list": {
                    "kind": "civil",
                    "list_id": lst["id"],
                    "list_date": lst["list_date"].isoformat(),
                    "name": "",
                    "category": category or "",
                },
            }
            if m["dibao"] and category != "dibao":
                out.append(
                    _finding(
                        "dibao_mismatch",
                        f"{m['member_id']}:absent_dibao",
                        m,
                        f"低保五保不匹配：系统标记享受低保，{lst['label']}中没有此人的低保记录",
                        100,
                        side,
                    )
                )
            if m["tekun"] and category != "tekun":
                out.append(
                    _finding(
                        "dibao_mismatch",
                        f"{m['member_id']}:absent_tekun",
                        m,
                        f"低保五保不匹配：系统标记特困供养，{lst['label']}中没有此人的特困记录",
                        100,
                        side,
                    )
                )
    disability = matched.get("disability")
    if disability is not None:
        lst = lists["disability"][0]
        for m in rows:
            if m["health"] == "disabled" and m["member_id"] not in disability:
                side = {
                    "registry": _registry_side(m),
                    "list": {
                        "kind": "disability",
                        "list_id": lst["id"],
                        "list_date": lst["list_date"].isoformat(),
                    },
                }
                out.append(
                    _finding(
                        "disability_mismatch",
                        f"{m['member_id']}:absent",
                        m,
                        f"残疾信息不匹配：系统登记为残疾，{lst['label']}中没有此人的残疾证",
                        100,
                        side,
                    )
                )
    by_household: dict[int, list[dict]] = {}
    for m in rows:
        by_household.setdefault(m["household_id"], []).append(m)
    civil_members = set(civil) if civil is not None else set()
    for household in by_household.values():
        if any(m["labour"] in ("ordinary", "skilled") for m in household):
            continue
        if any(m["dibao"] or m["tekun"] or m["member_id"] in civil_members for m in household):
            continue
        head = next((m for m in household if m["relation"] == "head"), household[0])
        side = {
            "registry": {
                **_registry_side(head),
                "members": [{"name": m["name"], "labour": m["labour"]} for m in household],
            }
        }
        out.append(
            _finding(
                "no_labour_not_dibao",
                str(head["household_id"]),
                {**head, "member_id": None},
                f"无劳动能力户未纳入低保：全户{len(household)}人均无劳动能力，无人享受低保或特困供养",
                100,
                side,
            )
        )
    return out
