"""Idempotency-Key on any API write (o2o.idempotency), seen through a small view made for the test.

The view records a heartbeat named in the body, so "was it written?" is a row count; it can also
fail after writing, to prove a failure stores nothing of the write.
"""

from datetime import timedelta

import pytest
from django.urls import path
from django.utils import timezone
from rest_framework import status
from rest_framework.response import Response
from rest_framework.test import APIClient
from rest_framework.views import APIView

from o2o.errors import Conflict
from o2o.idempotency import idempotency_records_purge, idempotent, request_fingerprint
from o2o.models import Heartbeat, IdempotencyRecord

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


class HeartbeatWriteView(APIView):
    @idempotent
    def post(self, request):
        beat = Heartbeat.objects.create(source=request.data["source"], last_seen=timezone.now())
        if request.data.get("then") == "conflict":
            raise Conflict("refused after writing")
        if request.data.get("then") == "crash":
            raise RuntimeError("unexpected failure after writing")
        if request.data.get("then") == "answer_400":
            return Response({"code": "invalid", "detail": "answered"}, status=400)
        return Response({"id": beat.pk, "source": beat.source}, status=status.HTTP_201_CREATED)


urlpatterns = [
    path("write/", HeartbeatWriteView.as_view()),
    path("other-write/", HeartbeatWriteView.as_view()),
]


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_user("hq", password="hq-pass-123", is_staff=True)


@pytest.fixture
def api(staff):
    api = APIClient()
    api.force_authenticate(staff)
    return api


def send(api, body, key="k-1", url="/write/"):
    return api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_the_first_request_runs_and_its_response_is_stored(api, staff):
    response = send(api, {"source": "a"})

    assert response.status_code == 201
    record = IdempotencyRecord.objects.get()
    assert (record.user, record.key, record.method, record.path) == (
        staff,
        "k-1",
        "POST",
        "/write/",
    )
    assert (record.response_status, record.response_body) == (201, response.json())
    assert "Idempotent-Replayed" not in response


def test_a_repeat_replays_the_stored_response_without_running(api):
    first = send(api, {"source": "a"})

    repeat = send(api, {"source": "a"})

    assert (repeat.status_code, repeat.json()) == (first.status_code, first.json())
    assert repeat["Idempotent-Replayed"] == "true"
    assert Heartbeat.objects.count() == 1


def test_key_order_and_spacing_of_the_body_do_not_matter():
    assert request_fingerprint({"a": 1, "b": [1, 2]}) == request_fingerprint({"b": [1, 2], "a": 1})
    assert request_fingerprint({"a": 1}) != request_fingerprint({"a": 2})


@pytest.mark.parametrize(
    "body, url", [({"source": "b"}, "/write/"), ({"source": "a"}, "/other-write/")]
)
def test_the_same_key_for_another_request_answers_409(api, body, url):
    send(api, {"source": "a"})

    response = send(api, body, url=url)

    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_key_reused"
    assert Heartbeat.objects.count() == 1


def test_keys_belong_to_one_user(api, django_user_model):
    other = django_user_model.objects.create_user("pos", password="pos-pass-123", is_staff=True)
    other_client = APIClient()
    other_client.force_authenticate(other)

    send(api, {"source": "a"})
    response = send(other_client, {"source": "b"})

    assert response.status_code == 201
    assert Heartbeat.objects.count() == 2


def test_a_domain_error_is_stored_without_the_write_it_made(api):
    first = send(api, {"source": "a", "then": "conflict"})
    repeat = send(api, {"source": "a", "then": "conflict"})

    assert first.status_code == repeat.status_code == 409
    assert first.json() == repeat.json() == {"code": "conflict", "detail": "refused after writing"}
    assert not Heartbeat.objects.exists()
    assert IdempotencyRecord.objects.get().response_status == 409


def test_an_error_answered_without_raising_also_undoes_the_write(api):
    response = send(api, {"source": "a", "then": "answer_400"})

    assert response.status_code == 400
    assert not Heartbeat.objects.exists()
    assert IdempotencyRecord.objects.get().response_status == 400


def test_an_unexpected_failure_stores_nothing_so_a_retry_runs_again(api):
    with pytest.raises(RuntimeError):
        send(api, {"source": "a", "then": "crash"})

    assert not IdempotencyRecord.objects.exists()
    assert not Heartbeat.objects.exists()
    # Nothing holds the key: the next request under it runs (here one that succeeds).
    assert send(api, {"source": "a"}, key="k-1").status_code == 201


def test_a_request_without_the_header_is_not_recorded(api):
    api.post("/write/", {"source": "a"}, format="json")
    api.post("/write/", {"source": "b"}, format="json")

    assert Heartbeat.objects.count() == 2
    assert not IdempotencyRecord.objects.exists()


@pytest.mark.parametrize("key", ["", "k" * 256])
def test_a_bad_key_answers_400(api, key):
    response = send(api, {"source": "a"}, key=key)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_idempotency_key"
    assert not Heartbeat.objects.exists()


def test_a_key_of_255_characters_is_accepted(api):
    assert send(api, {"source": "a"}, key="k" * 255).status_code == 201


def test_purge_removes_old_records_and_frees_their_keys(api):
    send(api, {"source": "a"})
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(days=40))

    removed = idempotency_records_purge(before=timezone.now() - timedelta(days=30))

    assert removed == 1
    assert send(api, {"source": "b"}).status_code == 201
