"""Loyalty reads for tills and the CRM (DESIGN §5): a member's points ledger, and the follow-up
tasks (机会窗) due at a store, for a till that shows them to the clerk. Read-only, paged by
cursor; staff tokens only."""

from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets

from inventory.services import store_resolve
from members.exceptions import MemberError
from members.models import FollowUpTask, Member, PointsEntry
from o2o.api import ERROR_SCHEMA, query_filters
from o2o.api_pagination import KeysetCursorPagination


class UnknownMember(MemberError):
    """No member has this member code."""

    code = "unknown_member"


class PointsEntrySerializer(serializers.ModelSerializer):
    member = serializers.CharField(source="member.member_code")
    balance = serializers.IntegerField(
        source="member.points_balance", help_text="The member's balance now (all entries)."
    )

    class Meta:
        model = PointsEntry
        fields = ["id", "member", "delta", "reason", "reference", "note", "created_at", "balance"]
        read_only_fields = fields


class PointsFilterSerializer(serializers.Serializer):
    member = serializers.CharField(max_length=16, help_text="Member code (required).")


class FollowUpSerializer(serializers.ModelSerializer):
    member = serializers.CharField(source="member.member_code")
    member_phone = serializers.CharField(source="member.phone", allow_null=True)
    assignee = serializers.CharField(source="assignee.staff_code", allow_null=True, default=None)
    product = serializers.CharField(source="product.code", allow_null=True, default=None)

    class Meta:
        model = FollowUpTask
        fields = [
            "id",
            "member",
            "member_phone",
            "assignee",
            "kind",
            "product",
            "quantity",
            "purchased_on",
            "due_date",
            "script",
        ]
        read_only_fields = fields


class FollowUpFilterSerializer(serializers.Serializer):
    store = serializers.CharField(max_length=32, help_text="Store code (required).")
    due_by = serializers.DateField(
        required=False, help_text="Tasks due on or before this day; default today."
    )


@extend_schema_view(
    list=extend_schema(
        summary="A member's points ledger",
        description="Every entry of the member, oldest first; 400 `unknown_member`.",
        parameters=[PointsFilterSerializer],
        responses={
            200: PointsEntrySerializer(many=True),
            400: OpenApiResponse(ERROR_SCHEMA, description="invalid, unknown_member"),
        },
    )
)
class PointsEntryViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = PointsEntrySerializer
    pagination_class = KeysetCursorPagination

    def get_queryset(self):
        filters = query_filters(PointsFilterSerializer, self.request)
        member = Member.objects.filter(member_code=filters["member"]).first()
        if member is None:
            raise UnknownMember(f"unknown member {filters['member']!r}")
        return PointsEntry.objects.filter(member=member).select_related("member")


@extend_schema_view(
    list=extend_schema(
        summary="Follow-up tasks due at a store",
        description=(
            "Open tasks (no outcome yet) of the store due on or before `due_by`; 400 "
            "`unknown_store`."
        ),
        parameters=[FollowUpFilterSerializer],
        responses={
            200: FollowUpSerializer(many=True),
            400: OpenApiResponse(ERROR_SCHEMA, description="invalid, unknown_store"),
        },
    )
)
class FollowUpViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = FollowUpSerializer
    pagination_class = KeysetCursorPagination

    def get_queryset(self):
        filters = query_filters(FollowUpFilterSerializer, self.request)
        store = store_resolve(filters["store"])
        due_by = filters.get("due_by") or timezone.localdate()
        return FollowUpTask.objects.filter(
            store=store, outcome="", due_date__lte=due_by
        ).select_related("member", "assignee", "product")
