"""Paging for every API list (DEFAULT_PAGINATION_CLASS): `limit` and `offset` are checked.

DRF's LimitOffsetPagination quietly ignores `offset=true` or `limit=-5` and pages from the
start, so a client with a bug reads the first page again and again without knowing. Here a
value that is not a whole number in range answers 400 `invalid`, and the OpenAPI schema states
the ranges.
"""

from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination, LimitOffsetPagination

from o2o.parsing import whole_number

MAX_LIMIT = 1000


class CheckedLimitOffsetPagination(LimitOffsetPagination):
    max_limit = MAX_LIMIT

    def _read(self, request, name: str, *, minimum: int, maximum: int | None, default):
        raw = request.query_params.get(name)
        if raw is None:
            return default
        value = whole_number(raw, minimum=minimum, maximum=maximum)
        if value is None:
            bounds = f"{minimum}-{maximum}" if maximum is not None else f"{minimum} or more"
            raise serializers.ValidationError({name: [f"A whole number, {bounds}."]})
        return value

    def get_limit(self, request):
        limit = self.limit_query_param
        return self._read(
            request, limit, minimum=1, maximum=self.max_limit, default=self.default_limit
        )

    def get_offset(self, request):
        return self._read(request, self.offset_query_param, minimum=0, maximum=None, default=0)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.limit_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_limit)
            elif parameter["name"] == self.offset_query_param:
                parameter["schema"].update(minimum=0)
        return parameters


class KeysetCursorPagination(CursorPagination):
    """Paging by an opaque cursor over a unique, never-changing order (the row id): each row is
    returned exactly once across the pages, however rows change meanwhile (DESIGN §5, every new
    list). `limit` is checked as above; a cursor that was not made here is a 400 `invalid`,
    not a 404."""

    ordering = "id"
    page_size_query_param = "limit"
    max_page_size = MAX_LIMIT

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        value = whole_number(raw, minimum=1, maximum=self.max_page_size)
        if value is None:
            raise serializers.ValidationError(
                {self.page_size_query_param: [f"A whole number, 1-{self.max_page_size}."]}
            )
        return value

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except NotFound as error:
            raise serializers.ValidationError({self.cursor_query_param: [str(error)]}) from error

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
        return parameters
