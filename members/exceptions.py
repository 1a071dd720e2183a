"""Members' domain errors with stable codes."""

from o2o.errors import DomainError


class MemberError(DomainError):
    code = "member_error"


class InsufficientPoints(MemberError):
    """Not enough points."""

    code = "insufficient_points"
    http_status = 409


class InvalidPoints(MemberError):
    """Points must be a whole number other than zero."""

    code = "invalid_points"


class ReferralCycle(MemberError):
    """That referrer would make a referral cycle."""

    code = "referral_cycle"
    http_status = 409


class SharedIdentity(MemberError):
    """Accounts that share a phone or a WeChat identity cannot refer each other."""

    code = "referral_shared_identity"
    http_status = 409


class InvalidPhone(MemberError):
    """Not a mainland China mobile number."""

    code = "invalid_phone"


class DuplicateMember(MemberError):
    """Another member already has this phone or external id."""

    code = "duplicate_member"
    http_status = 409
