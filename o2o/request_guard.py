"""Refuse control characters in a request's path, query and form before any view sees them.

No input gives a 5xx (DESIGN §6 Trust). PostgreSQL cannot store or compare a string holding NUL,
so `/orders/%00/` or `?r=%00` used to end as a 500 wherever a view handed the text to the
database. One check here covers every view, present and future: a path with any control
character, or a query or form key or value with a control character other than tab, line feed
and carriage return (a textarea sends those), answers 400 with the audience's error page.
Request bodies that are not forms (JSON, XML) are the parsers' business: the API's JSON parser
applies the same rule (`o2o.api_parsers.BoundedJSONParser`).
"""

from __future__ import annotations

import re

from django.core.exceptions import BadRequest

from o2o.error_pages import API_PREFIX, bad_request

# C0 controls and DEL; tab, LF and CR are text in a form value but never in a path.
_PATH_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_TEXT_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

FORM_CONTENT_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}


def has_control_characters(text: str) -> bool:
    """True when `text` holds a control character that no honest form field or JSON string
    carries (tab, line feed and carriage return are allowed)."""
    return bool(_TEXT_CONTROL.search(text))


def has_path_control_characters(path: str) -> bool:
    """True when a path (or a redirect target) holds any control character, tab and line
    breaks included."""
    return bool(_PATH_CONTROL.search(path))


def _fields_clean(fields) -> bool:
    for key, values in fields.lists():
        if has_control_characters(key):
            return False
        if any(isinstance(value, str) and has_control_characters(value) for value in values):
            return False
    return True


class ControlCharacterMiddleware:
    """Answer 400 to a path, query or form field holding control characters (see module doc)."""

    def __init__(self, get_response):
        self.get_response = get_response

    @staticmethod
    def _reads_form(request) -> bool:
        # The API reads JSON only, with the same rule (BoundedJSONParser); reading a form body
        # here would consume it before the API could answer 415 to it.
        return request.content_type in FORM_CONTENT_TYPES and not request.path_info.startswith(
            API_PREFIX
        )

    def __call__(self, request):
        problem = None
        if has_path_control_characters(request.path_info):
            problem = "The address contains a control character."
        elif not _fields_clean(request.GET):
            problem = "A query parameter contains a control character."
        elif self._reads_form(request) and not _fields_clean(request.POST):
            problem = "A form field contains a control character."
        if problem:
            return bad_request(request, BadRequest(problem))
        return self.get_response(request)
