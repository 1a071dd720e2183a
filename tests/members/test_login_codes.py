"""The login-code service's limits on the platform throttle: tries per client address, wrong
codes recorded for HQ, and concurrent guesses at one code never compared more than five times."""

import re
import threading

import pytest
from django.core.cache import cache
from django.db import connection

from members import sms
from members.services import login_codes
from members.services.login_codes import LoginCodeError, login_code_send, login_code_verify
from o2o.models import SecurityEvent

pytestmark = pytest.mark.django_db
PHONE = "13800138000"


@pytest.fixture(autouse=True)
def _clean(settings):
    cache.clear()
    sms.outbox.clear()
    settings.SMS_BACKEND = "members.sms.MemoryBackend"
    yield
    cache.clear()


def sent_code() -> str:
    return re.search(r"\d{6}", sms.outbox[-1].message).group()


def test_tries_per_client_address_are_limited_across_phones():
    for n in range(login_codes.VERIFIES_PER_CLIENT_PER_HOUR):
        with pytest.raises(LoginCodeError):
            login_code_verify(phone=f"1390000{n:04d}", code="123456", client="198.51.100.1")

    login_code_send(phone=PHONE, client="198.51.100.2")
    with pytest.raises(LoginCodeError) as refused:
        login_code_verify(phone=PHONE, code=sent_code(), client="198.51.100.1")

    assert refused.value.code == LoginCodeError.LIMITED and refused.value.http_status == 429
    assert login_code_verify(phone=PHONE, code=sent_code(), client="198.51.100.2") == PHONE


def test_wrong_codes_are_recorded_for_hq():
    login_code_send(phone=PHONE, client="198.51.100.1")
    wrong = "000000" if sent_code() != "000000" else "111111"

    with pytest.raises(LoginCodeError):
        login_code_verify(phone=PHONE, code=wrong, client="198.51.100.1")

    event = SecurityEvent.objects.get()
    assert (event.kind, event.secret, event.target) == ("failed", "login_code", PHONE)
    assert event.client_ip == "198.51.100.1"


@pytest.mark.django_db(transaction=True)
def test_concurrent_wrong_guesses_are_compared_at_most_five_times():
    login_code_send(phone=PHONE, client="198.51.100.1")
    wrong = "000000" if sent_code() != "000000" else "111111"
    threads_count = 12
    barrier = threading.Barrier(threads_count)
    outcomes = []
    lock = threading.Lock()

    def guess():
        try:
            barrier.wait()
            login_code_verify(phone=PHONE, code=wrong, client=f"198.51.100.{len(outcomes)}")
        except LoginCodeError as error:
            with lock:
                outcomes.append(error.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=guess) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # Five got a number within the limit (each compared, or found the code already dropped by
    # the fifth); every other one was refused before comparing.
    assert len(outcomes) == threads_count
    assert 1 <= outcomes.count(LoginCodeError.WRONG) <= login_codes.MAX_WRONG_ATTEMPTS
    assert outcomes.count(LoginCodeError.TOO_MANY_ATTEMPTS) == (
        threads_count - login_codes.MAX_WRONG_ATTEMPTS
    )
