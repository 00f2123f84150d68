"""A server killed with SIGKILL mid-burst keeps every version it acknowledged, and restarts clean."""

from __future__ import annotations

import subprocess
import threading
import time

import pytest
import requests

pytestmark = pytest.mark.slow


def test_sigkill_mid_burst_keeps_acknowledged_versions(server_factory, tmp_path):
    store = tmp_path / "store.git"
    server = server_factory(store, workers=2)
    acked: dict[str, list[tuple[int, str]]] = {}
    stop = threading.Event()

    def burst(article: str) -> None:
        with requests.Session() as session:
            i = 0
            while not stop.is_set():
                text = f"Version {i} of {article}.\n\nWith a second paragraph {i}.\n"
                try:
                    resp = session.post(f"{server.url}/api/articles/{article}/versions",
                                        data=text.encode(), timeout=10,
                                        headers={"Content-Type": "text/plain"})
                except requests.RequestException:
                    return  # the server is gone
                if resp.status_code == 201:
                    acked.setdefault(article, []).append((resp.json()["version"], text))
                i += 1

    writers = [threading.Thread(target=burst, args=(a,)) for a in ("alpha", "alpha", "beta")]
    for w in writers:
        w.start()
    deadline = time.monotonic() + 30
    while sum(map(len, acked.values())) < 40 and time.monotonic() < deadline:
        time.sleep(0.01)
    server.kill()
    stop.set()
    for w in writers:
        w.join(timeout=30)
    assert sum(map(len, acked.values())) >= 40

    fsck = subprocess.run(["git", "--git-dir", str(store), "fsck", "--strict"],
                          capture_output=True, text=True)
    assert fsck.returncode == 0, fsck.stderr

    restarted = server_factory(store, workers=2)
    for article, versions in acked.items():
        for number, text in versions:
            resp = requests.get(f"{restarted.url}/api/articles/{article}/versions/{number}",
                                timeout=10)
            assert resp.status_code == 200
            assert resp.json()["text"] == text
        # A new post goes through at once: no lock left behind by the killed process blocks it.
        resp = requests.post(f"{restarted.url}/api/articles/{article}/versions",
                             data=b"After the crash.\n", headers={"Content-Type": "text/plain"},
                             timeout=10)
        assert resp.status_code == 201, resp.text
