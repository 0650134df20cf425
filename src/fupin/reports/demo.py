"""The reports part of the demo town: village indicators 2016–2018 (R13).

Built so the progress page has something to say: health stations grow 8 → 14 → 19 of the 21 the
notice aims at; 37.5 of the 40 km of roads hardened by 2018; four of the six canal villages irrigated
(赤塘村 and 马水村 not yet); two of the five road-widening villages done.
"""

from __future__ import annotations

from decimal import Decimal

from fupin.areas.models import Area
from fupin.batch import demo_town

from .models import VillageIndicators

YEARS = (2016, 2017, 2018)
STATIONS = {2016: 8, 2017: 14, 2018: 19}
ROAD_KM = {2016: Decimal("10.50"), 2017: Decimal("14.20"), 2018: Decimal("12.80")}
IRRIGATED = {"昌黎村": 2016, "四方村": 2017, "水源村": 2017, "东红村": 2018}
WIDENED = {"清江村": 2017, "上庄村": 2018}


def load(*, town, users, households, actor) -> None:
    villages = list(
        Area.objects.filter(level="village", code__startswith=demo_town.TOWN_CODE).order_by("code")
    )
    if not villages or VillageIndicators.objects.filter(village__in=villages).exists():
        return
    hardening = [v for v in villages if v.code != villages[0].code][:11]
    for year in YEARS:
        km_each = (ROAD_KM[year] / len(hardening)).quantize(Decimal("0.01"))
        km_last = ROAD_KM[year] - km_each * (len(hardening) - 1)
        for index, village in enumerate(villages):
            km = Decimal(0)
            if village in hardening:
                km = km_last if village == hardening[-1] else km_each
            VillageIndicators.objects.create(
                village=village,
                year=year,
                road_km_hardened=km,
                roads_reach_all=year >= 2017 and index % 3 != 0,
                road_widened=village.name in WIDENED and WIDENED[village.name] <= year,
                safe_water=year >= 2017 or index % 2 == 0,
                electricity=True,
                radio_tv=year >= 2017 or index % 4 != 1,
                broadband=year >= 2018 or index % 3 == 0,
                health_station=index < STATIONS[year],
                irrigation=village.name in IRRIGATED and IRRIGATED[village.name] <= year,
                collective_income=Decimal(20000 + 15000 * (year - 2016) + 1000 * index),
            )


def reset(*, town_code) -> None:
    VillageIndicators.objects.filter(village__code__startswith=demo_town.TOWN_CODE).delete()
