"""Webhooks with a real receiver on 127.0.0.1: signatures, retries, the log, filters, the POST.

The receiver is http.server in a thread, scripted per request (an HTTP status, or wait for an
Event first). Deliveries go through the real queue file and Worker; the app is the real one.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from service import create_app
from service.cli import cli
from service.cli.hooks import hooks as hooks_group
from service.diff import Differ, digest_of
from service.hooks import Hooks, HooksFileError, Queue, Worker, deliver, worker
from service.hooks.config import parse_subscriptions
from service.hooks.queue import Claimed
from service.ingest import parse_payload
from service.store import GitStore

SECRET = "s3cret-of-sixteen-chars"
FAST = {"first_delay": 0.05, "max_delay": 0.1, "timeout": 2.0, "poll": 0.05}


class Receiver:
    """An HTTP server that records each POST and answers as scripted (default 200)."""

    def __init__(self, port: int = 0):
        self.requests: list[dict] = []
        self.script: list = []  # per request: an int status, or ("wait", Event) then 200
        self.arrived = threading.Event()
        self.finished = threading.Event()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                owner.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                owner.arrived.set()
                action = owner.script.pop(0) if owner.script else 200
                if isinstance(action, tuple):
                    action[1].wait(60)
                    action = 200
                self.send_response(action)
                self.send_header("Content-Length", "0")
                self.end_headers()
                owner.finished.set()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def write_hooks(path: Path, *subs: dict) -> Path:
    """Write a hooks file of these subscriptions (url, and optionally articles, description)."""
    lines = []
    for sub in subs:
        lines += ["[[subscription]]", f'url = "{sub["url"]}"', f'secret = "{sub.get("secret", SECRET)}"']
        if "articles" in sub:
            lines.append("articles = " + json.dumps(sub["articles"]))
        if "description" in sub:
            lines.append(f'description = "{sub["description"]}"')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def save(store: GitStore, article: str, text: str):
    return store.save(article, parse_payload(text.encode(), "text/plain"))


def worker_for(store_path: Path, hooks_path: Path, **options) -> Worker:
    store = GitStore(store_path)
    return Worker(Hooks(store_path, hooks_path), Differ(store), **{**FAST, **options})


def run_until(worker: Worker, done, limit: float = 20.0) -> None:
    """Run the worker's passes until done() holds (bounded, so a broken queue fails the test)."""
    deadline = time.monotonic() + limit
    while not done():
        assert time.monotonic() < deadline, "the delivery did not happen"
        worker.run_once()
        time.sleep(0.02)


def invoke(store_path: Path, *args):
    if "hooks" not in cli.commands:  # until service/cli registers the group itself
        cli.add_command(hooks_group)
    return CliRunner().invoke(cli, ["--store", str(store_path), *args], catch_exceptions=False)


def test_the_signature_verifies_with_the_secret_and_the_payload_says_what_changed(
        tmp_path, store_path, receiver):
    store = GitStore(store_path)
    save(store, "ap-1", "The fire began at night.\n\nOfficials said 2 people died.")
    saved = save(store, "ap-1", "The fire began at night.\n\nOfficials said 3 people died.")
    hooks_path = write_hooks(tmp_path / "hooks.toml", {"url": receiver.url()})
    [delivery] = Hooks(store_path, hooks_path).version_created("ap-1", saved.version, saved.commit)
    worker = worker_for(store_path, hooks_path)
    run_until(worker, lambda: receiver.requests)
    got = receiver.requests[0]
    expected = hmac.new(SECRET.encode(), got["body"], hashlib.sha256).hexdigest()
    assert hmac.compare_digest(got["headers"]["X-Writethru-Signature"], f"sha256={expected}")
    wrong = hmac.new(b"another secret, as long", got["body"], hashlib.sha256).hexdigest()
    assert got["headers"]["X-Writethru-Signature"] != f"sha256={wrong}"
    assert got["headers"]["X-Writethru-Delivery"] == delivery
    assert got["headers"]["X-Writethru-Event"] == "version.created"
    payload = json.loads(got["body"])
    assert (payload["event"], payload["article"], payload["version"], payload["commit"]) == \
        ("version.created", "ap-1", 2, saved.commit)
    result, old, new = Differ(GitStore(store_path)).compare("ap-1", 1, 2)
    assert payload["digest"] == [{"kind": d["kind"], "text": d["text"]} for d in digest_of(result, old, new)]
    assert {"kind": "number", "text": "said 2 \u2192 3 people"} in payload["digest"]
    assert payload["links"] == {"compare": "/articles/ap-1/compare/1...2",
                                "version": "/articles/ap-1/versions/2",
                                "api": "/api/articles/ap-1/versions/2",
                                "card": "/articles/ap-1/compare/1...2/card.png"}


