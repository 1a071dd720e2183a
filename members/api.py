"""Members API for the CRM and POS (DESIGN §5): list with filters, upsert by external id or phone.

Staff tokens only (the project default, IsAdminUser). Views parse, call one service, present;
the rules of matching and attribution live in `members.services`.
"""

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from inventory.services import store_resolve
from members.models import Member
from members.serializers import MemberFilterSerializer, MemberSerializer, MemberUpsertSerializer
from members.services.accounts import member_upsert, phone_normalize
from o2o.api import ERROR_SCHEMA, query_filters
from o2o.api_parsers import BoundedJSONParser
from o2o.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent


@extend_schema_view(
    list=extend_schema(
        summary="List members",
        description=(
            "Members ordered by (joined_at, id), so paging with `joined_since` and "
            "`limit`/`offset` is stable (members have no update time: re-read a member by "
            "`member_code`, `phone` or `external_id` to see her current points and tier). A "
            "malformed phone answers 400 `invalid_phone`; a bad date 400 `invalid`."
        ),
        parameters=[MemberFilterSerializer],
        responses={
            200: MemberSerializer(many=True),
            400: OpenApiResponse(ERROR_SCHEMA, description="invalid filter, invalid_phone"),
        },
    )
)
class MemberViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = MemberSerializer

    def get_serializer_class(self):
        return MemberUpsertSerializer if self.action == "upsert" else MemberSerializer

    def get_queryset(self):
        members = Member.objects.select_related("home_store", "bound_clerk").order_by(
            "joined_at", "id"
        )
        if self.action != "list":
            return members
        data = query_filters(MemberFilterSerializer, self.request)
        if "phone" in data:
            members = members.filter(phone=phone_normalize(data["phone"]))
        if "external_id" in data:
            members = members.filter(external_id=data["external_id"])
        if "member_code" in data:
            members = members.filter(member_code=data["member_code"].upper())
        if "joined_since" in data:
            members = members.filter(joined_at__gte=data["joined_since"])
        return members

    @extend_schema(
        summary="Create or update a member by external id or phone",
        description=(
            "Matches by `external_id` first, else by `phone`; creates her (joined via `pos`) "
            "when neither matches and answers 201, else updates her and answers 200. On a "
            "match a non-blank `nickname` replaces hers and a phone or external id she lacks is "
            "set. `home_store` applies only when she has none: the home store is set once (first "
            "purchase, scan or fulfilled order) and HQ changes it in the admin. Errors: 400 "
            "`invalid` / `invalid_phone` / `unknown_store` / `inactive_store`; 409 "
            "`duplicate_member` when the phone or external id belongs to another member, 409 "
            "`identity_mismatch` when the matched member already has a different phone or "
            "external id (changed only in the admin). A refused request writes nothing."
        ),
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        request=MemberUpsertSerializer,
        responses={
            200: MemberSerializer,
            201: MemberSerializer,
            400: OpenApiResponse(ERROR_SCHEMA, description="invalid input"),
            409: OpenApiResponse(
                ERROR_SCHEMA,
                description="duplicate_member, identity_mismatch, idempotency_key_reused",
            ),
        },
        examples=[
            OpenApiExample(
                "From the CRM",
                value={
                    "external_id": "CRM-000731",
                    "phone": "13800138000",
                    "nickname": "王女士",
                    "home_store": "sh01",
                },
                request_only=True,
            ),
        ],
    )
    @action(detail=False, methods=["post"], parser_classes=[BoundedJSONParser])
    @idempotent
    def upsert(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        home_store = store_resolve(data["home_store"]) if data.get("home_store") else None
        member, created = member_upsert(
            phone=data.get("phone"),
            external_id=data.get("external_id"),
            nickname=data["nickname"],
            home_store=home_store,
        )
        return Response(
            MemberSerializer(member).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )
