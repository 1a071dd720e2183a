"""Error pages for each audience (o2o.error_pages): the shopper layout for shopper pages, the
back-office layout under /staff/, JSON `{"code", "detail"}` under /api/, a plain page elsewhere;
never a trace."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

SHOPPER = '<body class="shopper'
BACKOFFICE = '<body class="backoffice'


@pytest.fixture
def client():
    # Let a failing view end as the 500 page a browser would get, instead of raising here.
    return Client(raise_request_exception=False)


@pytest.mark.parametrize(
    ("path", "layout"),
    [("/no-such-page/", SHOPPER), ("/p/no-such-product/", SHOPPER), ("/staff/nope/", BACKOFFICE)],
)
def test_not_found_pages_have_the_audience_layout(client, path, layout):
    response = client.get(path)

    assert response.status_code == 404
    html = response.content.decode()
    assert layout in html
    assert "Page not found" in html


def test_an_unknown_api_path_answers_json_not_html(client):
    response = client.get("/api/v1/no-such-endpoint/")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"code": "not_found", "detail": "Page not found"}


def test_other_paths_get_a_plain_page(client):
    response = client.get("/wechat/no-such-endpoint")

    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html
    assert SHOPPER not in html and BACKOFFICE not in html


@pytest.mark.urls("tests.o2o.error_urls")
@pytest.mark.parametrize(
    ("path", "layout"),
    [("/boom/", SHOPPER), ("/staff/boom/", BACKOFFICE), ("/wechat/boom", "<h1>500")],
)
def test_server_errors_show_the_audience_page_and_never_a_trace(client, path, layout):
    response = client.get(path)

    assert response.status_code == 500
    html = response.content.decode()
    assert layout in html
    assert "Something went wrong" in html
    assert "hunter2" not in html and "Traceback" not in html and "RuntimeError" not in html


@pytest.mark.urls("tests.o2o.error_urls")
def test_an_api_server_error_is_json_without_a_trace(client):
    response = client.get("/api/v1/boom/")

    assert response.status_code == 500
    assert response.json()["code"] == "server_error"
    assert "hunter2" not in response.content.decode()


@pytest.mark.urls("tests.o2o.error_urls")
@pytest.mark.parametrize(
    ("path", "layout"), [("/forbidden/", SHOPPER), ("/staff/forbidden/", BACKOFFICE)]
)
def test_forbidden_pages_have_the_audience_layout(client, path, layout):
    response = client.get(path)

    assert response.status_code == 403
    assert layout in response.content.decode()


def test_a_form_without_its_csrf_token_gets_a_page_saying_so(chain):
    client = Client(enforce_csrf_checks=True)

    response = client.post("/cart/add/", {"sku": chain.sku.code})

    assert response.status_code == 403
    html = response.content.decode()
    assert SHOPPER in html
    assert "This form has expired" in html
