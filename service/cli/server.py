"""gunicorn for `writethru serve`: its settings, and its own errors answered as problem documents.

gunicorn answers requests it cannot parse (a request line over `limit_request_line`: 414, a
header over `limit_request_field_size`: 431, a malformed line: 400) before the app sees them,
as a small HTML page. Its workers write that page with `gunicorn.util.write_error`, from the
worker's `handle_error`, which picks the status and message; this worker class swaps in a writer
of the same signature that answers application/problem+json instead, so API clients parse
every refusal the same way.
"""

from __future__ import annotations

import json

from flask import Flask
from gunicorn import util
from gunicorn.app.base import BaseApplication
from gunicorn.workers.gthread import ThreadWorker

from ..web.problems import PROBLEM_JSON, Problem

# Said where gunicorn's own message is only an exception's text.
_DETAILS = {
    414: "The request's address is longer than the server accepts; shorten the URL.",
    431: "A request header (or all of them together) is larger than the server accepts.",
}


def problem_bytes(status: int, reason: str, message: str) -> bytes:
    """Return a whole HTTP/1.1 answer carrying the problem document for a gunicorn refusal."""
    detail = _DETAILS.get(status) or message or "The server could not handle the request."
    body = json.dumps(Problem("http-error", detail, status=status, title=reason).body()).encode()
    head = (f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\n"
            f"Content-Type: {PROBLEM_JSON}\r\nX-Content-Type-Options: nosniff\r\n"
            f"Content-Length: {len(body)}\r\n\r\n")
    return head.encode("latin-1") + body


def write_problem(sock, status_int: int, reason: str, mesg: str) -> None:
    """Write gunicorn's refusal as a problem document (gunicorn.util.write_error's signature)."""
    util.write_nonblock(sock, problem_bytes(status_int, reason, mesg))


class ProblemWorker(ThreadWorker):
    """gunicorn's threaded worker, answering its own parse errors as problem documents."""

    def init_process(self):
        """Swap in the problem writer in this worker process only, then run as gthread does."""
        # handle_error (gunicorn/workers/base.py) calls util.write_error and nothing else does;
        # replacing it keeps gunicorn's choice of status and message, whatever its version.
        util.write_error = write_problem
        super().init_process()


def with_delivery(app: Flask, options: dict) -> dict:
    """Return gunicorn options that start each worker's background threads after the fork.

    Webhook delivery, a thread per worker rather than a process to supervise: it shares the
    worker's Differ (the diff a save just recorded is usually in its cache), wakes at once on a
    save in its own process, and dies with its worker; the queue's leases hand a dead worker's
    deliveries to another. And the search index's catch-up, in one worker only (a flock), so
    after an import or a deploy the first searches find every story.
    """
    from ..hooks import Worker
    from ..web.search import search_index

    def start(server, worker) -> None:
        if not app.config["READ_ONLY"]:
            app.extensions["hook_worker"] = Worker(app.extensions["hooks"],
                                                   app.extensions["differ"]).start()
        with app.app_context():
            search_index().catch_up_in_background(exclusive=True)

    def stop(server, worker) -> None:
        running = app.extensions.get("hook_worker")
        if running is not None:
            running.stop(timeout=2.0)

    return {**options, "post_fork": start, "worker_exit": stop}


def run(app: Flask, options: dict) -> None:
    """Serve app under gunicorn with these settings (those this gunicorn lacks are skipped)."""

    class Server(BaseApplication):
        def load_config(self):
            for key, value in options.items():
                if key in self.cfg.settings:  # older gunicorn lacks some settings
                    self.cfg.set(key, value)

        def load(self):
            return app

    Server().run()
