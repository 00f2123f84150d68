"""Every IPTC ninjs example (tests/data/iptc/) posted through the real app and read back.

Text stories valid under ninjs 1.6, 2.2 or 3.1 are saved with their headline, byline and
paragraphs; NITF bodies become paragraphs; pictures, audio, video and events without text get
the 422 that says so; IPTC's invalid examples are refused naming the field.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parent / "data" / "iptc"
CAPTAIN = "Captain of wrecked cruise ship on trial in Italy"
AP_BY = "Paulo Santalucia and Frances d'Emilio"
GROSSETO = "GROSSETO, Italy (AP) -- The trial of the captain of the shipwrecked Costa Concordia"
ASADA = "The Australian Sports Anti-Doping Authority (ASADA) today announced"
DOPING = "Anti-doping measures at the 'Tour Down Under' will be the toughest ever"
DELL = ("Dell Redefines Workstation Computing Boundaries with Smallest Tower and Most Powerful Rack "
        "Workstations")
CAMBRIOS = "Cambrios被Gartner評選為「最酷供應商」"
APPLEBEES = "Lunch Taking a Toll? Let Applebee’s® Industrial Strength Lunch Decoy Stand In"
DPA = "Faktencheck Derby-Elfmeter: Hat Schiedsrichter Zwayer recht?"
TT = "Militärövning i jätteformat hålls 2023"
SIPA = "Italy: Italy Demonstration of the workers congresses and conferences"


def saved(headline, byline, first, count, fmt):
    """A document saved as a version: headline, byline, start of paragraph 1, paragraphs."""
    return {"status": 201, "headline": headline, "byline": byline, "first": first,
            "count": count, "format": fmt}


def refused(field, says):
    """A document refused with 422 naming field, its detail saying `says`."""
    return {"status": 422, "field": field, "says": says}


NO_TEXT = "item has no text to version"
NO_BODY = "ninjs document has no body"
EXPECTED = {
    "1.4/businesswire-newsml-20130515006361.json": saved(DELL, None, "Dell today announced", 1,
                                                         "ninjs-1"),
    "1.4/businesswire-newsml-20130605006126.json": saved(CAMBRIOS, None, "(美國商業資訊)", 1,
                                                         "ninjs-1"),
    "1.4/businesswire-newsml-20130612006110.json": saved(
        "APP发布“2020 可持续发展路线图”第三次工作进展报告，并将继续落实森林保护政策", None,
        "亚洲浆纸业有限公司", 1, "ninjs-1"),
    "1.4/businesswire-newsml-20130731006140.json": saved(APPLEBEES, None, "With more Applebee’s",
                                                         1, "ninjs-1"),
    # IPTC's sampler of 1.4 properties: no body at all.
    "1.4/ninjs-1-4-examples.json": refused("$.body_text", NO_BODY),
    "1.4/ninjsExComplex1.json": saved(CAPTAIN, AP_BY, GROSSETO, 4, "ninjs-1"),
    "1.4/ninjsExComplex2.json": saved(CAPTAIN, AP_BY, GROSSETO, 4, "ninjs-1"),
    "1.4/ninjsExMediumText1.json": saved(CAPTAIN, AP_BY, GROSSETO, 4, "ninjs-1"),
    "1.4/ninjsExSimplePhoto1.json": refused("$.body_text", "a picture " + NO_TEXT),
    "1.4/ninjsExSimpleText1.json": saved(CAPTAIN, AP_BY, GROSSETO, 4, "ninjs-1"),
    # A picture that carries a caption and a story as bodies: it has text, so it is versioned.
    "2.1/SIPA_image_2.json": saved(SIPA, "Insidefoto", GROSSETO, 4, "ninjs-2"),
    "2.1/ap_audio.json": refused("$.bodies", "an audio " + NO_TEXT),
    "2.1/ap_image.json": refused("$.bodies", "a picture " + NO_TEXT),
    "2.1/ap_video.json": refused("$.bodies", "a video " + NO_TEXT),
    "2.1/businesswire-newsml-20130605006126.json": saved(CAMBRIOS, None, "(美國商業資訊)", 1,
                                                         "ninjs-2"),
    "2.1/businesswire-newsml-20130731006140.json": saved(APPLEBEES, None, "With more Applebee’s",
                                                         1, "ninjs-2"),
    "2.1/dpa_text.json": saved(DPA, "Von Christian Hollmann, dpa", "Für Lucien Favre war es", 9,
                               "ninjs-2"),
    "2.1/imageEncodedRights.json": refused("$.bodies", "a picture " + NO_TEXT),
    "2.1/imageLinkedRights.json": refused("$.bodies", "a picture " + NO_TEXT),
    "2.1/ninjsExSimpleText_2.json": saved(CAPTAIN, AP_BY, GROSSETO, 4, "ninjs-2"),
    # NTB's example has descriptions (a summary) but no body: no story text to version.
    "2.1/ntb_text.json": refused("$.bodies", NO_BODY),
    # `foofoo` is in neither ninjs 2.2 nor the example's own extension schema: saved, warned.
    "2.1/schema-extension/extension-example.json": saved(TT, None, "FörsvarTT", 7, "ninjs-2"),
    # A JSON Schema, not a ninjs document.
    "2.1/schema-extension/extension-schema.json": refused("$.uri", "'uri' is a required"),
    "2.1/tt_text_image_2.json": saved(TT, None, "FörsvarTT", 7, "ninjs-2"),
    "3.0/20231004-UEFA-ChampionLeague.json": refused("$.bodies", NO_BODY),
    "3.0/20231005-65-addb-event.json": refused("$.bodies", "an event " + NO_TEXT),
    "3.0/20231008-anti-doping-measures-at-the-tour-down-under-will-be-the-toughest-ever-addb-"
    "ninjs-nitf.json": saved(DOPING, "Trond Husø, The Anti-Doping Database", ASADA, 18,
                             "ninjs-3"),
    # No headlines: the headline and byline of its NITF body (hedline/hl1, byline).
    "3.0/20231016-addb-example-press-conference.json": saved(DOPING, "By DopingWatch", ASADA, 18,
                                                             "ninjs-3"),
    "3.0/SIPA_image_3.json": saved(SIPA, "Insidefoto", GROSSETO, 4, "ninjs-3"),
    "3.0/ap_audio.json": refused("$.bodies", "an audio " + NO_TEXT),
    "3.0/ap_image.json": refused("$.bodies", "a picture " + NO_TEXT),
    "3.0/ap_video.json": refused("$.bodies", "a video " + NO_TEXT),
    "3.0/businesswire-newsml-20130605006126.json": saved(CAMBRIOS, None, "(美國商業資訊)", 1,
                                                         "ninjs-3"),
    "3.0/businesswire-newsml-20130731006140.json": saved(APPLEBEES, None, "With more Applebee’s",
                                                         1, "ninjs-3"),
    # Fourteen items, invalid under 3.1: `events` an object where ninjs has an array, and two
    # with estimated dates that datesObjectType does not allow.
    "3.0/collection/20231016-event-timeline-sample.json": [
        *[refused("$.events", "is not of type 'array'")] * 12,
        *[refused("$.eventDetails.dates", "is not valid under any of the given schemas")] * 2,
    ],
    "3.0/dpa_text.json": saved(DPA, "Von Christian Hollmann, dpa", "Für Lucien Favre war es", 9,
                               "ninjs-3"),
    "3.0/imageEncodedRights.json": refused("$.bodies", "a picture " + NO_TEXT),
    "3.0/imageLinkedRights.json": refused("$.bodies", "a picture " + NO_TEXT),
    "3.0/ninjsExSimpleText_3.json": saved(CAPTAIN, AP_BY, GROSSETO, 4, "ninjs-3"),
    "3.0/ntb_text.json": refused("$.bodies", NO_BODY),
    "3.0/simpleEvent.json": refused("$.bodies", "an event " + NO_TEXT),
    # An event with a text body (the press conference's announcement) is text to version.
    "3.0/tt_event_pressconference_3.0.json": saved(
        "Pk med finansminister Elisabeth Svantesson kl 16", None,
        "Torsdag 5 Oktober 2023, klockan 16:00", 2, "ninjs-3"),
    "3.0/tt_text_image_3.json": saved(TT, None, "FörsvarTT", 7, "ninjs-3"),
}
FILES = sorted(str(p.relative_to(DATA)) for p in DATA.rglob("*.json"))


def test_every_example_file_has_an_expectation():
    assert FILES, "no examples found under tests/data/iptc"
    assert sorted(EXPECTED) == FILES


def _post(client, article: str, doc: dict):
    return client.post(f"/api/articles/{article}/versions", data=json.dumps(doc).encode(),
                       content_type="application/ninjs+json")


@pytest.mark.parametrize("name", FILES)
def test_example(client, store_path, name):
    loaded = json.loads((DATA / name).read_text(encoding="utf-8"))
    docs = loaded if isinstance(loaded, list) else [loaded]
    wanted = EXPECTED[name] if isinstance(EXPECTED[name], list) else [EXPECTED[name]]
    assert len(docs) == len(wanted)
    for k, (doc, want) in enumerate(zip(docs, wanted, strict=True)):
        resp = _post(client, f"ex-{k}", doc)
        answer = resp.get_json()
        assert resp.status_code == want["status"], answer
        if want["status"] == 422:
            assert answer["field"] == want["field"]
            assert want["says"] in answer["detail"]
            continue
        got = client.get(f"/api/articles/ex-{k}/versions/1").get_json()
        meta = got["meta"]
        assert meta.get("headline") == want["headline"]
        assert meta.get("byline") == want["byline"]
        assert meta["uri"] == doc.get("uri")
        assert got["paragraphs"][0].startswith(want["first"])
        assert len(got["paragraphs"]) == want["count"]
        assert all("<" not in p for p in got["paragraphs"]), "markup left in a paragraph"
        assert meta["source_format"] == want["format"]


def test_nitf_body_becomes_paragraphs_and_meta(client):
    doc = json.loads((DATA / "3.0/20231008-anti-doping-measures-at-the-tour-down-under-will-be-"
                      "the-toughest-ever-addb-ninjs-nitf.json").read_text(encoding="utf-8"))
    assert _post(client, "nitf", doc).status_code == 201
    got = client.get("/api/articles/nitf/versions/1").get_json()
    paragraphs = got["paragraphs"]
    assert paragraphs[1].startswith("The initiatives are being implemented in close partnership")
    assert paragraphs[3] == ("Launch of the UCI’s Biological Passport Program which will involve "
                             "mandatory blood profiling of every cyclist before the event;")
    meta = got["meta"]
    assert (meta["language"], meta["urgency"], meta["pub_status"]) == ("en", 4, "usable")
    assert meta["subjects"][2] == {"name": "Cycling", "rel": "classifies",
                                   "uri": "http://cv.iptc.org/newscodes/mediatopic/20000892"}
    assert len(meta["subjects"]) == 3


def test_extension_example_is_saved_with_a_warning_naming_the_field(client):
    doc = json.loads((DATA / "2.1/schema-extension/extension-example.json").read_text("utf-8"))
    resp = _post(client, "ext", doc)
    assert resp.status_code == 201
    assert resp.get_json()["warnings"] == [
        "$.foofoo is not a ninjs 2.2 property: kept in source/ninjs.json, not read"]


def test_valid_example_answers_without_warnings(client):
    doc = json.loads((DATA / "3.0/ninjsExSimpleText_3.json").read_text(encoding="utf-8"))
    resp = _post(client, "plain", doc)
    assert resp.status_code == 201
    assert "warnings" not in resp.get_json()


def test_publisher_lists_render_on_pages_feeds_diffs_and_the_cli(client, store_path):
    """meta.json holding lists (subjects, places, people) and an int (urgency) breaks nothing."""
    doc = json.loads((DATA / "3.0/tt_text_image_3.json").read_text(encoding="utf-8"))
    assert _post(client, "tt", doc).status_code == 201
    doc["bodies"] = [{"role": "main", "contentType": "text/plain", "value": "Ny text.\n\nTvå."}]
    doc["subjects"] = doc["subjects"][:1]
    doc["urgency"] = 2
    assert _post(client, "tt", doc).status_code == 201
    for url in ("/", "/articles/tt", "/articles/tt/versions/2", "/articles/tt/compare?from=1&to=2",
                "/feed.atom", "/articles/tt/feed.atom", "/api/articles/tt/diff?from=1&to=2",
                "/api/articles", "/api/articles/tt"):
        assert client.get(url, follow_redirects=True).status_code == 200, url
    from click.testing import CliRunner

    from service.cli import cli
    for args in (["log", "tt"], ["diff", "tt", "1", "2"], ["diff", "tt", "1", "2", "--json"]):
        result = CliRunner().invoke(cli, ["--store", str(store_path), *args])
        assert result.exit_code == 0, (args, result.output)


def test_a_canceled_resend_is_a_kill_in_the_digest(client):
    doc = json.loads((DATA / "3.0/ninjsExSimpleText_3.json").read_text(encoding="utf-8"))
    assert _post(client, "kill", doc).status_code == 201
    resp = _post(client, "kill", {**doc, "pubStatus": "canceled"})
    assert resp.status_code == 201, resp.get_json()  # same text: only the status changed
    assert client.get("/api/articles/kill/versions/2").get_json()["meta"]["pub_status"] == \
        "canceled"
    digest = client.get("/api/articles/kill/diff?from=1&to=2").get_json()["digest"]
    assert digest[0] == {"kind": "killed", "text": "story canceled", "row": None,
                         "status": "canceled"}


def test_a_canceled_story_is_shown_as_a_kill_on_the_pages_the_feed_and_the_cli(client,
                                                                               store_path):
    from click.testing import CliRunner

    from service.cli import cli

    doc = json.loads((DATA / "3.0/ninjsExSimpleText_3.json").read_text(encoding="utf-8"))
    assert _post(client, "kill", doc).status_code == 201
    assert _post(client, "kill", {**doc, "pubStatus": "canceled"}).status_code == 201
    compare = client.get("/articles/kill/compare/1...2").get_data(as_text=True)
    assert "story canceled" in compare
    home = client.get("/").get_data(as_text=True)
    assert "story canceled" in home
    feed = client.get("/articles/kill/feed.atom").get_data(as_text=True)
    assert "story canceled" in feed
    log = CliRunner().invoke(cli, ["--store", str(store_path), "log", "kill"])
    assert log.exit_code == 0 and "story canceled" in log.output.splitlines()[0]
    diff = CliRunner().invoke(cli, ["--store", str(store_path), "diff", "kill", "1", "2"])
    assert "* story canceled" in diff.output
    hits = client.get("/api/search?changed=killed").get_json()["hits"]
    assert [(h["article"], h["to_version"]) for h in hits] == [("kill", 2)]
