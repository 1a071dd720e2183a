import pytest

from stores.models import Region, Store


@pytest.fixture
def make_store(db):
    def make(code="sh-001", *, is_active=True, name="上海静安店"):
        region, _ = Region.objects.get_or_create(code="east", defaults={"name": "华东"})
        return Store.objects.create(
            code=code,
            name=name,
            kind=Store.Kind.DIRECT,
            region=region,
            city="上海",
            district="静安区",
            address="南京西路 1266 号",
            latitude="31.229000",
            longitude="121.455000",
            is_active=is_active,
        )

    return make


@pytest.fixture
def store(make_store):
    return make_store()
