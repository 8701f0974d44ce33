"""Bad input is a 4xx, never a 500: a NUL byte, a malformed or huge number, in every argument
of every URL pattern (from the resolver, like the outsider's crawl) and in the query."""

import re
from urllib.parse import unquote

import pytest
from django.test import Client
from django.urls import reverse

from tests.support import still_logged_in
from tests.test_outsider_crawl import patterns, world  # noqa: F401  (the crawl's fixture)

pytestmark = pytest.mark.django_db

# A NUL in every argument of every URL (the edge refuses it, before the resolver), and the
# others in every argument its converter lets through to a view (elsewhere they are the
# resolver's 404 before any code of ours runs). The query carries a NUL to every URL too.
NUL = "1%00"
BAD = [NUL, "99999999999999999999999999", "-1", "%C0%AF", "%ZZ"]
QUERY = "?after=%00&parent=1%00&next=%00&page=99999999999999999999999"


def bad_urls(fills: dict) -> list[str]:
    urls = []
    for name, pattern in patterns():
        converters = list(getattr(pattern, "converters", {})) or list(
            getattr(getattr(pattern, "regex", None), "groupindex", {})
        )
        kwargs = {arg: fills[arg][0] for arg in converters if arg in fills}
        if len(kwargs) != len(converters):
            continue  # the crawl's test makes sure every argument has values
        try:
            good = reverse(name, kwargs=kwargs)
        except Exception:
            continue
        urls.append(good + QUERY)
        converters_of = getattr(pattern, "converters", {})
        for arg, value in kwargs.items():
            converter = converters_of.get(arg)
            for bad in BAD:
                if bad == NUL or converter is None or re.fullmatch(converter.regex, unquote(bad)):
                    urls.append(good.replace(f"/{value}/", f"/{bad}/", 1))
    return sorted(set(urls))


def test_no_url_argument_or_query_makes_a_500(world):  # noqa: F811
    client = Client(raise_request_exception=False)
    client.force_login(world.crawler)
    tried = 0
    for url in bad_urls(world.fills):
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            tried += 1
            assert response.status_code < 500, f"{method.upper()} {url}: {response.status_code}"
            if "%00" in url:
                assert response.status_code in (302, 400, 404, 405), f"{method} {url}"
            if not still_logged_in(response):
                client.force_login(world.crawler)
    assert tried > 500


def test_a_nul_byte_is_a_400_page(client):
    response = client.get("/join/abc%00def/")
    assert response.status_code == 400
    assert "cannot be read" in response.content.decode()
    assert client.get("/?q=%00").status_code == 400
