"""Schemathesis hooks for test_openapi: read an application/x-ndjson answer for validation.

The document describes a JSON Lines answer as an array of its records (one a line); this reads
every line, so each record is checked against the schema, an empty answer included.
"""

from __future__ import annotations

import json

import schemathesis


@schemathesis.deserializer("application/x-ndjson")
def json_lines(ctx, response):
    """Return the records of a JSON Lines body as a list."""
    text = response.content.decode(response.encoding or "utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]