def test_links_are_absolute_under_a_base_url(tmp_path, store_path, receiver):
    store = GitStore(store_path)
    saved = save(store, "ap-1", "One.")
    hooks_path = write_hooks(tmp_path / "hooks.toml", {"url": receiver.url()})
    hooks = Hooks(store_path, hooks_path, base_url="https://news.example/writethru/")
    hooks.version_created("ap-1", 1, saved.commit)
    run_until(Worker(hooks, worker_for(store_path, hooks_path).differ, **FAST),
              lambda: receiver.requests)
    links = json.loads(receiver.requests[0]["body"])["links"]
    assert links["compare"] == "https://news.example/writethru/articles/ap-1/compare/0...1"
    assert links["card"].endswith("/compare/0...1/card.png") and links["card"].startswith("https://")


def test_a_receiver_failing_twice_gets_it_once_and_the_log_shows_three_attempts(
        tmp_path, store_path):
    first = Receiver()
    port = first.port
    first.script = [500]
    store = GitStore(store_path)
    saved = save(store, "ap-1", "One.")
    hooks_path = write_hooks(tmp_path / "hooks.toml", {"url": first.url(), "description": "desk"})
    Hooks(store_path, hooks_path).version_created("ap-1", 1, saved.commit)
    worker = worker_for(store_path, hooks_path)
    queue = worker.hooks.queue
    run_until(worker, lambda: len(queue.attempts()) == 1 and queue.attempts()[0].finished_at)
    first.close()  # attempt 2 meets a closed port: connection refused
    run_until(worker, lambda: len(queue.attempts()) == 2 and queue.attempts()[0].finished_at)
    second = Receiver(port)  # back on the same address
    try:
        run_until(worker, lambda: not queue.pending())
        worker.run_once()  # nothing more is sent once it is delivered
        assert [r["headers"]["X-Writethru-Delivery"] for r in second.requests] == \
            [first.requests[0]["headers"]["X-Writethru-Delivery"]]
        assert second.requests[0]["body"] == first.requests[0]["body"]  # the same bytes
    finally:
        second.close()
    attempts = queue.attempts()
    assert [(a.n, a.status) for a in attempts] == [(3, 200), (2, None), (1, 500)]
    assert attempts[1].error == "connection refused" and attempts[2].next_at is not None
    assert attempts[0].state == "delivered" and attempts[0].next_at is None

    result = invoke(store_path, "hooks", "log")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) == 3 and all("desk  ap-1 v1" in line for line in lines)
    assert "attempt 3: 200 delivered" in lines[0]
    assert "attempt 2: connection refused; next retry" in lines[1]
    assert "attempt 1: HTTP 500" in lines[2] and "next retry" in lines[2]
    doc = json.loads(invoke(store_path, "hooks", "log", "--json", "--article", "ap-1").output)
    assert [(d["attempt"], d["status"], d["state"]) for d in doc] == \
        [(3, 200, "delivered"), (2, None, "delivered"), (1, 500, "delivered")]
    assert invoke(store_path, "hooks", "log", "--article", "other").output.startswith("No delivery")


def test_subscriptions_get_only_the_articles_they_name(tmp_path, store_path, receiver):
    store = GitStore(store_path)
    hooks_path = write_hooks(tmp_path / "hooks.toml",
                             {"url": receiver.url("/ap"), "articles": ["ap-*"]},
                             {"url": receiver.url("/one"), "articles": ["reuters-1"]},
                             {"url": receiver.url("/all")})
    hooks = Hooks(store_path, hooks_path)
    for article in ("ap-7", "reuters-1", "reuters-2"):
        saved = save(store, article, f"Text of {article}.")
        hooks.version_created(article, saved.version, saved.commit)
    worker = worker_for(store_path, hooks_path)
    run_until(worker, lambda: not worker.hooks.queue.pending())
    got = sorted((r["path"], json.loads(r["body"])["article"]) for r in receiver.requests)
    assert got == [("/all", "ap-7"), ("/all", "reuters-1"), ("/all", "reuters-2"),
                   ("/ap", "ap-7"), ("/one", "reuters-1")]


