"""API conventions shared by every app: the error shape `{"code": ..., "detail": ...}`.

A domain error with `shortages` (inventory's InsufficientStock) adds them to the body as
`"shortages": [{"store", "sku", "requested", "available", "on_hand"}, ...]`.
"""

from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from o2o.errors import DomainError

_STATUS_CODES = {
    status.HTTP_400_BAD_REQUEST: "invalid",
    status.HTTP_401_UNAUTHORIZED: "not_authenticated",
    status.HTTP_403_FORBIDDEN: "permission_denied",
    status.HTTP_404_NOT_FOUND: "not_found",
    status.HTTP_405_METHOD_NOT_ALLOWED: "method_not_allowed",
    status.HTTP_409_CONFLICT: "conflict",
}


# The error body every endpoint answers with, for the OpenAPI schema.
ERROR_SCHEMA = {
    "type": "object",
    "properties": {"code": {"type": "string"}, "detail": {}},
    "required": ["code", "detail"],
}
# Stock writes add the short lines to a 409 insufficient_stock.
STOCK_ERROR_SCHEMA = {
    **ERROR_SCHEMA,
    "properties": {
        **ERROR_SCHEMA["properties"],
        "shortages": {
            "type": "array",
            "items": {"type": "object"},
            "description": "Only with insufficient_stock.",
        },
    },
}


def query_filters(serializer_class, request) -> dict:
    """The list filters in the query string, validated by `serializer_class` (400 if invalid).

    Read as a plain dict: DRF treats an empty `?store=` from a query string as "not sent",
    which would quietly widen a filter to everything; here it is a blank value, refused."""
    filters = serializer_class(data=request.query_params.dict())
    filters.is_valid(raise_exception=True)
    return filters.validated_data


def exception_handler(exc, context):
    """Turn DRF and domain errors into `{"code": ..., "detail": ...}` with the right status."""
    if isinstance(exc, DomainError):
        data = {"code": exc.code, "detail": str(exc)}
        # Not enough stock names every short line, so a client can fix all of them at once.
        shortages = getattr(exc, "shortages", None)
        if shortages is not None:
            data["shortages"] = shortages
        return Response(data, status=exc.http_status)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(exc, exceptions.ValidationError):
        code = "invalid"
        detail = data
    elif isinstance(exc, exceptions.ParseError):
        # A body that is not acceptable JSON is invalid input like any other.
        code = "invalid"
        detail = data.get("detail", data) if isinstance(data, dict) else data
    else:
        code = getattr(exc, "default_code", None) or _STATUS_CODES.get(
            response.status_code, "error"
        )
        detail = data.get("detail", data) if isinstance(data, dict) else data
    response.data = {"code": code, "detail": detail}
    return response
