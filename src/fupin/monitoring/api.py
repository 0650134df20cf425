"""Interchange API for the civil-affairs (民政) side: push the 低保/特困 roll, ask registry status by ID number.

Authenticated by a per-system key (`Authorization: Interchange <key>`), not by a user's session or token.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from django.contrib.auth.models import AnonymousUser
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.response import Response
from rest_framework.views import APIView

from fupin.registry.api import exception_handler
from fupin.registry.serializers import ErrorSerializer

from . import interchange, services
from .lists import ListRefused


class InterchangeKeyAuthentication(BaseAuthentication):
    keyword = "Interchange"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].decode("latin-1").lower() != self.keyword.lower():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("对接密钥格式不对：Authorization: Interchange <密钥>")
        try:
            key = parts[1].decode("ascii")
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed("对接密钥无效") from exc
        return AnonymousUser(), ("interchange", interchange.find_system(key))

    def authenticate_header(self, request):
        return self.keyword


class InterchangeKeyScheme(OpenApiAuthenticationExtension):
    target_class = "fupin.monitoring.api.InterchangeKeyAuthentication"
    name = "interchangeKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "对接系统密钥：`Interchange <密钥>`（由系统管理员创建，只显示一次）",
        }


class CivilRowSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=50, help_text="姓名")
    id_number = serializers.CharField(
        max_length=30, allow_blank=True, help_text="证件号码（18位；15位旧号码会升位）"
    )
    category = serializers.ChoiceField(choices=["低保", "特困"], help_text="类别")
    start_date = serializers.DateField(help_text="开始日期")


class CivilListSerializer(serializers.Serializer):
    list_date = serializers.DateField(help_text="名单日期")
    rows = CivilRowSerializer(many=True, max_length=interchange.MAX_ROWS)


class SkippedSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    column = serializers.CharField()
    code = serializers.CharField()
    message = serializers.CharField()


class PushResultSerializer(serializers.Serializer):
    list_id = serializers.IntegerField()
    created = serializers.BooleanField(help_text="false：同一份名单已推送过，未作改动")
    rows_loaded = serializers.IntegerField()
    skipped = SkippedSerializer(many=True)


class StatusQuerySerializer(serializers.Serializer):
    id_numbers = serializers.ListField(
        child=serializers.CharField(max_length=30), min_length=1, max_length=interchange.MAX_IDS
    )


class StatusSerializer(serializers.Serializer):
    id_number = serializers.CharField()
    registered = serializers.BooleanField(help_text="是否在建档立卡名册中（在册成员）")
    household_status = serializers.CharField(allow_null=True)
    attribute = serializers.CharField(allow_null=True)
    dibao = serializers.BooleanField(allow_null=True)
    tekun = serializers.BooleanField(allow_null=True)


class StatusResultSerializer(serializers.Serializer):
    results = StatusSerializer(many=True)


ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="数据不合格"),
    401: OpenApiResponse(ErrorSerializer, description="没有密钥、密钥无效或已撤销"),
    403: OpenApiResponse(ErrorSerializer, description="密钥属于其他系统，或查询了对接区域外的人员"),
}


def _error(status_code: int, code: str, message: str) -> Response:
    return Response({"errors": [{"field": None, "code": code, "message": message}]}, status=status_code)


class InterchangeView(APIView):
    authentication_classes = [InterchangeKeyAuthentication]
    permission_classes: list = []
    action_name = ""

    def get_exception_handler(self):
        return exception_handler

    def system(self, request, code: str):
        auth = request.auth
        if not (isinstance(auth, tuple) and auth[0] == "interchange"):
            raise exceptions.NotAuthenticated("需要对接系统密钥：Authorization: Interchange <密钥>")
        return interchange.check_system(auth[1], code, self.action_name)


class CivilListPush(InterchangeView):
    action_name = "push"

    @extend_schema(
        operation_id="interchange_civil_list_push",
        summary="推送当前低保/特困名单",
        description="民政系统推送其当前的低保、特困人员名单；同一份名单再次推送不作改动。推送不会修改建档立卡数据，"
        "系统据此比对并列出问题。",
        request=CivilListSerializer,
        responses={200: PushResultSerializer, 201: PushResultSerializer, **ERRORS},
    )
    def post(self, request, system: str):
        try:
            found = self.system(request, system)
        except interchange.Refused as exc:
            return _error(exc.status, exc.code, exc.message)
        data = CivilListSerializer(data=request.data)
        if not data.is_valid():
            interchange.log(found, "push", "invalid")
            raise exceptions.ValidationError(data.errors)
        rows = data.validated_data["rows"]
        table = [["姓名", "证件号码", "类别", "开始日期"]] + [
            [r["name"], r["id_number"], r["category"], r["start_date"].isoformat()] for r in rows
        ]
        list_date: dt.date = data.validated_data["list_date"]
        digest = hashlib.sha256(json.dumps(table, ensure_ascii=False).encode("utf-8")).hexdigest()
        try:
            result = services.load_rows(
                actor=None,
                kind="civil",
                rows=table,
                checksum=digest,
                file_name=f"interchange:{found.code}",
                list_date=list_date,
                source=found.name,
                area_code=found.area_id,
                system=found,
            )
        except ListRefused as exc:
            interchange.log(found, "push", "invalid", len(rows), exc.message)
            return _error(400, exc.code, exc.message)
        interchange.log(
            found, "push", "ok", result.external_list.rows_loaded, f"list {result.external_list.pk}"
        )
        body = {
            "list_id": result.external_list.pk,
            "created": result.created,
            "rows_loaded": result.external_list.rows_loaded,
            "skipped": result.skipped,
        }
        return Response(body, status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK)


class RegistryStatus(InterchangeView):
    action_name = "status"

    @extend_schema(
        operation_id="interchange_registry_status",
        summary="按证件号码查询建档立卡状态",
        description=f"一次最多 {interchange.MAX_IDS} 个证件号码；只返回交换所需的字段。查询对接区域外登记的人员会被拒绝并记录。",
        request=StatusQuerySerializer,
        responses={200: StatusResultSerializer, **ERRORS},
    )
    def post(self, request, system: str):
        try:
            found = self.system(request, system)
            data = StatusQuerySerializer(data=request.data)
            if not data.is_valid():
                interchange.log(found, "status", "invalid")
                raise exceptions.ValidationError(data.errors)
            results = interchange.status_of(found, data.validated_data["id_numbers"])
        except interchange.Refused as exc:
            return _error(exc.status, exc.code, exc.message)
        return Response({"results": results})
