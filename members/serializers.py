"""Shapes of the members API (DESIGN §5): stores by code, clerks by staff code."""

from rest_framework import serializers

from members.models import Member


class MemberSerializer(serializers.ModelSerializer):
    home_store = serializers.CharField(
        source="home_store.code",
        allow_null=True,
        default=None,
        help_text="Store code; set once by the first purchase, scan or fulfilled order.",
    )
    bound_clerk = serializers.CharField(
        source="bound_clerk.staff_code",
        allow_null=True,
        default=None,
        help_text="Staff code of the clerk she is bound to.",
    )

    class Meta:
        model = Member
        fields = [
            "member_code",
            "phone",
            "external_id",
            "nickname",
            "tier",
            "points_balance",
            "home_store",
            "bound_clerk",
            "joined_via",
            "joined_at",
        ]
        read_only_fields = fields


class MemberFilterSerializer(serializers.Serializer):
    """Query parameters of the member list."""

    phone = serializers.CharField(
        required=False,
        help_text="Only the member with this mobile number (+86 and separators are accepted).",
    )
    external_id = serializers.CharField(required=False, help_text="Only the member with this id.")
    member_code = serializers.CharField(required=False, help_text="Only the member with this code.")
    joined_since = serializers.DateTimeField(
        required=False,
        help_text=(
            "ISO 8601; only members who joined at or after this time (URL-encode a `+` offset, or "
            "use `Z`). Without an offset the time is Asia/Shanghai."
        ),
    )


class MemberUpsertSerializer(serializers.Serializer):
    """A member as the CRM or POS knows her: by external id, by phone, or both."""

    phone = serializers.CharField(
        max_length=32,
        required=False,
        help_text="Mainland China mobile number; `+86` and separators are accepted.",
    )
    external_id = serializers.CharField(
        max_length=64, required=False, help_text="Your id for her (CRM/ERP); matched first."
    )
    nickname = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        default="",
        help_text="Replaces hers when not blank.",
    )
    home_store = serializers.CharField(
        max_length=32,
        required=False,
        help_text="Store code; applied only when she has no home store yet.",
    )

    def validate(self, attrs):
        if not attrs.get("phone") and not attrs.get("external_id"):
            raise serializers.ValidationError("Send a `phone`, an `external_id`, or both.")
        return attrs
