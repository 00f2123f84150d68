"""A delivery worker killed (SIGKILL) mid-retry: a new worker process delivers once its lease ends.

Both workers are real processes (`python -c` calling service.hooks.worker.main) on the same
queue file; the receiver is a real HTTP server in the test.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time

import pytest
from test_hooks import Receiver, save, write_hooks

from service.hooks import Hooks
from service.store import GitStore

pytestmark = pytest.mark.slow

LEASE = 4.0
WORKER = ("import sys; from service.hooks.worker import main; "
          f"main(sys.argv[1], hooks_path=sys.argv[2], lease={LEASE!r}, poll=0.05, first_delay=0.05, "
          "max_delay=0.1, timeout=60.0)")


def _start(store_path, hooks_path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", WORKER, str(store_path), str(hooks_path)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _wait(what, limit: float = 30.0) -> None:
    deadline = time.monotonic() + limit
    while not what():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.02)


def test_a_worker_killed_mid_retry_leaves_the_delivery_to_the_next(tmp_path, store_path):
    receiver = Receiver()
    hold = threading.Event()
    receiver.script = [500, ("wait", hold)]  # attempt 1 fails; attempt 2 is held until the kill
    store = GitStore(store_path)
    saved = save(store, "ap-1", "One.")
    hooks_path = write_hooks(tmp_path / "hooks.toml", {"url": receiver.url()})
    hooks = Hooks(store_path, hooks_path)
    [delivery] = hooks.version_created("ap-1", 1, saved.commit)
    first = _start(store_path, hooks_path)
    second = None
    try:
        _wait(lambda: len(receiver.requests) == 2)  # attempt 2 in flight: its lease is held
        os.kill(first.pid, signal.SIGKILL)
        first.wait(10)
        # While the dead worker's lease runs, nobody else may take the delivery.
        assert hooks.queue.claim("someone-else", 1.0) == []
        hold.set()
        receiver.script = []  # from now on: 200
        second = _start(store_path, hooks_path)
        try:
            _wait(lambda: not hooks.queue.pending())
        finally:
            second.send_signal(signal.SIGTERM)  # stops cleanly
            assert second.wait(15) == 0, second.stderr.read() if second.stderr else ""
    finally:
        if first.poll() is None:
            first.kill()
        first.wait(10)
        for proc in (first, second):
            if proc is not None and proc.stdout and proc.stderr:
                proc.stdout.close()
                proc.stderr.close()
        receiver.close()
    assert [r["headers"]["X-Writethru-Delivery"] for r in receiver.requests] == [delivery] * 3
    assert len({r["body"] for r in receiver.requests}) == 1  # the kept payload, resent as it was
    assert json.loads(receiver.requests[-1]["body"])["article"] == "ap-1"
    attempts = hooks.queue.attempts()
    assert [(a.n, a.status, a.finished_at is None) for a in attempts] == \
        [(3, 200, False), (2, None, True), (1, 500, False)]
