"""ninjs out: GET a version with `Accept: application/ninjs+json`, validated against IPTC's 3.1."""

from __future__ import annotations

import json

import pytest

from service.ingest.ninjs_schema import validator

URL = "/api/articles/troops/versions"
SUBJECT = {"name": "Armed forces", "rel": "about",
           "uri": "http://cv.iptc.org/newscodes/mediatopic/16009000"}


def ninjs3(**extra) -> dict:
    """Return a ninjs 3.1 story with every field writethru keeps."""
    doc = {
        "uri": "urn:example:ap:troops", "type": "text", "version": "2",
        "firstCreated": "2022-02-02T12:00:00Z", "versionCreated": "2022-02-02T14:05:00Z",
        "pubStatus": "usable", "urgency": 3, "language": "en", "slugline": "US-Troops",
        "edNote": "Eds: UPDATES with details.",
        "headlines": [{"role": "main", "value": "Biden orders 3,000 troops to Eastern Europe"}],
        "by": "By ROBERT BURNS",
        "subjects": [{**SUBJECT, "confidence": 80}],
        "places": [{"name": "Poland", "uri": "http://sws.geonames.org/798544/"}],
        "people": [{"name": "Joe Biden", "rel": "about"}],
        "bodies": [
            {"role": "summary", "contentType": "text/plain", "value": "Troops go east."},
            {"role": "main", "contentType": "text/html",
             "value": "<p>WASHINGTON (AP) — One.</p><p>Two &amp; three.</p>"},
        ],
    }
    doc.update(extra)
    return doc


def _post(client, doc, article="troops"):
    return client.post(f"/api/articles/{article}/versions", data=json.dumps(doc),
                       content_type="application/ninjs+json")


def _get(client, article="troops", n="1", **headers):
    return client.get(f"/api/articles/{article}/versions/{n}",
                      headers={"Accept": "application/ninjs+json", **headers})


def _errors(doc):
    return [f"{e.json_path}: {e.message}" for e in validator(3).iter_errors(doc)]


def test_round_trip_ninjs3(client):
    sent = ninjs3()
    assert _post(client, sent).status_code == 201
    resp = _get(client)
    assert resp.status_code == 200
    assert resp.mimetype == "application/ninjs+json"
    assert "Accept" in resp.headers["Vary"]
    doc = json.loads(resp.data)
    assert _errors(doc) == []
    for key in ("uri", "type", "firstCreated", "versionCreated", "pubStatus", "urgency",
                "language", "slugline", "edNote", "by", "places", "people"):
        assert doc[key] == sent[key], key
    assert doc["headlines"] == [{**sent["headlines"][0], "contentType": "text/plain"}]
    assert doc["subjects"] == [SUBJECT]  # the classifier's confidence is not kept
    assert doc["version"] == "2"  # the publisher's version of the item, as sent
    assert doc["bodies"] == [{"role": "main", "contentType": "text/plain",
                              "value": "WASHINGTON (AP) — One.\n\nTwo & three."}]
    # And back in: the same story, so no new version.
    again = _post(client, doc)
    assert (again.status_code, again.get_json()["version"]) == (200, 1)


def test_text_version_as_ninjs_gets_a_uri_and_validates(client):
    resp = client.post("/api/articles/plain/versions", data=b"One.\n\nTwo.\n",
                       content_type="text/plain")
    assert resp.status_code == 201
    doc = json.loads(_get(client, "plain", "latest").data)
    assert _errors(doc) == []
    assert doc["uri"] == "urn:writethru:article:plain"
    assert doc["bodies"][0]["value"] == "One.\n\nTwo."
    assert doc["version"] == "1"  # no publisher's version: writethru's number
    assert "headlines" not in doc and "pubStatus" not in doc


def test_ninjs_and_json_have_their_own_etags_and_both_revalidate(client):
    assert _post(client, ninjs3()).status_code == 201
    as_ninjs = _get(client)
    as_json = client.get(f"{URL}/1")
    assert as_json.mimetype == "application/json" and "Accept" in as_json.headers["Vary"]
    assert as_ninjs.headers["ETag"] != as_json.headers["ETag"]
    again = _get(client, **{"If-None-Match": as_ninjs.headers["ETag"]})
    assert again.status_code == 304 and "Accept" in again.headers["Vary"]
    # The JSON tag does not stand for the ninjs answer, nor the other way round.
    assert _get(client, **{"If-None-Match": as_json.headers["ETag"]}).status_code == 200
    crossed = client.get(f"{URL}/1", headers={"If-None-Match": as_ninjs.headers["ETag"]})
    assert crossed.status_code == 200 and crossed.mimetype == "application/json"


@pytest.mark.parametrize(("accept", "mimetype"), [
    ("application/ninjs+json", "application/ninjs+json"),
    ("application/vnd.iptc.ninjs+json", "application/ninjs+json"),
    ("application/json;q=0.5, application/ninjs+json", "application/ninjs+json"),
    ("application/ninjs+json;q=0.5, application/json", "application/json"),
    ("*/*", "application/json"),
    ("", "application/json"),
])
def test_accept_chooses_the_representation(client, accept, mimetype):
    assert _post(client, ninjs3()).status_code == 201
    assert client.get(f"{URL}/1", headers={"Accept": accept}).mimetype == mimetype


def test_a_ninjs1_kill_reads_back_as_ninjs3(client):
    assert _post(client, ninjs3()).status_code == 201
    legacy = {"uri": "urn:example:ap:troops", "headline": "Killed", "pubstatus": "canceled",
              "body_text": "This story has been withdrawn.", "urgency": 3}
    assert _post(client, legacy).status_code == 201
    doc = json.loads(_get(client, n="2").data)
    assert _errors(doc) == []
    assert doc["pubStatus"] == "canceled"


def test_missing_version_as_ninjs_is_a_problem(client):
    assert _post(client, ninjs3()).status_code == 201
    resp = _get(client, n="9")
    assert resp.status_code == 404
    assert resp.mimetype == "application/problem+json"
