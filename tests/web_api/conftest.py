"""Fixtures for the HTTP tests: the app on a temporary store, and the real server on a loopback port."""

from __future__ import annotations

import hashlib
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from service.store import GitStore

ROOT = Path(__file__).resolve().parents[2]
SEED_DIR = ROOT / "seeds" / "ap-troops-eastern-europe"


def seed_texts() -> list[bytes]:
    """Return the demo article's versions, oldest first."""
    return [p.read_bytes() for p in sorted(SEED_DIR.glob("*.txt"))]


def snapshot(path: Path) -> str:
    """Hash every file under the store, so a test can tell that nothing changed."""
    digest = hashlib.sha256()
    if not path.exists():
        return "absent"
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        digest.update(str(file.relative_to(path)).encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()


@pytest.fixture
def seeded(client):
    """The demo article posted as two versions."""
    for body in seed_texts():
        resp = client.post("/api/articles/ap-troops-eastern-europe/versions", data=body,
                           content_type="text/plain; charset=utf-8")
        assert resp.status_code == 201, resp.get_json()
    return client


class Server:
    """gunicorn serving the real app from a subprocess, on a port the kernel picked."""

    def __init__(self, store: Path, workers: int = 2, env: dict | None = None):
        self.store, self.workers, self.extra_env = store, workers, env or {}
        self.proc: subprocess.Popen | None = None
        self.url = ""

    def start(self) -> Server:
        # A deployment's store exists before its server answers healthy (`writethru serve`
        # creates it); /healthz is 503 for a missing one.
        GitStore(self.store).init()
        env = {**os.environ, "WRITETHRU_STORE": str(self.store), **self.extra_env}
        gunicorn = Path(sys.executable).with_name("gunicorn")
        self.proc = subprocess.Popen(
            [str(gunicorn), "--bind", "127.0.0.1:0", "--workers", str(self.workers),
             "--graceful-timeout", "2", "service:create_app()"],
            cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True, start_new_session=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            line = self.proc.stderr.readline()
            if not line and self.proc.poll() is not None:
                raise RuntimeError("gunicorn exited before it listened")
            found = re.search(r"Listening at: (http://127\.0\.0\.1:\d+)", line)
            if found:
                self.url = found.group(1)
                break
        else:
            raise RuntimeError("gunicorn did not listen within 30 s")
        # Drain stderr in the background so a chatty worker never blocks on a full pipe.
        import threading

        threading.Thread(target=self.proc.stderr.read, daemon=True).start()
        while time.monotonic() < deadline:
            try:
                if requests.get(self.url + "/healthz", timeout=10).status_code == 200:
                    return self
            except (requests.ConnectionError, requests.Timeout):
                time.sleep(0.05)
        raise RuntimeError("the server never answered /healthz")

    def kill(self) -> None:
        """SIGKILL the master and every worker at once: a crash, not a shutdown."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def server_factory(tmp_path):
    servers: list[Server] = []

    def start(store: Path | None = None, **kwargs) -> Server:
        server = Server(store or tmp_path / "store.git", **kwargs).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