@pytest.mark.parametrize(("text", "said"), [
    ("[[subscription]]\nurl = \"http://x\nsecret = 'x'\n", "not valid TOML"),  # line 2 in tomllib's words
    (f"[[subscription]]\nsecret = \"{SECRET}\"\n", "subscription 1 (line 1), url: required"),
    (f"[[subscription]]\nurl = \"ftp://example.org/\"\nsecret = \"{SECRET}\"\n",
     "subscription 1 (line 2), url: must be an absolute http or https URL"),
    (f"[[subscription]]\nurl = \"http://a.example/\"\nsecret = \"{SECRET}\"\n\n[[subscription]]\n"
     "url = \"http://b.example/\"\nsecret = \"short\"\n",
     "subscription 2 (line 7), secret: required, a string of at least 16"),
    (f"[[subscription]]\nurl = \"http://a.example/\"\nsecret = \"{SECRET}\"\narticles = [\"ap/1\"]\n",
     "subscription 1 (line 4), articles: 'ap/1' is not an article id or pattern"),
    (f"[[subscription]]\nurl = \"http://a.example/\"\nsecrt = \"{SECRET}\"\n",
     "subscription 1 (line 3), secrt: unknown field"),
    (f"[[subscription]]\nurl = \"http://a.example/\"\nsecret = \"{SECRET}\"\n[[subscription]]\n"
     f"url = \"http://a.example/\"\nsecret = \"{SECRET}\"\n",
     "subscription 2 (line 5), url: http://a.example/ is already subscription 1"),
    ("hooks = 1\n", "line 1: unknown key 'hooks'"),
])
def test_a_hooks_file_with_a_mistake_is_refused_naming_line_and_field(tmp_path, store_path, text, said):
    with pytest.raises(HooksFileError) as caught:
        parse_subscriptions(text, "hooks.toml")
    assert said in str(caught.value)
    if said == "not valid TOML":
        assert "line 2" in str(caught.value)
    path = tmp_path / "hooks.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(HooksFileError):
        Hooks(store_path, path)
    assert not (store_path / "writethru" / "hooks.sqlite").exists()  # nothing was changed


def test_the_cli_says_a_hooks_file_mistake_in_one_line(tmp_path, store_path, monkeypatch):
    GitStore(store_path).init()
    path = tmp_path / "hooks.toml"
    path.write_text(f"[[subscription]]\nurl = \"gopher://x\"\nsecret = \"{SECRET}\"\n")
    monkeypatch.setenv("WRITETHRU_HOOKS_FILE", str(path))
    result = invoke(store_path, "hooks", "deliver", "--once")
    assert result.exit_code == 1
    assert "hooks.toml, subscription 1 (line 2), url" in result.output
    assert "Traceback" not in result.output


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _app_as_wired(store_path: Path, hooks_path: Path | None):
    """The app as served: its POST queues the webhooks of a new version (api.post_version)."""
    app = create_app({"TESTING": True, "STORE_PATH": store_path, "DURABLE": False,
                      "HOOKS_FILE": str(hooks_path or store_path / "none.toml")})
    return app, app.extensions["hooks"]


def _post(client, article: str, text: str) -> tuple[int, float]:
    started = time.perf_counter()
    status = client.post(f"/api/articles/{article}/versions", data=text,
                         content_type="text/plain").status_code
    return status, time.perf_counter() - started


def test_a_slow_receiver_does_not_slow_the_post(tmp_path, store_path, receiver):
    release = threading.Event()
    receiver.script = [("wait", release)]
    app, hooks = _app_as_wired(store_path, write_hooks(tmp_path / "hooks.toml", {"url": receiver.url()}))
    plain, _ = _app_as_wired(tmp_path / "plain.git", None)
    # A long timeout: had the POST waited for the delivery, it would have waited for the release.
    worker = Worker(hooks, app.extensions["differ"], **{**FAST, "timeout": 60.0}).start()
    try:
        timings = {"with": [], "without": []}
        for k in range(5):
            timings["without"].append(_post(plain.test_client(), "ap-1", f"Version {k}.")[1])
        status, seconds = _post(app.test_client(), "ap-1", "Version 0.")
        assert status == 201
        timings["with"].append(seconds)
        assert receiver.arrived.wait(10)  # the delivery is under way...
        assert not receiver.finished.is_set()  # ...and the POST answered while it was held
        for k in range(1, 5):  # more POSTs while the receiver still holds the first
            status, seconds = _post(app.test_client(), "ap-1", f"Version {k}.")
            assert status == 201
            timings["with"].append(seconds)
        assert not receiver.finished.is_set()
        release.set()
        deadline = time.monotonic() + 20
        while hooks.queue.pending():
            assert time.monotonic() < deadline
            time.sleep(0.05)
    finally:
        worker.stop()
    assert sorted(json.loads(r["body"])["version"] for r in receiver.requests) == [1, 2, 3, 4, 5]
    # Each delivered at its first attempt: none was cut short by a POST waiting on it.
    assert sorted((a.version, a.n, a.status) for a in hooks.queue.attempts()) == \
        [(v, 1, 200) for v in range(1, 6)]
    print("POST ms without a subscription:", [round(t * 1000, 1) for t in timings["without"]],
          "with a held receiver:", [round(t * 1000, 1) for t in timings["with"]])


