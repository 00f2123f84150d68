"""Shared fixtures: a store in a fresh temporary folder."""

from __future__ import annotations

import pytest

from service.store import GitStore


@pytest.fixture
def store(tmp_path):
    """Return a GitStore whose bare repository lives in tmp_path (created on first write)."""
    return GitStore(tmp_path / "store.git")
