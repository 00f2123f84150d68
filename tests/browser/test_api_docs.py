"""The API reference page (static/api.html) in Chromium: it renders the OpenAPI document, CSP-clean."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from service.web.openapi import document

pytestmark = pytest.mark.browser


def test_reference_page_renders_every_operation_and_schema(page, live_server):
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    doc = document()
    operations = sum(len(item) for item in doc["paths"].values())

    page.goto(f"{live_server}/static/api.html#op-getDiff")
    expect(page.locator(".apidoc-op")).to_have_count(operations)
    expect(page.locator(".apidoc-schema")).to_have_count(len(doc["components"]["schemas"]))
    expect(page.locator("#apidoc-title")).to_have_text(f"writethru HTTP API {doc['info']['version']}")
    # The operation named in the address is open, with its parameters listed.
    diff = page.locator("#op-getDiff")
    expect(diff).to_have_attribute("open", "")
    expect(diff.locator("tbody code").filter(has_text="ignore")).to_have_count(1)
    # A schema link leads to the schema's section.
    diff.get_by_role("link", name="Diff", exact=True).click()
    assert page.evaluate("location.hash") == "#schema-Diff"
    assert problems == []
