"""Matching a department list against the registry's people, in DuckDB over Arrow tables.

1. By ID number: the list's normalised number equals a member's (score 100).
2. For a list row whose number is missing, invalid, or names no one in the registry: candidates are the
   members born the same day whose name starts with the same character (the surname) and, when the row
   has a number, whose number differs from it in at most two characters — one join in DuckDB, so the
   registry is never walked row by row. Each candidate is scored in Python (few pairs):
   - name: rapidfuzz similarity of the names' readings (pypinyin, with the surname's own reading: 单 is
     Shan, 曾 Zeng) and of the characters, the better of the two — 50 points;
   - birth date: equal by construction of the candidates — 25 points;
   - ID number / place: the same number but for at most one character (a copying slip) 25, two
     characters 15; with no number on the list, the list's address naming the member's village 25.
   A candidate scoring at least `THRESHOLD` is a match; when two members score the same best, nobody is
   matched (reason `ambiguous`), so two people of the same name are never merged.

Input tables (pyarrow):
  registry: member_id int64, household_id int64, name str, id_number str, birth_date date32,
            village_name str (may be empty)
  records:  record_id int64, name str, id_number str (valid number or ""), id_raw str (what was given,
            cleaned), birth_date date32 (may be null), place str
Output: record_id, member_id, method ("id" | "fuzzy"), score int, reason str.
"""

from __future__ import annotations

import functools

import duckdb
import pyarrow as pa
from pypinyin import Style, lazy_pinyin
from rapidfuzz import fuzz

THRESHOLD = 85

# Surnames whose reading differs from the character's common one (百家姓; pypinyin reads the common one).
SURNAME_READINGS = {
    "单": "shan",
    "曾": "zeng",
    "解": "xie",
    "仇": "qiu",
    "朴": "piao",
    "查": "zha",
    "区": "ou",
    "覃": "qin",
    "翟": "zhai",
    "秘": "bi",
    "尉": "yu",
    "盖": "ge",
    "乐": "yue",
    "员": "yun",
    "缪": "miao",
    "种": "chong",
    "繁": "po",
    "召": "shao",
    "宿": "su",
    "句": "gou",
    "冼": "xian",
    "洗": "xian",
    "祭": "zhai",
    "阚": "kan",
    "禚": "zhuo",
    "难": "ning",
    "折": "she",
    "那": "na",
    "黑": "he",
}

OUTPUT = pa.schema(
    [
        ("record_id", pa.int64()),
        ("member_id", pa.int64()),
        ("method", pa.string()),
        ("score", pa.int64()),
        ("reason", pa.string()),
    ]
)


@functools.lru_cache(maxsize=200_000)
def reading(name: str) -> str:
    """The name's reading, the surname read as a surname: 单田芳 → shan tian fang."""
    if not name:
        return ""
    first = SURNAME_READINGS.get(name[0])
    rest = lazy_pinyin(name[1:] if first else name, style=Style.NORMAL, errors="default")
    return " ".join(([first] if first else []) + rest)


def name_similarity(a: str, b: str) -> float:
    if a == b:
        return 100.0
    return max(fuzz.ratio(reading(a), reading(b)), fuzz.ratio(a, b))


def differing(a: str, b: str) -> int:
    if len(a) != len(b):
        return 99
    return sum(1 for x, y in zip(a, b, strict=True) if x != y)


EXACT_SQL = """
    SELECT r.record_id, g.member_id, 'id' AS method, 100 AS score, '证件号码一致' AS reason
    FROM records r JOIN registry g ON g.id_number = r.id_number
    WHERE r.id_number <> ''
"""

CANDIDATE_SQL = """
    WITH unmatched AS (
        SELECT r.* FROM records r
        WHERE r.birth_date IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM registry g WHERE r.id_number <> '' AND g.id_number = r.id_number)
    )
    SELECT u.record_id, u.name AS r_name, u.id_raw AS r_id, u.place AS r_place,
           g.member_id, g.name AS g_name, g.id_number AS g_id, g.village_name AS g_village
    FROM unmatched u JOIN registry g
      ON g.birth_date = u.birth_date AND left(g.name, 1) = left(u.name, 1)
     -- A number more than two characters away cannot reach the threshold (score_pair): leave it out
     -- here, so that strangers born the same day with the same surname are not scored one by one.
     AND (length(u.id_raw) <> 18
          OR CASE WHEN length(g.id_number) = 18 THEN hamming(u.id_raw, g.id_number) ELSE 99 END <= 2)
"""


def connect() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("SET threads TO 2")
    return con


def match(registry: pa.Table, records: pa.Table, *, con: duckdb.DuckDBPyConnection | None = None) -> pa.Table:
    con = con or connect()
    con.register("registry", registry)
    con.register("records", records)
    exact = con.sql(EXACT_SQL).to_arrow_table()
    candidates = con.sql(CANDIDATE_SQL).to_arrow_table().to_pylist()
    best: dict[int, list[tuple[int, int, str]]] = {}
    for c in candidates:
        score, reason = score_pair(c)
        if score < THRESHOLD:
            continue
        top = best.get(c["record_id"])
        if top is None or score > top[0][0]:
            best[c["record_id"]] = [(score, c["member_id"], reason)]
        elif score == top[0][0]:
            top.append((score, c["member_id"], reason))
    rows = {"record_id": [], "member_id": [], "method": [], "score": [], "reason": []}
    for record_id, top in best.items():
        if len(top) > 1:
            continue  # ambiguous: two members equally likely, match neither
        score, member_id, reason = top[0]
        rows["record_id"].append(record_id)
        rows["member_id"].append(member_id)
        rows["method"].append("fuzzy")
        rows["score"].append(score)
        rows["reason"].append(reason)
    fuzzy = pa.table(rows, schema=OUTPUT)
    return pa.concat_tables([exact.cast(OUTPUT), fuzzy])


def score_pair(c: dict) -> tuple[int, str]:
    similarity = name_similarity(c["r_name"], c["g_name"])
    parts = [f"姓名相似度{similarity:.0f}", "出生日期一致"]
    score = 0.5 * similarity + 25
    r_id, g_id = c["r_id"] or "", c["g_id"] or ""
    if len(r_id) == 18:
        diff = differing(r_id, g_id)
        if diff <= 1:
            score += 25
            parts.append(f"证件号码有{diff}位不同")
        elif diff == 2:
            score += 15
            parts.append("证件号码有2位不同")
        else:
            parts.append("证件号码不同")
    elif c["g_village"] and c["r_place"] and c["g_village"] in c["r_place"]:
        score += 25
        parts.append("地址含所在村")
    else:
        parts.append("名单无证件号码")
    return round(score), "，".join(parts)
