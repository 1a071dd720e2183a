"""The API keeps the promises of its OpenAPI schema (/api/schema/) under fuzzing.

schemathesis generates valid and invalid requests for every operation, plus the schema's own
examples, and sends them through the WSGI application as a staff user with a token. Every answer
is checked: no 5xx, status codes, content types, headers and bodies as documented, invalid input
refused, authentication enforced. Not checked: that every schema-valid request is accepted
(`positive_data_acceptance`): an unknown store or SKU code, or a business rule ("exactly one of
`delta` and `count`"), is a 400 with a documented code, which a schema cannot express.

The requests run on the test's own database connection, so everything they write is rolled back
with the test.
"""

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode

from inventory.services import stock_adjust
from members.services.accounts import member_get_or_create_by_phone
from stores.models import Staff
from tests.catalog.factories import CategoryFactory, SKUFactory
from tests.stores.factories import StaffFactory, StoreFactory, UserFactory

pytestmark = pytest.mark.django_db

MAX_EXAMPLES = 25


@pytest.fixture
def same_connection():
    """Keep the test's connection (and its transaction) across the WSGI requests: Django closes
    old connections at every request's start and end, its test client switches that off too."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def erp_token(chain):
    """What the schema's examples name (store sh01, SKU wom-01-1, clerk SH01-C1, the demo
    member's phone) exists, with stock, so the examples are real writes."""
    store = StoreFactory(code="sh01")
    sku = SKUFactory(code="wom-01-1")
    stock_adjust(store=store, sku=sku, delta=50, reason="receipt")
    StaffFactory(store=store, staff_code="SH01-C1", role=Staff.Role.CLERK)
    member_get_or_create_by_phone(phone="13800000001")
    CategoryFactory(slug="women")
    token, _ = Token.objects.get_or_create(user=UserFactory(username="erp", is_staff=True))
    return token.key


def _fuzz(strategy, *, headers: dict, sent: list):
    @given(case=strategy)
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        sent.append(case.operation.label)
        case.call_and_validate(
            headers=headers, excluded_checks=[schemathesis.checks.positive_data_acceptance]
        )

    return run


def test_the_api_keeps_its_schema_under_fuzzing(erp_token, same_connection):
    schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
    # The WSGI client hands schemathesis the body as sent, and large JSON answers are gzipped for
    # clients that accept it (o2o.compression, tested on its own): ask for it uncompressed.
    headers = {"Authorization": f"Token {erp_token}", "Accept-Encoding": "identity"}
    operations = [result.ok() for result in schema.get_all_operations()]
    failures, sent = [], []
    for operation in operations:
        strategies = [
            (mode.value, operation.as_strategy(generation_mode=mode))
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
        ]
        strategies += [
            ("examples", strategy) for strategy in schema.get_strategies_from_examples(operation)
        ]
        for label, strategy in strategies:
            try:
                _fuzz(strategy, headers=headers, sent=sent)()
            except (Exception, BaseExceptionGroup) as error:  # noqa: BLE001 - report them all
                failures.append(f"{operation.label} ({label}): {error}")

    assert len(operations) == 19, [operation.label for operation in operations]
    assert len(sent) > len(operations) * MAX_EXAMPLES  # the requests were really made
    assert not failures, "\n\n".join(failures)
