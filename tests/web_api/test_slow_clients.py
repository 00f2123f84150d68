"""Slow clients: behind nginx the service answers while 50 are held; alone, while a handful are.

A slow-header client (slowloris) opens a connection, sends part of a request and then a byte
now and then, never finishing. gunicorn's sync workers each waited on one until the worker
timeout; `writethru serve` runs threads, so a few only hold a few threads, and nginx in front
(deploy/nginx.conf, as docker-compose.yml runs it) holds any number without gunicorn seeing
them. Normal requests get a generous timeout each; no test asserts on a measured time.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
from test_deploy import nginx_command, nginx_conf_for, require_nginx

from service import config
from service.ingest import parse_payload
from service.store import GitStore

from .conftest import ROOT, SEED_DIR, seed_texts

pytestmark = pytest.mark.slow  # starts gunicorn and nginx

WRITETHRU = Path(sys.executable).with_name("writethru")
ARTICLE = SEED_DIR.name
TIMEOUT = 5  # seconds each normal request may take: generous, and never asserted on
SLOW_CLIENTS_BEHIND_NGINX = 50
SLOW_CLIENTS_ALONE = 4  # as many as took two sync workers down until their timeout
SLOW_BODIES = 10
# One worker of two threads: two slow clients that reach it directly leave it no thread.
SMALL = ("--workers", "1", "--threads", "2")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_healthy(base: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args[0]} exited: {log.read_text()[-2000:]}")
        try:
            if requests.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{base}/healthz did not answer within 30 s: {log.read_text()[-2000:]}")


def stop(proc: subprocess.Popen | None) -> None:
    """Stop a process started in its own session, and everything it started."""
    if proc is None or proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


@contextmanager
def serving(tmp: Path, *args: str, env: dict[str, str] | None = None) -> Iterator[str]:
    """Run `writethru serve` on the demo article (args: more options); yield its base URL."""
    store = tmp / "store.git"
    saved = GitStore(store, durable=False)
    for body in seed_texts():
        saved.save(ARTICLE, parse_payload(body, "text/plain"))
    port = free_port()
    log = tmp / "serve.log"
    # The defaults (no token, the default body limit), whatever this shell has set.
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("WRITETHRU_")},
           "WRITETHRU_STORE": str(store), **(env or {})}
    proc = None
    try:
        with log.open("w") as out:
            proc = subprocess.Popen([str(WRITETHRU), "serve", "--port", str(port), *args],
                                    cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                    start_new_session=True)
        base = f"http://127.0.0.1:{port}"
        wait_until_healthy(base, proc, log)
        yield base
    finally:
        stop(proc)


@contextmanager
def nginx_in_front_of(upstream: str, tmp: Path) -> Iterator[str]:
    """Run Debian's nginx with deploy/nginx.conf before upstream (a base URL); yield its URL."""
    require_nginx()
    prefix = tmp / "nginx"
    prefix.mkdir()
    port = free_port()
    conf = nginx_conf_for(prefix, upstream.removeprefix("http://"), f"127.0.0.1:{port}")
    log = prefix / "nginx.log"
    proc = None
    try:
        with log.open("w") as out:
            proc = subprocess.Popen(nginx_command(prefix, conf), stdout=out,
                                    stderr=subprocess.STDOUT, start_new_session=True)
        base = f"http://127.0.0.1:{port}"
        wait_until_healthy(base, proc, log)
        yield base
    finally:
        stop(proc)


