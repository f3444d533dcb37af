"""Folder pages of the build (`/library`, `/search`) answer at their address, not with a
redirect to it with a trailing slash (storefront/folder_pages.py)."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.testclient import TestClient

from storefront.folder_pages import FolderPagesMiddleware


@pytest.fixture
def client(tmp_path):
    (tmp_path / "search").mkdir()
    (tmp_path / "search" / "index.html").write_text("<html>search page</html>")
    (tmp_path / "index.html").write_text("<html>home</html>")
    (tmp_path / "notes.txt").write_text("a file")
    app = Starlette(
        routes=[Mount("/", StaticFiles(directory=tmp_path, html=True))],
        middleware=[Middleware(FolderPagesMiddleware, client_dir=lambda: tmp_path)],
    )
    return TestClient(app, follow_redirects=False)


@pytest.mark.parametrize("address", ["/search", "/search?q=template", "/search/"])
def test_a_folder_page_answers_at_its_own_address(client, address):
    response = client.get(address)
    assert response.status_code == 200
    assert response.text == "<html>search page</html>"


def test_a_head_request_is_answered_too(client):
    assert client.head("/search").status_code == 200


def test_other_addresses_are_left_as_they_were(client):
    assert client.get("/").text == "<html>home</html>"
    assert client.get("/notes.txt").text == "a file"
    assert client.get("/missing").status_code == 404
