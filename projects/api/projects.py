from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import generics, serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import SAFE_METHODS, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.fields import InputModelSerializer, StrictBooleanField, StrictCharField
from projects.api.query import query_validate
from projects.models import Membership, Project, Role
from projects.permissions import (
    IsProjectAdmin,
    IsProjectAnnotator,
    IsProjectResearcher,
    ProjectScoped,
    is_staff,
    password_reset_refusal,
)
from projects.selectors import memberships_of_project, project_list, projects_for_user
from projects.services.projects import (
    membership_remove,
    membership_set,
    project_create,
    project_update,
)
from projects.services.users import member_create, user_password_reset


@extend_schema_serializer(component_name="Project")
class ProjectOutput(serializers.ModelSerializer):
    role = serializers.ChoiceField(choices=Role.choices)

    class Meta:
        model = Project
        fields = [
            "id", "slug", "name", "description", "guidelines", "raters_per_item",
            "allow_ties", "gold_rate", "lease_minutes", "rankings_locked", "archived_at", "role",
            "created_at", "default_raw_text",
        ]  # fmt: skip


@extend_schema_serializer(component_name="ProjectCreate")
class ProjectCreateInput(InputModelSerializer):
    class Meta:
        model = Project
        fields = [
            "name", "slug", "description", "guidelines", "raters_per_item",
            "allow_ties", "gold_rate", "lease_minutes",
        ]  # fmt: skip
        extra_kwargs = {
            "slug": {
                "required": False,
                "allow_blank": True,
                "help_text": "Left out or blank: made from the name (name, name-2, …).",
            }
        }


class ProjectListQuery(serializers.Serializer):
    archived = StrictBooleanField(
        default=False, help_text="true: the archived projects you administer instead."
    )