def test_a_receiver_that_is_down_does_not_fail_the_post(tmp_path, store_path):
    url = f"http://127.0.0.1:{_free_port()}/hook"
    app, hooks = _app_as_wired(store_path, write_hooks(tmp_path / "hooks.toml", {"url": url}))
    assert _post(app.test_client(), "ap-1", "One.")[0] == 201
    worker = Worker(hooks, app.extensions["differ"], **FAST)
    worker.run_once()
    [attempt] = hooks.queue.attempts()
    assert attempt.error == "connection refused" and attempt.next_at is not None


def test_a_queue_that_cannot_be_written_does_not_fail_the_post(tmp_path, store_path, caplog):
    app, _ = _app_as_wired(store_path, None)
    blocked = tmp_path / "blocked"
    blocked.mkdir()
    (blocked / "writethru").write_text("a file where the queue's folder should be")
    broken = Hooks(blocked, write_hooks(tmp_path / "hooks.toml", {"url": "http://127.0.0.1:9/"}))
    app.extensions["hooks"] = broken  # the app's queue, where its folder cannot be made
    assert _post(app.test_client(), "ap-1", "One.")[0] == 201
    assert "could not queue the webhooks of ap-1 v1" in caplog.text
    assert GitStore(store_path).versions("ap-1")[-1].version == 1


@pytest.mark.parametrize("head, drop", [(b"HTTP/1.1 200 OK\r\nX-Slow: ", b"a"),
                                        (b"HTTP/1.1 200 OK\r\nContent-Length: 99999\r\n\r\n", b"x")])
def test_a_trickling_receiver_is_cut_at_the_deadline(head, drop):
    assert deliver.LIMIT < worker.LEASE  # no attempt outlives the lease of its delivery
    listener, stop, said = socket.create_server(("127.0.0.1", 0)), threading.Event(), []

    def drip():  # a byte every 0.2 s: never the 0.5 s read timeout, never a whole answer
        conn, _ = listener.accept()
        with conn:
            conn.recv(65536)
            conn.sendall(head)
            while not stop.wait(0.2):
                try:
                    conn.sendall(drop)
                except OSError:
                    return
    threading.Thread(target=drip, daemon=True).start()
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/hook"
    sender = threading.Thread(target=lambda: said.append(deliver.post(
        url, b"{}", SECRET, "d-1", "version.created", timeout=0.5, limit=1.0)), daemon=True)
    sender.start()
    sender.join(20)
    stop.set()
    listener.close()
    assert said, "post() is still reading the trickle"
    assert said[0].status is None and not said[0].delivered
    assert said[0].error.startswith("timed out"), said[0]


def test_the_queue_syncs_fully_and_a_failed_attempt_start_holds_no_lock(tmp_path):
    queue = Queue(tmp_path / "hooks.sqlite", busy_ms=200)
    queue.enqueue([("http://127.0.0.1:9/", "sub", "ap-1", 1, "c" * 40)])
    with queue._db() as db:
        assert db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL: a 201 is durable
    ghost = Claimed("no-such-delivery", "http://127.0.0.1:9/", "ap-1", 1, "c" * 40,
                    "version.created", None, 0)
    with pytest.raises(TypeError):  # not a sqlite error: the row is missing
        queue.start_attempt(ghost)
    # Another process's connection can still write, and this one can begin anew.
    other = Queue(tmp_path / "hooks.sqlite", busy_ms=200)
    other.enqueue([("http://127.0.0.1:9/", "sub", "ap-2", 1, "d" * 40)])
    claimed = queue.claim("me", 60, limit=1)
    assert [c.article for c in claimed] == ["ap-1"] and queue.start_attempt(claimed[0]) == 1
