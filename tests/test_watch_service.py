"""`writethru watch` as a long-running process: bounded run, SIGTERM, nothing half-saved."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from watch_site.site import NewsSite, Story

from service.store import GitStore

ROOT = Path(__file__).resolve().parent.parent
TEXT = ["The lifeboat crew was called out twice on Sunday, first to a yacht with a fouled "
        "propeller off the point and then to a walker cut off by the tide.",
        "Nobody was hurt, the coxswain said, and both were back on the quay before dark."]


def test_a_running_watch_stops_cleanly_on_sigterm(tmp_path):
    site = NewsSite(stories={"lifeboat": Story("Lifeboat called out twice", list(TEXT))},
                    feeds={"/feed.xml": ["/news/lifeboat"]})
    site.start()
    store_path = tmp_path / "store.git"
    (tmp_path / "watch.toml").write_text(
        f'[watch]\ncontact = "tests@example.org"\ninterval = 0.2\nhost_delay = 0\n'
        'allow_private_hosts = true\n'  # the fixture site is on 127.0.0.1
        f'[[feed]]\nurl = "{site.base}/feed.xml"\n', encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, "-m", "service.cli.watch", "--config", str(tmp_path / "watch.toml"),
         "--store", str(store_path)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, env={**os.environ, "WRITETHRU_DURABLE": "0"})
    try:
        store = GitStore(store_path)
        # Bounded: the story changes after each version the watcher saves, three times.
        for edit in range(3):
            for _ in range(300):
                if store.exists() and store.head("127.0.0.1-news-lifeboat") and len(
                        store.versions("127.0.0.1-news-lifeboat")) == edit + 1:
                    break
                time.sleep(0.05)
            site.stories["lifeboat"].paragraphs.append(f"Update {edit + 1}: the crew is home.")
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
        site.stop()
    assert process.returncode == 0, err
    assert "watch: SIGTERM, stopping after the current page" in err
    assert "watch: stopped cleanly" in out
    versions = GitStore(store_path).history("127.0.0.1-news-lifeboat")
    assert len(versions) >= 3
    # Nothing half-saved: every version reads whole, and the chain is sound.
    assert all(v.paragraphs[:2] == TEXT for v in versions)
    assert GitStore(store_path).fsck().whole
    assert not list((store_path / "refs" / "articles").glob("*.lock"))
