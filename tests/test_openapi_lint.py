"""Redocly CLI's recommended rules pass on the served OpenAPI document, errors and warnings alike.

Redocly is installed into .cache/openapi-lint by `bash scripts/ensure-openapi-lint` (which
`make test` runs). When it is missing these tests fail, never skip, as the browser tests do.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
from pathlib import Path

import pytest

from service import create_app

ROOT = Path(__file__).resolve().parent.parent
REDOCLY = ROOT / ".cache" / "openapi-lint" / "node_modules" / ".bin" / "redocly"

pytestmark = pytest.mark.slow


def _served(tmp_path) -> dict:
    client = create_app({"STORE_PATH": tmp_path / "s.git", "TESTING": True}).test_client()
    resp = client.get("/api/openapi.json")
    assert resp.status_code == 200
    return resp.get_json()


def _lint(doc: dict, tmp_path) -> tuple[int, list[dict]]:
    """Return Redocly's exit status and its problems (rule, severity, message, where)."""
    if not REDOCLY.exists():
        where = "in CI (CI=true)" if os.environ.get("CI") == "true" else "on this machine"
        pytest.fail(f"Redocly CLI is missing {where}: run `bash scripts/ensure-openapi-lint` "
                    "(make test does).")
    path = tmp_path / "openapi.json"
    path.write_text(json.dumps(doc))
    env = {**os.environ, "REDOCLY_TELEMETRY": "off", "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true",
           "NO_COLOR": "1"}
    # --extends recommended: the built-in ruleset, whatever config file may lie around.
    done = subprocess.run([str(REDOCLY), "lint", str(path), "--extends", "recommended",
                           "--format", "json"],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path, env=env)
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"Redocly gave no JSON report:\n{done.stdout}\n{done.stderr}")
    return done.returncode, [
        {"rule": p["ruleId"], "severity": p["severity"], "message": p["message"],
         "where": [loc.get("pointer") for loc in p.get("location", [])]}
        for p in report["problems"]]


def test_recommended_rules_pass_with_no_error_and_no_warning(tmp_path):
    status, problems = _lint(_served(tmp_path), tmp_path)
    assert problems == []
    assert status == 0


@pytest.mark.parametrize(("breakage", "rule"), [
    # An open read that does not say it is open (what generators and Redocly stumbled on).
    (lambda d: d["paths"]["/healthz"]["get"].pop("security"), "security-defined"),
    (lambda d: d["tags"][0].pop("description"), "tag-description"),
    (lambda d: d["paths"]["/healthz"]["get"]["responses"].pop("4XX"), "operation-4xx-response"),
    (lambda d: d["paths"]["/api/articles"]["get"].pop("operationId"), "operation-operationId"),
])
def test_the_lint_catches_a_broken_document(tmp_path, breakage, rule):
    doc = copy.deepcopy(_served(tmp_path))
    breakage(doc)
    _status, problems = _lint(doc, tmp_path)
    assert rule in {p["rule"] for p in problems}, problems
