"""Sign-in for the browser app (session + CSRF) and for API clients (token)."""

from __future__ import annotations

from django.contrib.auth import authenticate, login, logout
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import ensure_csrf_cookie
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView


@extend_schema_serializer(component_name="User")
class UserOutput(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    display_name = serializers.SerializerMethodField()
    is_staff = serializers.BooleanField()

    def get_display_name(self, user: object) -> str:
        full_name: str = user.get_full_name()  # type: ignore[attr-defined]
        return full_name or user.get_username()  # type: ignore[attr-defined]


@extend_schema_serializer(component_name="SessionState")
class SessionStateOutput(serializers.Serializer):
    user = UserOutput(allow_null=True)


@extend_schema_serializer(component_name="Login")
class LoginInput(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=1024, trim_whitespace=False)


@extend_schema_serializer(component_name="Token")
class TokenOutput(serializers.Serializer):
    token = serializers.CharField()


def _authenticate(request: Request) -> object:
    data = LoginInput(data=request.data)
    data.is_valid(raise_exception=True)
    user = authenticate(request._request, **data.validated_data)
    if user is None or not user.is_active:
        raise serializers.ValidationError("Invalid username or password.")
    return user


@method_decorator(ensure_csrf_cookie, name="dispatch")
class SessionView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses=SessionStateOutput, operation_id="auth_session")
    def get(self, request: Request) -> Response:
        user = request.user if request.user.is_authenticated else None
        return Response(SessionStateOutput({"user": user}).data)


class LoginView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(request=LoginInput, responses=SessionStateOutput, operation_id="auth_login")
    def post(self, request: Request) -> Response:
        user = _authenticate(request)
        login(request._request, user)  # type: ignore[arg-type]
        return Response(SessionStateOutput({"user": user}).data)


class LogoutView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(request=None, responses={204: None}, operation_id="auth_logout")
    def post(self, request: Request) -> Response:
        logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TokenView(APIView):
    """Exchange a username and password for the API token of that user."""

    permission_classes = [AllowAny]
    authentication_classes: list[type] = []

    @extend_schema(request=LoginInput, responses=TokenOutput, operation_id="auth_token")
    def post(self, request: Request) -> Response:
        user = _authenticate(request)
        token, _ = Token.objects.get_or_create(user=user)
        return Response(TokenOutput({"token": token.key}).data)
