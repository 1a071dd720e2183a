"""The JSON parser every API view reads bodies with (DEFAULT_PARSER_CLASSES).

Its own module, not `o2o.api`: DRF reads DEFAULT_PARSER_CLASSES while it defines APIView, so the
parser must be importable without importing `rest_framework.views`.
"""

import io

from django.conf import settings
from rest_framework import exceptions
from rest_framework.parsers import JSONParser

from o2o.request_guard import has_control_characters

# Deeper than any body the API documents (a sale's lines are at depth 3); Python's own parser
# would otherwise recurse until a RecursionError, a 500.
MAX_JSON_DEPTH = 32


def _json_problem(data) -> str | None:
    """Why a parsed body is refused (nested too deep, a control character in a string), or
    None. Walked without recursion, so the check cannot overflow the stack it protects."""
    pending = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, str):
            if has_control_characters(value):
                return "A string contains a control character."
        elif isinstance(value, dict | list):
            if depth > MAX_JSON_DEPTH:
                return f"JSON nested deeper than {MAX_JSON_DEPTH} levels."
            items = value.items() if isinstance(value, dict) else ((None, item) for item in value)
            for key, item in items:
                if key is not None and has_control_characters(key):
                    return "A key contains a control character."
                pending.append((item, depth + 1))
    return None


class BoundedJSONParser(JSONParser):
    """DRF's strict JSON parser (no NaN or Infinity) with limits: at most
    DATA_UPLOAD_MAX_MEMORY_SIZE bytes, nesting at most MAX_JSON_DEPTH deep, no control characters
    in strings (PostgreSQL cannot store NUL). A body past a limit answers 400 `invalid` and
    reaches no view."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read(limit + 1) if limit is not None else stream.read()
        if limit is not None and len(raw) > limit:
            raise exceptions.ParseError(f"The body is larger than {limit} bytes.")
        try:
            data = super().parse(io.BytesIO(raw), media_type, parser_context)
        except RecursionError as error:
            raise exceptions.ParseError(
                f"JSON nested deeper than {MAX_JSON_DEPTH} levels."
            ) from error
        problem = _json_problem(data)
        if problem:
            raise exceptions.ParseError(problem)
        return data
