"""Shared fixtures: a store in a fresh temporary folder, and the app and a client on it."""

from __future__ import annotations

import pytest

from service import create_app
from service.store import GitStore


@pytest.fixture
def store_path(tmp_path):
    """Return where the test's bare repository lives (created on first write)."""
    return tmp_path / "store.git"


@pytest.fixture
def store(store_path):
    """Return a GitStore on store_path, durable as in production."""
    return GitStore(store_path)


@pytest.fixture
def app(store_path):
    """Return the app on store_path (without fsync: the crash tests run the real server)."""
    return create_app({"TESTING": True, "STORE_PATH": store_path, "DURABLE": False})


@pytest.fixture
def client(app):
    """Return Flask's test client of the app."""
    return app.test_client()
