"""Headers every page sends (o2o.security_headers): a Content-Security-Policy that allows our own
scripts and styles only (plus WeChat's JS-SDK on the WeChat pay page), images from this site and
data: URIs, and a same-origin Referrer-Policy. The templates hold nothing the policy forbids."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template.loaders.app_directories import get_app_template_dirs

pytestmark = pytest.mark.django_db

ROOT = Path(settings.BASE_DIR)


def policy(response) -> dict[str, list[str]]:
    directives = {}
    for part in response["Content-Security-Policy"].split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


@pytest.mark.parametrize("path", ["/", "/cart/", "/m/login/", "/staff/login/", "/api/v1/stock/"])
def test_every_page_has_a_policy_of_our_own_scripts_and_styles(client, path):
    csp = policy(client.get(path))

    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    assert csp["img-src"] == ["'self'", "data:"]
    assert csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]


def test_only_the_wechat_pay_page_may_load_the_wechat_js_sdk(chain, member_client):
    pay = member_client.get(f"/orders/{chain.order.number}/pay/")
    card = member_client.get("/m/card/")

    assert "https://res.wx.qq.com" in policy(pay)["script-src"]
    assert "https://res.wx.qq.com" not in policy(card)["script-src"]


def test_links_to_other_sites_do_not_carry_the_page_address(client):
    assert client.get("/")["Referrer-Policy"] == "same-origin"


def _our_templates() -> list[Path]:
    folders = [Path(folder) for folder in settings.TEMPLATES[0]["DIRS"]]
    folders += [
        Path(folder)
        for folder in get_app_template_dirs("templates")
        if ROOT in Path(folder).parents
    ]
    folders = [folder for folder in folders if "site-packages" not in folder.parts]
    return sorted(path for folder in folders for path in folder.rglob("*.html"))


FORBIDDEN = {
    "inline script": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE),
    "style element": re.compile(r"<style\b", re.IGNORECASE),
    "style attribute": re.compile(r"\sstyle\s*=", re.IGNORECASE),
    "event handler attribute": re.compile(r"\son[a-z]+\s*=", re.IGNORECASE),
    "javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
    "htmx inline handler (needs eval)": re.compile(r"\shx-on", re.IGNORECASE),
}


def test_templates_hold_no_inline_script_style_or_handler():
    templates = _our_templates()
    found = [
        f"{path.relative_to(ROOT)}: {kind}"
        for path in templates
        for kind, pattern in FORBIDDEN.items()
        if pattern.search(path.read_text())
    ]

    assert len(templates) > 50  # the walk found the project's templates
    assert not found, "\n".join(found)