class ProjectListView(generics.ListAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = ProjectOutput

    def get_queryset(self) -> QuerySet[Project]:
        query = query_validate(ProjectListQuery, self.request)
        return project_list(user=self.request.user, archived=query["archived"])

    @extend_schema(parameters=[ProjectListQuery])
    def get(self, request: Request, *args: object, **kwargs: object) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(request=ProjectCreateInput, responses={201: ProjectOutput})
    def post(self, request: Request) -> Response:
        user = request.user
        if not isinstance(user, User) or not is_staff(user):
            raise PermissionDenied("Only staff users can create projects.")
        data = ProjectCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        project = project_create(created_by=user, **data.validated_data)
        project.role = Role.ADMIN  # type: ignore[attr-defined]
        return Response(ProjectOutput(project).data, status=status.HTTP_201_CREATED)


@extend_schema_serializer(component_name="ProjectUpdate")
class ProjectUpdateInput(InputModelSerializer):
    class Meta:
        model = Project
        fields = [
            "name", "description", "guidelines", "raters_per_item", "allow_ties",
            "gold_rate", "lease_minutes", "rankings_locked", "archived", "default_raw_text",
        ]  # fmt: skip
        extra_kwargs = {name: {"required": False} for name in fields}

    archived = StrictBooleanField(
        required=False,
        help_text="true archives the project (hidden from annotators, no new rankings); "
        "false brings it back.",
    )


class ProjectDetailView(APIView):
    def get_permissions(self):  # type: ignore[no-untyped-def]
        # HEAD (and OPTIONS) read like GET.
        return [IsProjectAnnotator() if self.request.method in SAFE_METHODS else IsProjectAdmin()]

    def _project(self, project_id: int) -> Project:
        return get_object_or_404(projects_for_user(user=self.request.user), pk=project_id)

    @extend_schema(responses=ProjectOutput)
    def get(self, request: Request, project_id: int) -> Response:
        return Response(ProjectOutput(self._project(project_id)).data)

    @extend_schema(request=ProjectUpdateInput, responses=ProjectOutput)
    def patch(self, request: Request, project_id: int) -> Response:
        data = ProjectUpdateInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        project_update(project=self._project(project_id), **data.validated_data)
        return Response(ProjectOutput(self._project(project_id)).data)


@extend_schema_serializer(component_name="Member")
class MemberOutput(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username")
    display_name = serializers.SerializerMethodField()

    email = serializers.CharField(source="user.email")

    class Meta:
        model = Membership
        fields = ["id", "user_id", "username", "display_name", "email", "role", "created_at"]

    def get_display_name(self, membership: Membership) -> str:
        return membership.user.get_full_name() or membership.user.get_username()


@extend_schema_serializer(component_name="MemberAdd")
class MemberInput(serializers.Serializer):
    username = StrictCharField(max_length=150)
    role = serializers.ChoiceField(choices=Role.choices)

    def validate_username(self, value: str) -> object:
        user = get_user_model().objects.filter(username=value, is_active=True).first()
        if user is None:
            raise serializers.ValidationError(f"No active user named {value!r}.")
        return user


@extend_schema_serializer(component_name="MemberRole")
class MemberRoleInput(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)


class MemberListView(APIView):
    def get_permissions(self):  # type: ignore[no-untyped-def]
        least = IsProjectResearcher if self.request.method in SAFE_METHODS else IsProjectAdmin
        return [least()]

    @extend_schema(responses=MemberOutput(many=True))
    def get(self, request: Request, project_id: int) -> Response:
        members = memberships_of_project(project_id=project_id)
        return Response(MemberOutput(members, many=True).data)

    @extend_schema(request=MemberInput, responses={201: MemberOutput})
    def post(self, request: Request, project_id: int) -> Response:
        data = MemberInput(data=request.data)
        data.is_valid(raise_exception=True)
        project = get_object_or_404(Project, pk=project_id)
        membership = membership_set(
            project=project,
            user=data.validated_data["username"],
            role=Role(data.validated_data["role"]),
        )
        return Response(MemberOutput(membership).data, status=status.HTTP_201_CREATED)


class MemberDetailView(APIView):
    permission_classes = [IsProjectAdmin]

    def _membership(self, project_id: int, member_id: int) -> Membership:
        return get_object_or_404(memberships_of_project(project_id=project_id), pk=member_id)

    @extend_schema(request=MemberRoleInput, responses=MemberOutput)
    def patch(self, request: Request, project_id: int, member_id: int) -> Response:
        # Like every PATCH (and as the schema says): what is left out stays as it is.
        data = MemberRoleInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        membership = self._membership(project_id, member_id)
        if "role" in data.validated_data:
            role = Role(data.validated_data["role"])
            membership = membership_set(project=membership.project, user=membership.user, role=role)
        return Response(MemberOutput(membership).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, project_id: int, member_id: int) -> Response:
        membership_remove(membership=self._membership(project_id, member_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_serializer(component_name="MemberCreate")
class MemberCreateInput(serializers.Serializer):
    username = StrictCharField(max_length=150)
    email = StrictCharField(max_length=254, required=False, allow_blank=True, default="")
    role = serializers.ChoiceField(choices=Role.choices)
    password = StrictCharField(
        max_length=128,
        required=False,
        allow_blank=True,
        default="",
        trim_whitespace=False,
        write_only=True,
        help_text="Left out or blank: one is generated and returned once.",
    )


@extend_schema_serializer(component_name="MemberCreated")
class MemberCreatedOutput(serializers.Serializer):
    member = MemberOutput()
    generated_password = serializers.CharField(
        allow_null=True, help_text="Shown this once; null when the password was given."
    )


class MemberCreateView(ProjectScoped, APIView):
    permission_classes = [IsProjectAdmin]

    @extend_schema(request=MemberCreateInput, responses={201: MemberCreatedOutput})
    def post(self, request: Request, project_id: int) -> Response:
        data = MemberCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        membership, generated = member_create(
            project=self.project,
            username=fields["username"],
            email=fields["email"],
            role=Role(fields["role"]),
            password=fields["password"],
        )
        body = {"member": membership, "generated_password": generated}
        return Response(MemberCreatedOutput(body).data, status=status.HTTP_201_CREATED)


@extend_schema_serializer(component_name="PasswordReset")
class PasswordResetInput(serializers.Serializer):
    password = StrictCharField(
        max_length=128,
        required=False,
        allow_blank=True,
        default="",
        trim_whitespace=False,
        write_only=True,
        help_text="Left out or blank: one is generated and returned once.",
    )


@extend_schema_serializer(component_name="PasswordResetDone")
class PasswordResetOutput(serializers.Serializer):
    generated_password = serializers.CharField(
        allow_null=True, help_text="Shown this once; null when the password was given."
    )


class MemberPasswordView(APIView):
    permission_classes = [IsProjectAdmin]

    @extend_schema(request=PasswordResetInput, responses=PasswordResetOutput)
    def post(self, request: Request, project_id: int, member_id: int) -> Response:
        data = PasswordResetInput(data=request.data)
        data.is_valid(raise_exception=True)
        members = memberships_of_project(project_id=project_id)
        target = get_object_or_404(members, pk=member_id).user
        refusal = password_reset_refusal(actor=request.user, target=target)  # type: ignore[arg-type]
        if refusal is not None:
            raise PermissionDenied(refusal)
        generated = user_password_reset(user=target, password=data.validated_data["password"])
        return Response(PasswordResetOutput({"generated_password": generated}).data)
