"""/docs and /redoc work without the internet: nothing is loaded from outside the service."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine

from wms.api.app import create_app
from wms.config import Settings


class Assets(HTMLParser):
    """The URLs a page loads: ``src`` of scripts and images, ``href`` of links."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        wanted = {"script": "src", "img": "src", "link": "href"}.get(tag)
        self.urls += [v for k, v in attrs if k == wanted and v]


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app(Settings(database_url="sqlite://"), create_engine("sqlite://")))


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_page_loads_nothing_from_outside(client: TestClient, page: str) -> None:
    r = client.get(page)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert re.findall(r"(?:https?:)?//[\w.-]+", r.text) == []  # no cdn.jsdelivr.net, no fonts.googleapis.com
    parser = Assets()
    parser.feed(r.text)
    assert any(u.endswith(".js") for u in parser.urls)
    for url in parser.urls:
        assert url.startswith("/"), url
        asset = client.get(url)
        assert asset.status_code == 200 and asset.content, url
    assert "/openapi.json" in r.text and client.get("/openapi.json").status_code == 200


def test_swagger_ui_has_no_online_validator(client: TestClient) -> None:
    assert '"validatorUrl": null' in client.get("/docs").text
