"""What the API shows of a village: the area, its latest year's facts, its registry counts by status."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from fupin.core.codes import HOUSEHOLD_STATUS


class StatusCountsSerializer(serializers.Serializer):
    """One count per household status (在册, 已脱贫, 返贫, 已销号)."""

    registered = serializers.IntegerField(help_text=_("在册"))
    exited = serializers.IntegerField(help_text=_("已脱贫"))
    returned = serializers.IntegerField(help_text=_("返贫"))
    removed = serializers.IntegerField(help_text=_("已销号"))

    def to_representation(self, counts: dict[str, int]) -> dict[str, int]:
        return {code: counts.get(code, 0) for code in HOUSEHOLD_STATUS.codes}


class VillageYearSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    registered_population = serializers.IntegerField(help_text=_("户籍人口"))
    per_capita_income = serializers.DecimalField(
        max_digits=12, decimal_places=2, allow_null=True, help_text=_("村人均可支配收入（元）")
    )


class VillageSerializer(serializers.Serializer):
    code = serializers.CharField(source="village.code", help_text=_("12位行政区划代码"))
    name = serializers.CharField(source="village.name")
    town = serializers.CharField(source="village.parent_id", help_text=_("所属乡镇的区划代码"))
    latest_year = VillageYearSerializer(source="latest", allow_null=True, help_text=_("最近一年的村情况"))
    households = StatusCountsSerializer(help_text=_("各状态的户数"))
    persons = StatusCountsSerializer(help_text=_("各状态户中的在册人数"))
    total_households = serializers.IntegerField()
    total_persons = serializers.IntegerField()
