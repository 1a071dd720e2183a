"""`Idempotency-Key` for API writes (DESIGN §5: "a repeat returns the first response and changes
nothing"). Any DRF action can use it:

    class PosSaleViewSet(viewsets.GenericViewSet):
        @extend_schema(parameters=[IDEMPOTENCY_KEY_PARAMETER], ...)
        @idempotent
        def create(self, request): ...

How it works. With the header, the action runs in one transaction that first inserts an
`IdempotencyRecord` for (user, key) and, after the action, stores its response in that row. The
unique constraint on (user, key) is the mechanism, not a prior lookup:
- a repeat after the first request committed finds the row and gets the stored status and body
  back (header `Idempotent-Replayed: true`); the action does not run again;
- a concurrent duplicate's INSERT waits on the unique index until the first transaction ends: if
  it committed, the duplicate replays its response; if it rolled back, the duplicate runs as first;
- the same key with another body, method or path answers 409 `idempotency_key_reused`.
Bodies are compared by the SHA-256 of their canonical JSON (sorted keys, no whitespace), so
formatting and key order do not matter.

What is stored (the policy). Every answer the action completes with a status below 500, errors
included (400 validation, 409 insufficient_stock, ...). The action runs in a savepoint that is
rolled back whenever it raises or answers 4xx, so a stored error never goes with a partial write.
A key thus always gets the same answer; after fixing the cause (stock arrived, input corrected)
the client sends a new key. An unexpected exception or a 5xx answer stores nothing: the whole
transaction rolls back and a retry with the same key runs again, which is what retries are for.
A body that cannot be parsed, and 401/403 (checked before the action), are answered without a
record either.

Keys are 1-255 characters, scoped to the authenticated user, and kept until
`idempotency_records_purge` removes them; a client must not reuse a key within that time.
"""

from __future__ import annotations

import functools
import hashlib
import json
from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import APIException
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from o2o.errors import Conflict, DomainError
from o2o.models import IdempotencyRecord
from o2o.request_guard import has_path_control_characters

IDEMPOTENCY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEY_MAX_LENGTH = 255

IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    name=IDEMPOTENCY_HEADER,
    type=OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        "A unique key per intended write (a UUID, or your own document number), 1-255 characters. "
        "Repeating the request with the same key and body returns the first response (status and "
        "body, header `Idempotent-Replayed: true`) and changes nothing; the same key with a "
        "different body answers 409 `idempotency_key_reused`. Error answers below 500 are "
        "replayed too: use a new key to try again."
    ),
)


class InvalidIdempotencyKey(DomainError):
    """The Idempotency-Key header must be 1-255 printable characters."""

    code = "invalid_idempotency_key"


class IdempotencyKeyReused(Conflict):
    """This Idempotency-Key was already used for a different request."""

    code = "idempotency_key_reused"


def request_fingerprint(data) -> str:
    """SHA-256 of a request body as canonical JSON."""
    if hasattr(data, "lists"):  # a QueryDict from a form or multipart body
        data = dict(data.lists())
    canonical = json.dumps(
        data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _key_check(raw: str) -> str:
    key = raw.strip()
    if not key or len(key) > KEY_MAX_LENGTH or has_path_control_characters(key):
        raise InvalidIdempotencyKey(
            f"the {IDEMPOTENCY_HEADER} header must be 1-{KEY_MAX_LENGTH} printable characters"
        )
    return key


def _record_claim(*, user, key: str, method: str, path: str, request_hash: str):
    """Insert the record, or return the committed one that holds the key: (record, created)."""
    try:
        # A savepoint, so a conflict leaves the request's transaction usable.
        with transaction.atomic():
            record = IdempotencyRecord.objects.create(
                user=user, key=key, method=method, path=path, request_hash=request_hash
            )
        return record, True
    except IntegrityError:
        # Reaching here means the other transaction committed (the INSERT waited for it), so
        # this read, taken with a fresh snapshot, sees its row and stored response.
        return IdempotencyRecord.objects.get(user=user, key=key), False


def _replay(record: IdempotencyRecord, *, method: str, path: str, request_hash: str) -> Response:
    if (record.method, record.path, record.request_hash) != (method, path, request_hash):
        raise IdempotencyKeyReused(
            f"the {IDEMPOTENCY_HEADER} {record.key!r} was already used for a different request "
            f"({record.method} {record.path}); use a new key for a new request"
        )
    response = Response(record.response_body, status=record.response_status)
    response[REPLAYED_HEADER] = "true"
    return response


def _run_in_savepoint(view, action, request, *args, **kwargs) -> Response:
    """Run the action; undo its writes when it fails, and turn an expected error into its answer."""
    savepoint = transaction.savepoint()
    try:
        response = action(view, request, *args, **kwargs)
    except (APIException, DomainError, Http404, PermissionDenied) as error:
        transaction.savepoint_rollback(savepoint)
        return view.handle_exception(error)
    except BaseException:
        transaction.savepoint_rollback(savepoint)
        raise
    if response.status_code >= 400:
        transaction.savepoint_rollback(savepoint)
    else:
        transaction.savepoint_commit(savepoint)
    return response


def _body_as_json(response: Response):
    if getattr(response, "data", None) is None:
        return None
    # DRF's renderer knows ErrorDetail, datetimes, decimals and lazy strings; what is stored is
    # exactly the JSON the first client received.
    return json.loads(JSONRenderer().render(response.data))


def idempotent(action):
    """Make a DRF write action honour the `Idempotency-Key` header (see the module docstring)."""

    @functools.wraps(action)
    def wrapper(view, request, *args, **kwargs):
        raw_key = request.headers.get(IDEMPOTENCY_HEADER)
        if raw_key is None:
            return action(view, request, *args, **kwargs)
        key = _key_check(raw_key)
        if not request.user.is_authenticated:
            raise InvalidIdempotencyKey(
                f"the {IDEMPOTENCY_HEADER} header needs an authenticated client"
            )
        request_hash = request_fingerprint(request.data)
        with transaction.atomic():
            record, created = _record_claim(
                user=request.user,
                key=key,
                method=request.method,
                path=request.path,
                request_hash=request_hash,
            )
            if not created:
                return _replay(
                    record, method=request.method, path=request.path, request_hash=request_hash
                )
            response = _run_in_savepoint(view, action, request, *args, **kwargs)
            if response.status_code >= 500:
                transaction.set_rollback(True)
                return response
            record.response_status = response.status_code
            record.response_body = _body_as_json(response)
            record.save(update_fields=["response_status", "response_body"])
        return response

    return wrapper


def idempotency_records_purge(*, before: datetime) -> int:
    """Delete records created before `before`; returns how many. Their keys become reusable."""
    deleted, _per_model = IdempotencyRecord.objects.filter(created_at__lt=before).delete()
    return deleted
