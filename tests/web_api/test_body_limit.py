"""The body limit holds over a real socket, with Content-Length and with chunked transfer."""

from __future__ import annotations

import pytest
import requests

from .conftest import snapshot

LIMIT = 4096


def _chunks(total: int, size: int = 1000):
    sent = 0
    while sent < total:
        part = min(size, total - sent)
        yield b"a" * (part - 1) + b" "
        sent += part


pytestmark = pytest.mark.slow  # starts gunicorn


def test_over_the_limit_is_413_and_changes_nothing(server_factory, tmp_path):
    store = tmp_path / "store.git"
    server = server_factory(store, workers=1, env={"WRITETHRU_MAX_BODY": str(LIMIT)})
    url = f"{server.url}/api/articles/big/versions"
    headers = {"Content-Type": "text/plain"}
    ok = requests.post(url, data=b"A first version.", headers=headers, timeout=10)
    assert ok.status_code == 201
    before = snapshot(store)

    # Chunked: requests sends a generator with Transfer-Encoding: chunked, no Content-Length.
    for total in (LIMIT + 1, LIMIT + 1000, 3 * LIMIT):
        resp = requests.post(url, data=_chunks(total), headers=headers, timeout=10)
        assert resp.status_code == 413, (total, resp.text)
        assert resp.headers["Content-Type"] == "application/problem+json"
    resp = requests.post(url, data=b"b" * (LIMIT + 1), headers=headers, timeout=10)
    assert resp.status_code == 413
    assert snapshot(store) == before

    # Exactly at the limit is fine, chunked or not.
    at_limit = requests.post(url, data=_chunks(LIMIT), headers=headers, timeout=10)
    assert at_limit.status_code == 201, at_limit.text
    again = requests.post(url, data=b"c" * (LIMIT - 1) + b"\n", headers=headers, timeout=10)
    assert again.status_code == 201
