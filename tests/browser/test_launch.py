"""A missing Chromium fails the browser tests with a clear message; it never skips them."""

from __future__ import annotations

import pytest

from . import conftest


@pytest.mark.parametrize("ci", ["true", None])
def test_missing_chromium_fails_with_instructions(monkeypatch, tmp_path, ci):
    monkeypatch.setattr(conftest, "CHROMIUM", tmp_path / "no-chromium-here")
    if ci:
        monkeypatch.setenv("CI", ci)
    else:
        monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.fail.Exception) as failed:
        conftest.require_chromium()
    message = str(failed.value)
    assert "ensure-chromium" in message and "apt-get install chromium" in message
    assert ("in CI" in message) == bool(ci)


def test_chromium_is_launched_with_the_agreed_flags(browser_type_launch_args):
    assert browser_type_launch_args["executable_path"] == "/usr/bin/chromium"
    assert browser_type_launch_args["args"] == [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
