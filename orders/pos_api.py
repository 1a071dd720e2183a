"""POS sales API (DESIGN §5): `POST /api/v1/pos/sales/`, an offline sale from the chain's POS.

Staff tokens only (the project default, IsAdminUser). The view resolves codes to rows and calls
`pos_sale_record`, which owns the rules: stock, points, home store, follow-ups, credit.
"""

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.response import Response

from catalog.models import SKU
from inventory.exceptions import UnknownSKU
from inventory.services import store_resolve
from members.models import FollowUpTask, Member, PointsEntry
from o2o.api import STOCK_ERROR_SCHEMA
from o2o.api_parsers import BoundedJSONParser
from o2o.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent
from orders.exceptions import UnknownClerk, UnknownMember
from orders.models import Order
from orders.pos_serializers import PosSaleResultSerializer, PosSaleSerializer
from orders.services.pos import SaleLine, pos_sale_import
from stores.models import Staff


def _clerk_resolve(code: str | None, *, store) -> Staff | None:
    if not code:
        return None
    clerk = Staff.objects.filter(staff_code=code, store=store, is_active=True).first()
    if clerk is None:
        raise UnknownClerk(f"no active clerk {code!r} at store {store.code}")
    return clerk


def _skus_resolve(codes) -> dict[str, SKU]:
    """{code: SKU} in one query; the product comes along for the order lines and follow-ups."""
    skus = {sku.code: sku for sku in SKU.objects.select_related("product").filter(code__in=codes)}
    missing = sorted(set(codes) - set(skus))
    if missing:
        raise UnknownSKU(f"unknown SKU {', '.join(map(repr, missing))}")
    return skus


def _member_by_code(code: str) -> Member:
    member = Member.objects.filter(member_code=code.upper()).select_related("bound_clerk").first()
    if member is None or not member.is_active:
        raise UnknownMember(f"no active member with code {code!r}")
    return member


def _sale_present(order: Order) -> dict:
    """The order and what it did for the member, read from the ledgers: a replay shows the same."""
    order = (
        Order.objects.select_related(
            "fulfilling_store", "credited_store", "credited_clerk", "assisted_by", "member"
        )
        .prefetch_related("lines__sku")
        .get(pk=order.pk)
    )
    order.points_earned = (
        PointsEntry.objects.filter(
            member_id=order.member_id,
            reason=PointsEntry.Reason.PURCHASE,
            reference=order.reservation_owner,
        )
        .values_list("delta", flat=True)
        .first()
        or 0
    )
    order.follow_up_tasks = FollowUpTask.objects.filter(source=order.reservation_owner).count()
    return PosSaleResultSerializer(order).data


class PosSaleViewSet(viewsets.GenericViewSet):
    serializer_class = PosSaleSerializer
    # Units and fen must be JSON integers; a form body would turn them into strings.
    parser_classes = [BoundedJSONParser]

    @extend_schema(
        summary="Record an offline sale from the POS",
        description=(
            "Decrements the store's stock, and when a member is named earns her points (by "
            "default 1 per yuan paid), sets her home store if she has none, creates follow-up "
            "tasks, and credits her bound clerk (else the selling clerk). `member` is a member "
            "code; `member_phone` a mobile number, and a number that is not yet a member becomes "
            "one (joined via pos) in the same transaction as the sale. Lines with the same SKU "
            "and unit price are merged.\n\n"
            "Idempotent on `external_id`, with or without an Idempotency-Key: the same sale sent "
            "again answers 200 with the first answer's body and changes nothing (same sale = "
            "same store, member, lines and amount paid; `clerk` and `sold_at` are not compared). "
            "The same `external_id` with other content answers 409 `external_id_reused`.\n\n"
            "Errors: 400 `invalid` (shape, empty lines, both `member` and `member_phone`) / "
            "`unknown_store` / `inactive_store` / `unknown_sku` / `unknown_clerk` (also a clerk "
            "of another store or one who left) / `unknown_member` / `invalid_phone` / "
            "`amount_mismatch` (paid more than the goods); 409 `insufficient_stock` with "
            "`shortages` when available stock is short. A refused sale writes nothing: no order, "
            "stock movement, points or member."
        ),
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        request=PosSaleSerializer,
        responses={
            201: PosSaleResultSerializer,
            200: OpenApiResponse(PosSaleResultSerializer, description="A replayed sale."),
            400: OpenApiResponse(STOCK_ERROR_SCHEMA, description="invalid input"),
            409: OpenApiResponse(
                STOCK_ERROR_SCHEMA,
                description="insufficient_stock, external_id_reused, idempotency_key_reused",
            ),
        },
        examples=[
            OpenApiExample(
                "A sale to a member",
                value={
                    "store": "sh01",
                    "clerk": "SH01-C1",
                    "member_phone": "13800000001",
                    "lines": [{"sku": "wom-01-1", "quantity": 2, "unit_price": 29800}],
                    "amount_paid": 55600,
                    "external_id": "POS-SH001-20240117-0042",
                    "sold_at": "2024-01-17T15:42:00+08:00",
                },
                request_only=True,
            ),
        ],
    )
    @idempotent
    def create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        store = store_resolve(data["store"])
        clerk = _clerk_resolve(data.get("clerk"), store=store)
        skus = _skus_resolve({line["sku"] for line in data["lines"]})
        lines = [
            SaleLine(
                sku=skus[line["sku"]], quantity=line["quantity"], unit_price=line["unit_price"]
            )
            for line in data["lines"]
        ]
        order, created = pos_sale_import(
            store=store,
            lines=lines,
            amount_paid=data["amount_paid"],
            external_id=data["external_id"],
            clerk=clerk,
            member=_member_by_code(data["member"]) if "member" in data else None,
            member_phone=data.get("member_phone"),
            sold_at=data.get("sold_at"),
        )
        return Response(
            _sale_present(order), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )
