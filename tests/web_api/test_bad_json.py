"""JSON of any shape gets a 400 or 422 problem document, never a 500, and changes nothing.

Inputs tried: 100,000 nested arrays and objects (json.loads' RecursionError), nesting just past
the depth limit, a lone surrogate escape in every field of the JSON format and in ninjs fields
and keys, duplicate keys (top level and nested), NaN and Infinity, an integer of 5,000 digits
(past Python's digit limit), a float that overflows to infinity; and, as controls, a proper
surrogate pair (an emoji) and nesting within the limit, which are accepted.
"""

from __future__ import annotations

import json

import pytest

from service.ingest.payload import JSON_FIELDS, MAX_JSON_DEPTH

from .conftest import snapshot

URL = "/api/articles/story/versions"
JSON = "application/json"
NINJS = {"uri": "urn:x", "bodies": [{"role": "main", "contentType": "text/plain", "value": "Text."}]}
LONE = "\\ud800"  # as it stands in the JSON text: an escape of half a surrogate pair
NEST = MAX_JSON_DEPTH - 4  # the document, places, a place and geoJSON are the first four levels


def with_field(name: str, raw: str) -> bytes:
    """A JSON-format document with one field holding the raw JSON text given."""
    fields = {"body": '"Text of the story."', name: raw}
    return ("{" + ", ".join(f'"{k}": {v}' for k, v in fields.items()) + "}").encode()


CASES = [
    # (name, body, content type, status)
    ("100k nested arrays", b'{"body": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", JSON, 400),
    ("100k nested objects", b'{"a":' * 100_000 + b"1" + b"}" * 100_000, JSON, 400),
    ("nesting past the limit in ninjs",
     json.dumps({**NINJS, "x-ext": json.loads("[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH)}).encode(),
     JSON, 400),
    *[(f"lone surrogate in {name}", with_field(name, f'"a{LONE}b"'), JSON, 400)
      for name in JSON_FIELDS if name != "body_html"],
    ("lone surrogate in body_html", b'{"body_html": "<p>a' + LONE.encode() + b'</p>"}', JSON, 400),
    ("lone low surrogate", with_field("headline", '"\\udc00"'), JSON, 400),
    ("lone surrogate in a key", b'{"body": "x", "' + LONE.encode() + b'": "y"}', JSON, 400),
    ("lone surrogate in ninjs body",
     json.dumps({**NINJS, "bodies": [{"role": "main", "value": "Te\ud800xt"}]}).encode(), JSON, 400),
    ("lone surrogate in ninjs headline",
     json.dumps({**NINJS, "headlines": [{"value": "\udfff"}]}).encode(), JSON, 400),
    ("lone surrogate in ninjs uri", json.dumps({**NINJS, "uri": "urn:\ud800"}).encode(), JSON, 400),
    ("lone surrogate as ninjs+json", json.dumps({**NINJS, "by": "\ud800"}).encode(),
     "application/ninjs+json", 400),
    ("duplicate key", b'{"body": "a", "body": "b"}', JSON, 400),
    ("duplicate nested key in ninjs",
     b'{"uri": "urn:x", "bodies": [{"value": "a", "value": "b"}]}', JSON, 400),
    ("NaN", b'{"body": "x", "headline": NaN}', JSON, 400),
    ("Infinity", b'{"body": "x", "headline": -Infinity}', JSON, 400),
    ("5,000-digit integer", with_field("headline", "9" * 5000), JSON, 400),
    ("5,000-digit integer in ninjs", json.dumps(NINJS)[:-1].encode() + b', "priority": '
     + b"9" * 5000 + b"}", JSON, 400),
    ("float overflowing to infinity", with_field("headline", "1e999"), JSON, 422),
]


@pytest.mark.parametrize(("name", "body", "ctype", "status"), CASES, ids=[c[0] for c in CASES])
def test_bad_json_is_a_problem_never_a_500(client, store_path, name, body, ctype, status):
    before = snapshot(store_path)
    resp = client.post(URL, data=body, content_type=ctype)
    assert resp.status_code == status, resp.get_data(as_text=True)[:300]
    problem = resp.get_json()
    assert resp.mimetype == "application/problem+json"
    assert problem["status"] == status and problem["detail"]
    assert len(problem["detail"]) < 500 and len(problem.get("field") or "") <= 200
    assert snapshot(store_path) == before


@pytest.mark.parametrize(("name", "body"), [
    ("surrogate pair", b'{"body": "Smile \\ud83d\\ude00."}'),
    # ninjs places[].geoJSON takes any object: lists in it reach exactly MAX_JSON_DEPTH levels.
    ("nesting at the limit", json.dumps({**NINJS, "places": [{"name": "x", "geoJSON": {
        "type": "Polygon", "coordinates": json.loads("[" * NEST + "]" * NEST)}}]}).encode()),
])
def test_good_json_near_the_edges_is_taken(client, name, body):
    resp = client.post(URL, data=body, content_type=JSON)
    assert resp.status_code == 201, resp.get_json()
    text = client.get("/api/articles/story/versions/1").get_json()["text"]
    assert text == ("Smile 😀.\n" if name == "surrogate pair" else "Text.\n")
