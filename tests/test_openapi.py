"""The OpenAPI document: it validates, matches the app's routes, and schemathesis finds it true.

The schemathesis run drives the real app over a loopback socket with a bounded number of generated
cases and a fixed seed; it fails on any 5xx and on any answer the document does not describe.
"""

import copy
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError
from servers import serving_in_thread

from service import create_app
from service.web.openapi import document

TOKEN = "a-token-for-schemathesis"
AUTH = {"Authorization": f"Bearer {TOKEN}"}

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "ap-troops-eastern-europe"
ARTICLE = "ap-troops-eastern-europe"
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
# Flask routes that are pages for people, not part of the API document.
PAGES = {"/", "/articles/<article_id>", "/articles/<article_id>/compare",
         "/articles/<article_id>/compare/<spec>", "/articles/<article_id>/versions/<n>",
         "/articles/<article_id>/compare/<spec>/card.<any(png, svg):ext>",
         "/search", "/static/<path:filename>"}


def test_document_validates_as_openapi_3_1():
    doc = document()
    assert doc["openapi"].startswith("3.1")
    validate(doc)


@pytest.mark.parametrize("breakage", [
    lambda d: d.pop("info"),
    lambda d: d["paths"]["/healthz"]["get"]["responses"]["200"].pop("description"),
    lambda d: d["paths"]["/api/articles/{article_id}"]["get"]["parameters"][0].pop("in"),
    lambda d: d["paths"]["/api/articles"]["get"]["parameters"][0].update({"in": "body"}),
])
def test_validation_catches_a_broken_document(breakage):
    doc = copy.deepcopy(document())
    breakage(doc)
    with pytest.raises(OpenAPIValidationError):
        validate(doc)


def _openapi_path(rule: str) -> str:
    for kind in ("anytext:", "path:", ""):
        rule = rule.replace(f"<{kind}article_id>", "{article_id}")
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule)


def test_document_lists_exactly_the_app_endpoints(tmp_path):
    app = create_app({"STORE_PATH": tmp_path / "s.git", "TESTING": True})
    routes = {}
    for rule in app.url_map.iter_rules():
        if rule.rule in PAGES:
            continue
        methods = {m.lower() for m in rule.methods} - {"head", "options"}
        routes.setdefault(_openapi_path(rule.rule), set()).update(methods)
    documented = {path: set(item) for path, item in document()["paths"].items()}
    assert documented == routes


def test_served_document_is_the_document(tmp_path):
    client = create_app({"STORE_PATH": tmp_path / "s.git", "TESTING": True}).test_client()
    resp = client.get("/api/openapi.json")
    assert resp.status_code == 200
    assert resp.get_json() == document()


def test_every_problem_type_the_api_uses_is_documented():
    from service.web.problems import DOMAIN_ERRORS, PROBLEM_TYPES

    described = document()["components"]["schemas"]["Problem"]["properties"]["type"]["description"]
    for slug in [*PROBLEM_TYPES, *(slug for _kind, slug in DOMAIN_ERRORS)]:
        assert slug in described


def test_people_page_is_self_contained_and_fits_the_csp(tmp_path):
    client = create_app({"STORE_PATH": tmp_path / "s.git", "TESTING": True}).test_client()
    page = client.get("/static/api.html")
    assert page.status_code == 200
    soup = BeautifulSoup(page.data, "html.parser")
    scripts = soup.find_all("script")
    assert scripts and all(s.get("src") and not s.string for s in scripts)
    assert not soup.find_all("style") and not soup.select("[style]")
    assets = [s["src"] for s in scripts] + [x["href"] for x in soup.find_all("link")]
    for asset in assets:
        assert "//" not in asset  # served here, no CDN
        assert client.get(f"/static/{asset}").status_code == 200
    assert soup.find(id="apidoc")["data-spec"] == "/api/openapi.json"
    script = (ROOT / "static" / "api-docs.js").read_text()
    assert "innerHTML" not in script  # text only: descriptions can never inject markup


@pytest.fixture
def live_server(tmp_path):
    """The real app on a loopback port, in a thread, with the demo article in its store."""
    app = create_app({"STORE_PATH": tmp_path / "store.git", "TESTING": False, "DURABLE": False,
                      "TOKEN": TOKEN})
    client = app.test_client()
    for path in sorted(SEED.glob("*.txt")):
        assert client.post(f"/api/articles/{ARTICLE}/versions", data=path.read_bytes(),
                           content_type="text/plain", headers=AUTH).status_code == 201
    with serving_in_thread(app) as base:
        yield base


@pytest.mark.slow
def test_schemathesis_finds_no_server_error_and_no_undocumented_answer(live_server, tmp_path):
    checks = ["not_a_server_error", "status_code_conformance", "content_type_conformance",
              "response_headers_conformance", "response_schema_conformance"]
    done = subprocess.run(
        [str(SCHEMATHESIS), "run", f"{live_server}/api/openapi.json",
         "--header", f"Authorization: Bearer {TOKEN}",
         "--checks", ",".join(checks),
         "--phases", "examples,coverage,fuzzing",
         # Bounded by cases, not time: --max-time would make fuzzing repeat until it is spent.
         "--max-examples", "50", "--seed", "20220202", "--workers", "1",
         "--generation-database", "none",
         "--request-timeout", "10", "--no-color", "--output-truncate", "false"],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
        # JSON Lines answers (/api/export) are read by a deserializer of ours.
        env={**os.environ, "SCHEMATHESIS_HOOKS": "schemathesis_hooks",
             "PYTHONPATH": str(Path(__file__).parent)})
    report = done.stdout + done.stderr
    assert done.returncode == 0, report
    assert "No issues found" in report, report


def test_diff_answers_with_metadata_and_typography_fit_the_diff_schema(tmp_path):
    import json

    from jsonschema import Draft202012Validator

    client = create_app({"STORE_PATH": tmp_path / "s.git", "TESTING": True}).test_client()
    for path in sorted(SEED.glob("*.txt")):
        client.post(f"/api/articles/{ARTICLE}/versions", data=path.read_bytes(),
                    content_type="text/plain")
    for meta in ({"headline": "Biden orders troops to Poland", "byline": "By Lolita C. Baldor"},
                 {"headline": "Biden’s troops head to Poland", "label": "2nd Ld-Writethru",
                  "editor_note": "Eds: UPDATES with Russian reaction.",
                  "updated_at": "2022-02-02T16:40:00Z"}):
        assert client.post("/api/articles/meta/versions", content_type="application/json",
                           data=json.dumps({"body": "Same text.", **meta})).status_code == 201
    validator = Draft202012Validator({"$ref": "#/components/schemas/Diff",
                                      "components": document()["components"]})
    answers = [client.get(f"/api/articles/{ARTICLE}/diff").get_json(),
               client.get("/api/articles/meta/diff").get_json(),
               client.get("/api/articles/meta/diff?from=0").get_json()]
    for body in answers:
        validator.validate(body)
    assert answers[0]["stats"]["typography_only"] == 1
    assert [c["field"] for c in answers[1]["meta"]] == [
        "headline", "byline", "label", "editor_note", "updated_at"]
