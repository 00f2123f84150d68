"""X-Content-Type-Options: nosniff on every kind of answer the app gives."""

import pytest

TEXT = {"Content-Type": "text/plain"}


@pytest.fixture
def saved(client):
    resp = client.post("/api/articles/a1/versions", data="One.\n\nTwo.", headers=TEXT)
    assert resp.status_code == 201
    return resp


def _tagged(client, path):
    return client.get(path, headers={"If-None-Match": client.get(path).headers["ETag"]})


# (how to ask, the status and the content type expected): every kind of answer there is.
ANSWERS = [
    (lambda c: c.get("/articles/a1"), 200, "text/html"),
    (lambda c: c.get("/api/articles/a1"), 200, "application/json"),
    (lambda c: c.get("/feed.atom"), 200, "application/atom+xml"),
    (lambda c: c.get("/static/app.css"), 200, "text/css"),
    (lambda c: c.get("/static/app.js"), 200, "text/javascript"),
    (lambda c: c.get("/api/openapi.json"), 200, "application/json"),
    (lambda c: c.get("/healthz"), 200, "application/json"),
    (lambda c: c.get("/api/articles/nope"), 404, "application/problem+json"),
    (lambda c: c.get("/articles/nope"), 404, "text/html"),
    (lambda c: c.post("/api/articles/a1/versions", data=b"", headers=TEXT), 422,
     "application/problem+json"),
    (lambda c: c.put("/api/articles/a1"), 405, "application/problem+json"),
    (lambda c: _tagged(c, "/api/articles/a1"), 304, None),
    (lambda c: _tagged(c, "/articles/a1"), 304, None),
    (lambda c: _tagged(c, "/feed.atom"), 304, None),
    (lambda c: c.get("/articles/a1/"), 308, None),
    (lambda c: c.options("/api/articles"), 200, None),
    (lambda c: c.post("/api/articles/a1/versions", data="Three.", headers=TEXT), 201,
     "application/json"),
]


@pytest.mark.parametrize("ask,status,kind", ANSWERS)
def test_every_answer_says_nosniff(client, saved, ask, status, kind):
    resp = ask(client)
    assert resp.status_code == status
    if kind:
        assert resp.mimetype == kind
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers.getlist("X-Content-Type-Options") == ["nosniff"]  # said once


def test_an_unexpected_failure_says_nosniff_too(app, client):
    @app.get("/boom")
    def boom():
        raise RuntimeError("on purpose")

    resp = client.get("/boom", headers={"Accept": "application/json"})
    assert resp.status_code == 500
    assert resp.headers["X-Content-Type-Options"] == "nosniff"


# --- gunicorn's own refusals, over a real socket --------------------------------------------------

@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """Run `writethru serve` (the console script, gunicorn) on a free port; yield its address."""
    import os
    import signal
    import socket
    import subprocess
    import sys
    import time
    from pathlib import Path

    script = Path(sys.executable).parent / "writethru"
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    store = tmp_path_factory.mktemp("served") / "s.git"
    env = {k: v for k, v in os.environ.items() if not k.startswith("WRITETHRU_")}
    proc = subprocess.Popen([str(script), "--store", str(store), "serve", "--port", str(port),
                             "--workers", "1", "--threads", "2"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        for _ in range(150):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                assert proc.poll() is None, proc.stderr.read()
                time.sleep(0.1)
        else:
            pytest.fail("gunicorn did not listen")
        yield ("127.0.0.1", port)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)


def _raw(address, request: bytes) -> tuple[int, dict, bytes]:
    """Send one raw HTTP request; return the status, headers (lower-case names) and body."""
    import socket

    with socket.create_connection(address, timeout=10) as sock:
        sock.sendall(request)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict((k.strip().lower(), v.strip()) for k, _, v in
                   (line.partition(":") for line in lines[1:]))
    return int(lines[0].split()[1]), headers, body


@pytest.mark.slow
@pytest.mark.parametrize("request_bytes,status", [
    (b"GET /api/articles/" + b"x" * 10_240 + b" HTTP/1.1\r\nHost: t\r\n\r\n", 414),
    (b"GET /healthz HTTP/1.1\r\nHost: t\r\nX-Big: " + b"y" * 20_480 + b"\r\n\r\n", 431),
    (b"GET /healthz HTTP/9.9\r\nHost: t\r\n\r\n", 400),
])
def test_gunicorns_own_refusals_are_problem_documents(served, request_bytes, status):
    import json

    got, headers, body = _raw(served, request_bytes)
    assert got == status
    assert headers["content-type"] == "application/problem+json"
    assert headers["x-content-type-options"] == "nosniff"
    assert int(headers["content-length"]) == len(body)
    problem = json.loads(body)
    assert problem["status"] == status and problem["type"].startswith("urn:writethru:problem:")
    assert problem["title"] and problem["detail"]


@pytest.mark.slow
def test_the_served_app_says_nosniff_and_cors(served):
    status, headers, _ = _raw(served, b"GET /healthz HTTP/1.1\r\nHost: t\r\n"
                                      b"Origin: https://x.example\r\nConnection: close\r\n\r\n")
    assert status == 200
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["access-control-allow-origin"] == "*"
