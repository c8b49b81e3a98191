"""Sign-in for the browser app (session + CSRF) and for API clients (token)."""

from __future__ import annotations

from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.models import User
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import ensure_csrf_cookie
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from annotation.services.sessions import user_sign_out
from config.fields import StrictCharField
from config.throttling import sign_in_attempt
from projects.services.auth import token_issue, token_revoke, token_rotate


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
    username = StrictCharField(max_length=150)
    password = StrictCharField(max_length=1024, trim_whitespace=False)


@extend_schema_serializer(component_name="Token")
class TokenOutput(serializers.Serializer):
    token = serializers.CharField()


# A sign-in refused for too many failures: documented so that clients expect it.
LOCKED = OpenApiResponse(
    response={"$ref": "#/components/schemas/ErrorBody"},
    description="Too many failed sign-ins for this account or address; see Retry-After.",
)


def _authenticate(request: Request) -> User:
    data = LoginInput(data=request.data)
    data.is_valid(raise_exception=True)
    attempt = sign_in_attempt(request._request, username=data.validated_data["username"])
    user = authenticate(request._request, **data.validated_data)
    if user is None or not user.is_active:
        raise serializers.ValidationError("Invalid username or password.")
    attempt.succeeded()
    return user


def _caller(request: Request) -> User:
    """The signed-in user (by session or token); anonymous callers get DRF's answer."""
    if not isinstance(request.user, User):
        raise exceptions.NotAuthenticated()
    return request.user


@method_decorator(ensure_csrf_cookie, name="dispatch")
class SessionView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses=SessionStateOutput, operation_id="auth_session")
    def get(self, request: Request) -> Response:
        user = request.user if request.user.is_authenticated else None
        return Response(SessionStateOutput({"user": user}).data)


class LoginView(APIView):
    """Sign the browser in with a session. The form needs the CSRF token from
    `GET /auth/session/` like every other write: otherwise another site could sign a
    visitor in to an account of its choosing (login CSRF)."""

    permission_classes = [AllowAny]

    @extend_schema(
        request=LoginInput,
        responses={200: SessionStateOutput, 429: LOCKED},
        operation_id="auth_login",
    )
    def post(self, request: Request) -> Response:
        SessionAuthentication().enforce_csrf(request)
        user = _authenticate(request)
        login(request._request, user)
        return Response(SessionStateOutput({"user": user}).data)


class LogoutView(APIView):
    """End the session, or with token authentication revoke the token; either way the
    user's leases are released so that their items go back to the queue at once."""

    permission_classes = [AllowAny]

    @extend_schema(request=None, responses={204: None}, operation_id="auth_logout")
    def post(self, request: Request) -> Response:
        if isinstance(request.user, User):
            user_sign_out(user=request.user, revoke_token=isinstance(request.auth, Token))
        logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class _PasswordOrSignedIn(BasePermission):
    """POST brings a password; any other method needs a signed-in caller."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        return request.method == "POST" or bool(request.user and request.user.is_authenticated)


class TokenView(APIView):
    """The API token of a script: exchanged for a password, revoked by its owner."""

    permission_classes = [_PasswordOrSignedIn]

    def perform_authentication(self, request: Request) -> None:
        # The exchange looks at the password and nothing else: no session, no token, and
        # so no CSRF check either (it sets no cookie).
        if request.method != "POST":
            super().perform_authentication(request)

    @extend_schema(
        request=LoginInput,
        responses={200: TokenOutput, 429: LOCKED},
        operation_id="auth_token",
        auth=[],
        description="Exchange a username and password for the user's API token.",
    )
    def post(self, request: Request) -> Response:
        token = token_issue(user=_authenticate(request))
        return Response(TokenOutput({"token": token.key}).data)

    @extend_schema(
        request=None,
        responses={204: None},
        operation_id="auth_token_revoke",
        description="Revoke the caller's API token: it stops working at once.",
    )
    def delete(self, request: Request) -> Response:
        token_revoke(user=_caller(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class TokenRotateView(APIView):
    """Replace the caller's API token with a new one; the old one stops working at once."""

    @extend_schema(request=None, responses=TokenOutput, operation_id="auth_token_rotate")
    def post(self, request: Request) -> Response:
        token = token_rotate(user=_caller(request))
        return Response(TokenOutput({"token": token.key}).data)
