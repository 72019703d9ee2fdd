from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle

from gridgov.accounts.forms import LoginForm


class TokenResponseSerializer(serializers.Serializer[dict[str, str]]):
    token = serializers.CharField()


class LockoutAuthTokenSerializer(AuthTokenSerializer):
    """DRF's credentials check, saying "locked" (as the login page does) when the account is locked."""

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        try:
            return dict(super().validate(attrs))
        except serializers.ValidationError:
            if getattr(self.context.get("request"), "gridgov_locked", False):
                raise serializers.ValidationError(LoginForm.error_messages["locked"], code="locked") from None
            raise


class LoginThrottle(AnonRateThrottle):
    rate = "30/min"


class ObtainTokenView(ObtainAuthToken):
    """Exchange a username and password for an API token (the same lockout as the login page)."""

    permission_classes = [AllowAny]
    throttle_classes = [LoginThrottle]
    serializer_class = LockoutAuthTokenSerializer

    @extend_schema(responses=TokenResponseSerializer)
    def post(self, request: Request, *args: object, **kwargs: object) -> Response:
        serializer = self.get_serializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        token, _created = Token.objects.get_or_create(user=serializer.validated_data["user"])
        return Response({"token": token.key})