class SlowClients:
    """Connections that send part of a request, then a byte every half second.

    Slow headers: a request line and part of the headers, never the blank line that ends them.
    Slow bodies (body=True): whole headers announcing a body far longer than is ever sent.
    """

    def __init__(self, base: str, count: int, body: bool = False):
        host, port = base.removeprefix("http://").split(":")
        self.address = (host, int(port))
        self.count = count
        self.body = body
        self.socks: list[socket.socket] = []
        self._refused: set[socket.socket] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._trickle, daemon=True)

    def __enter__(self) -> SlowClients:
        try:
            for i in range(self.count):
                sock = socket.create_connection(self.address, timeout=5)
                sock.settimeout(None)  # blocking: held() peeks with MSG_DONTWAIT
                self.socks.append(sock)
                if self.body:
                    start = (f"POST /api/articles/slow-{i}/versions HTTP/1.1\r\nHost: x\r\n"
                             "Content-Type: text/plain\r\nContent-Length: 100000\r\n\r\na")
                else:
                    start = f"GET /healthz?slow={i} HTTP/1.1\r\nHost: x\r\nX-Slow: a"
                sock.sendall(start.encode())
            self._thread.start()
        except BaseException:
            self.close()
            raise
        return self

    def _trickle(self) -> None:
        while not self._stop.wait(0.5):
            for sock in self.socks:
                if sock in self._refused:
                    continue
                try:
                    sock.send(b"a")
                except OSError:
                    self._refused.add(sock)  # reset by the server

    def held(self) -> int:
        """Return how many connections the server still holds open (not closed or reset)."""
        count = 0
        for sock in self.socks:
            try:
                open_ = sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) != b""
            except BlockingIOError:
                open_ = True  # nothing to read: no answer, no end of stream
            except OSError:
                open_ = False
            count += open_ and sock not in self._refused
        return count

    def close(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        for sock in self.socks:
            sock.close()

    def __exit__(self, *exc) -> None:
        self.close()


def normal_requests(base: str, rounds: int = 3) -> int:
    """Send GET /healthz, GET a compare page and POST a version, `rounds` times; return the count."""
    answered = 0
    for n in range(rounds):
        health = requests.get(f"{base}/healthz", timeout=TIMEOUT)
        assert health.status_code == 200, health.text
        page = requests.get(f"{base}/articles/{ARTICLE}/compare/1...2", timeout=TIMEOUT)
        assert page.status_code == 200 and "text/html" in page.headers["Content-Type"]
        posted = requests.post(f"{base}/api/articles/slow-probe/versions",
                               data=f"Version {n} of a story sent while others are slow.",
                               headers={"Content-Type": "text/plain"}, timeout=TIMEOUT)
        assert posted.status_code == 201, posted.text
        answered += 3
    return answered


def test_behind_nginx_the_service_answers_while_50_slow_header_clients_are_held(tmp_path):
    # The smallest server, that two slow clients starve when they reach it (the last test here):
    # nginx reads every header whole before it passes a request on, so gunicorn sees none.
    with serving(tmp_path, *SMALL) as upstream, nginx_in_front_of(upstream, tmp_path) as base:
        with SlowClients(base, SLOW_CLIENTS_BEHIND_NGINX) as slow:
            time.sleep(1)  # a couple of trickled bytes each
            assert normal_requests(base) == 9
            # Held all along (nginx closes them at client_header_timeout, 10 s).
            assert slow.held() == SLOW_CLIENTS_BEHIND_NGINX


def test_behind_nginx_slow_bodies_never_reach_the_service(tmp_path):
    # proxy_request_buffering: a body is passed on once it is whole, never as it trickles in.
    with serving(tmp_path, *SMALL) as upstream, nginx_in_front_of(upstream, tmp_path) as base:
        with SlowClients(base, SLOW_BODIES, body=True) as slow:
            time.sleep(1)
            assert normal_requests(base) == 9
            assert slow.held() == SLOW_BODIES


def test_serve_alone_answers_while_a_handful_of_slow_clients_are_connected(tmp_path):
    # `writethru serve` as it ships (two workers of eight threads), nothing in front.
    with serving(tmp_path) as base, SlowClients(base, SLOW_CLIENTS_ALONE) as slow:
        time.sleep(1)
        assert normal_requests(base) == 9
        assert slow.held() == SLOW_CLIENTS_ALONE
    log = (tmp_path / "serve.log").read_text()
    assert "with 2 workers of 8 threads" in log and "Using worker: service.cli.server.ProblemWorker" in log


def test_slow_clients_that_outnumber_the_threads_starve_a_server_they_reach(tmp_path):
    # Proves the tests above can fail: with nothing in front, slow clients that hold every
    # thread leave a normal request waiting. (The same server as SMALL, set from the environment.)
    with serving(tmp_path, "--workers", "1", env={"WRITETHRU_THREADS": "2"}) as base:
        for body in (False, True):
            with SlowClients(base, 2, body=body):
                time.sleep(1)
                with pytest.raises(requests.Timeout):
                    requests.get(f"{base}/healthz", timeout=2)


def test_behind_nginx_the_body_limit_is_the_apps(tmp_path):
    # nginx's limit is checked against the app's default in tests/test_deploy.py; here it holds
    # over a real socket: exactly the limit passes both, one byte more is nginx's 413.
    limit = config.defaults()["MAX_BODY"]
    with serving(tmp_path) as upstream, nginx_in_front_of(upstream, tmp_path) as base:
        url = f"{base}/api/articles/big/versions"
        headers = {"Content-Type": "text/plain"}
        body = (b"word " * (limit // 5 + 1))[:limit]
        at_limit = requests.post(url, data=body, headers=headers, timeout=60)
        assert at_limit.status_code == 201, at_limit.text
        over = requests.post(url, data=body + b"x", headers=headers, timeout=60)
        assert over.status_code == 413
        assert over.headers["Content-Type"] == "application/problem+json"
        assert over.json()["type"] == "urn:writethru:problem:request-entity-too-large"
    # gunicorn's access log (complete once it stopped): the body too large never reached it.
    log = (tmp_path / "serve.log").read_text()
    assert '"POST /api/articles/big/versions HTTP/1.0" 201 ' in log
    assert '" 413 ' not in log


def test_behind_nginx_feeds_link_to_the_address_the_client_used(tmp_path):
    with serving(tmp_path) as upstream, nginx_in_front_of(upstream, tmp_path) as base:
        feed = requests.get(f"{base}/articles/{ARTICLE}/feed.atom", timeout=TIMEOUT)
        assert feed.status_code == 200
        assert f"{base}/articles/{ARTICLE}" in feed.text
        assert upstream not in feed.text


def test_serve_brings_the_search_index_up_to_date_after_a_start_without_a_search(tmp_path):
    # After an import or a deploy, one worker indexes in the background; no request asks.
    import sqlite3

    with serving(tmp_path) as base:
        index = tmp_path / "store.git" / "writethru" / "search.sqlite"
        deadline = time.monotonic() + 60
        heads = 0
        while time.monotonic() < deadline and heads < 1:
            if index.exists():
                try:
                    heads = sqlite3.connect(index).execute("SELECT count(*) FROM heads").fetchone()[0]
                except sqlite3.Error:
                    heads = 0
            time.sleep(0.1)
        assert heads == 1
        hits = requests.get(f"{base}/api/search", params={"q": "Poland"}, timeout=10).json()
        assert hits["pending"] == 0 and hits["hits"]
