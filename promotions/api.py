"""Coupon API for the POS (DESIGN §5): `POST /api/v1/coupons/redeem/` uses a coupon on a sale at
a store's till, exactly once. Staff tokens only (the project default, IsAdminUser)."""

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from inventory.serializers import StrictIntegerField
from inventory.services import store_resolve
from o2o.api import ERROR_SCHEMA
from o2o.api_parsers import BoundedJSONParser
from o2o.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent
from orders.pos_serializers import MAX_FEN
from promotions.models import CouponRedemption
from promotions.services.coupon_redemption import coupon_redeem_at_store


class CouponRedeemSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=32, help_text="The coupon's code (scanned or typed).")
    store = serializers.CharField(max_length=32, help_text="Code of the store of the sale.")
    sale_amount = StrictIntegerField(
        min_value=1,
        max_value=MAX_FEN,
        help_text="The sale's goods amount before the coupon, in fen; the minimum spend is "
        "checked against it.",
    )
    reference = serializers.CharField(
        max_length=64,
        help_text="The POS's id of the sale (receipt number): sending the same coupon with the "
        "same reference again answers the first redemption.",
    )


class CouponRedemptionSerializer(serializers.ModelSerializer):
    code = serializers.CharField(source="coupon.code")
    coupon_name = serializers.CharField(source="coupon.template.name")
    member = serializers.CharField(source="coupon.member.member_code")
    store = serializers.CharField(source="store.code")
    bearer = serializers.CharField(source="coupon.template.bearer")
    gift_sku = serializers.SerializerMethodField(
        help_text="A gift item coupon: the SKU code to hand over (rung up at 0); else null."
    )
    gift_name = serializers.SerializerMethodField(help_text="The gift's name, colour and size.")

    def get_gift_sku(self, redemption) -> str | None:
        return redemption.gift_sku.code if redemption.gift_sku_id else None

    def get_gift_name(self, redemption) -> str | None:
        sku = redemption.gift_sku
        return f"{sku.product.name} {sku.color} {sku.size}".strip() if sku else None

    class Meta:
        model = CouponRedemption
        fields = [
            "code",
            "coupon_name",
            "member",
            "store",
            "reference",
            "sale_amount",
            "discount",
            "gift_sku",
            "gift_name",
            "gift_value",
            "bearer",
            "hq_cost",
            "store_cost",
            "created_at",
        ]


class CouponViewSet(viewsets.GenericViewSet):
    serializer_class = CouponRedeemSerializer
    parser_classes = [BoundedJSONParser]

    @extend_schema(
        summary="Use a coupon at a store's till",
        description=(
            "核销: takes the coupon once and answers the discount (fen) and who bears it "
            "(`hq_cost` + `store_cost` = `discount` + `gift_value`). A gift item coupon (赠品券) "
            "takes nothing off (`discount` 0): it answers `gift_sku` (ring it up at 0 and hand it "
            "over) and its value; `coupon_gift_unavailable` when the store has none. "
            "Idempotent on (`code`, `reference`): the same coupon with the same reference "
            "answers 200 with the first redemption; with an "
            "`Idempotency-Key` a repeat answers the first response.\n\n"
            "Errors: 400 `invalid` / `unknown_store` / `coupon_expired` / "
            "`coupon_not_yet_valid` / `coupon_withdrawn` / `coupon_wrong_store` / "
            "`coupon_wrong_channel` (online only) / `coupon_below_min_spend` / "
            "`coupon_gift_unavailable`; 404 "
            "`coupon_not_found`; 409 `coupon_used` (used online or at another till). A refused "
            "redemption changes nothing."
        ),
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        request=CouponRedeemSerializer,
        responses={
            201: CouponRedemptionSerializer,
            200: OpenApiResponse(CouponRedemptionSerializer, description="A repeated redemption."),
            400: OpenApiResponse(ERROR_SCHEMA, description="invalid input or coupon"),
            404: OpenApiResponse(ERROR_SCHEMA, description="coupon_not_found"),
            409: OpenApiResponse(ERROR_SCHEMA, description="coupon_used, idempotency_key_reused"),
        },
        examples=[
            OpenApiExample(
                "A coupon at the till",
                value={
                    "code": "7KQ2M9XH4TWP",
                    "store": "sh01",
                    "sale_amount": 59800,
                    "reference": "POS-SH001-20240117-0042",
                },
                request_only=True,
            )
        ],
    )
    @action(detail=False, methods=["post"])
    @idempotent
    def redeem(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        redemption, created = coupon_redeem_at_store(
            code=data["code"],
            store=store_resolve(data["store"]),
            sale_amount=data["sale_amount"],
            channel=CouponRedemption.Channel.POS,
            reference=data["reference"],
        )
        return Response(
            CouponRedemptionSerializer(redemption).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )
