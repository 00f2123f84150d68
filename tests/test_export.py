"""Research exports: `writethru export` and `GET /api/export` on stores built here."""

from __future__ import annotations

import csv
import io
import json
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from service import config
from service.cli.export import export
from service.diff import Differ
from service.export import FIELDS
from service.export.writer import csv_value
from service.ingest import parse_payload
from service.store import GitStore
from service.store.refs import list_refs
from service.store.text import split_text

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "ap-troops-eastern-europe"
V1, V2 = sorted(SEED.glob("*.txt"))
ARTICLE = "ap-troops-eastern-europe"

MAYOR = ('The mayor said "we will rebuild, all of it" and then the council voted on the plan '
         'that night with seven votes for and two against the motion.')
STORY = [
    # b-council v1 .. v3: a split, a paragraph removed and one moved, a headline changed.
    ("2022-01-01T10:00:00", {"headline": "Council votes", "body": f"{MAYOR}\n\nSecond.\n\n"
                             "Third paragraph here.\n\nFourth paragraph, last."}),
    ("2022-01-05T10:00:00", {"headline": "Council votes", "body":
                             'The mayor said "we will rebuild, all of it" and then the council '
                             "voted on the plan that night.\n\nIt passed with seven votes for "
                             "and two against the motion.\n\nSecond.\n\nThird paragraph here."
                             "\n\nFourth paragraph, last."}),
    ("2022-01-10T10:00:00", {"headline": "Council votes to rebuild", "body":
                             "Fourth paragraph, last.\n\nThe mayor said \"we will rebuild, all "
                             "of it\" and then the council voted on the plan that night.\n\nIt "
                             "passed with seven votes for and two against the motion.\n\n"
                             "Third paragraph here."}),
]


def _at(monkeypatch, when: str):
    ns = int(datetime.fromisoformat(when).replace(tzinfo=UTC).timestamp()) * 1_000_000_000
    monkeypatch.setattr(time, "time_ns", lambda: ns)


@pytest.fixture
def built(store_path, monkeypatch) -> GitStore:
    """A store of three articles with versions saved on known days (2022-01-01 .. 2022-02-03)."""
    store = GitStore(store_path, durable=False)
    for when, body in STORY:
        _at(monkeypatch, when)
        store.save("b-council", parse_payload(json.dumps(body).encode(), "application/json"))
    _at(monkeypatch, "2022-02-01T08:00:00")
    store.save("c-single", parse_payload(b"Only one version.\n\nOf two paragraphs.", "text/plain"))
    for when, path in (("2022-02-03T09:00:00", V1), ("2022-02-03T12:00:00", V2)):
        _at(monkeypatch, when)
        store.save(ARTICLE, parse_payload(path.read_bytes(), "text/plain"))
    monkeypatch.undo()
    return store


def run(store_path, *args):
    """Run `writethru export` in-process on the store; return the Result."""
    return CliRunner().invoke(export, ["--store", str(store_path), *map(str, args)],
                              catch_exceptions=False)


def jsonl(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()]


def truth(store: GitStore) -> dict:
    """Count articles, versions and changed rows as the store and the Differ say."""
    differ = Differ(store)
    ids = list(list_refs(store.path, "refs/articles"))
    versions = changes = 0
    for article_id in ids:
        infos = store.versions(article_id)
        versions += len(infos)
        for v in range(2, len(infos) + 1):
            diff = differ.compare(article_id, v - 1, v).diff
            changes += sum(1 for r in diff.rows if r["kind"] != "unchanged")
    return {"articles": len(ids), "versions": versions, "changes": changes}


def test_jsonl_export_reloads_into_the_store_s_counts(built, store_path, tmp_path):
    out = tmp_path / "out"
    result = run(store_path, "--out", out)
    assert result.exit_code == 0, result.output
    counts = {kind: len(jsonl((out / f"{kind}.jsonl").read_text(encoding="utf-8")))
              for kind in FIELDS}
    expected = truth(built)
    assert counts == expected
    assert expected == {"articles": 3, "versions": 6, "changes": counts["changes"]}
    assert counts["changes"] > 26  # the seed pair's 26 and b-council's
    assert "Exported 3 articles, 6 versions" in result.stderr


def test_csv_export_reloads_into_the_same_counts_and_records(built, store_path, tmp_path):
    run(store_path, "--out", tmp_path / "j")
    result = run(store_path, "--format", "csv", "--out", tmp_path / "c")
    assert result.exit_code == 0, result.output
    for kind, fields in FIELDS.items():
        with open(tmp_path / "c" / f"{kind}.csv", encoding="utf-8", newline="") as f:
            reader = csv.DictReader(f)
            rows = list(reader)
        assert tuple(reader.fieldnames or ()) == fields
        records = jsonl((tmp_path / "j" / f"{kind}.jsonl").read_text(encoding="utf-8"))
        # Every field, text with quotes, commas and line breaks included, reads back as written.
        assert rows == [{k: str(csv_value(r[k])) for k in fields} for r in records]


def test_csv_escapes_quotes_commas_and_line_breaks(built, store_path):
    result = run(store_path, "--what", "changes", "--format", "csv", "--article", "b-council")
    assert result.exit_code == 0, result.output
    assert '""we will rebuild, all of it""' in result.stdout  # doubled inside a quoted field
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    split = [r for r in rows if r["kind"] == "split"]
    assert len(split) == 1
    assert split[0]["old_text"] == MAYOR
    assert split[0]["new_text"].split("\n\n") == [
        'The mayor said "we will rebuild, all of it" and then the council voted on the plan '
        "that night.", "It passed with seven votes for and two against the motion."]
    assert split[0]["new_indexes"] == "[0, 1]" and split[0]["action"] == "edit"


def test_the_seed_pair_is_25_additions_and_one_typography_edit(built, store_path):
    result = run(store_path, "--article", ARTICLE)
    records = jsonl(result.stdout)
    changes = [r for r in records if r["record"] == "change"]
    assert Counter(r["kind"] for r in changes) == {"added": 25, "typography": 1}
    assert Counter(r["action"] for r in changes) == {"addition": 25, "edit": 1}
    kept = {2, 3, 5, 12, 18, 19, 22, 23}  # ../shared/seeds/README.md
    assert {r["new_index"] for r in changes if r["kind"] == "added"} == set(range(33)) - kept
    edit = next(r for r in changes if r["kind"] == "typography")
    assert (edit["old_index"], edit["new_index"]) == (0, 2)
    assert "Putin's buildup" in edit["old_text"] and "Putin\u2019s buildup" in edit["new_text"]
    assert edit["old_words"] == edit["new_words"] == len(edit["new_text"].split())
    added = [r for r in changes if r["kind"] == "added"]
    new = split_text(V2.read_text(encoding="utf-8"))
    assert sum(r["new_words"] for r in added) == sum(len(new[j].split()) for j in set(range(33)) - kept)
    v2 = next(r for r in records if r["record"] == "version" and r["version"] == 2)
    assert {k: v2[k] for k in ("added", "changed", "typography_only", "unchanged", "removed",
                               "moved")} == {"added": 25, "changed": 1, "typography_only": 1,
                                             "unchanged": 7, "removed": 0, "moved": 0}
    assert v2["paragraphs"] == 33 and v2["previous_commit"] == changes[0]["from_commit"]


def test_versions_alone_take_their_counts_from_the_facts_file(built, store_path, monkeypatch):
    # Kept as the CLI's Differ keeps them (the facts are keyed by its promo pattern too).
    differ = Differ(built, config.defaults()["PROMO_PATTERN"],
                    facts=Differ.facts_beside(store_path))
    differ.change_stats(ARTICLE, built.versions(ARTICLE))

    def no_diff(*args, **kwargs):
        raise AssertionError("diffed although the facts file knows the stats")

    monkeypatch.setattr("service.diff.differ.diff_paragraphs", no_diff)
    result = run(store_path, "--what", "versions", "--article", ARTICLE)
    assert result.exit_code == 0, result.output
    v2 = jsonl(result.stdout)[1]
    assert (v2["added"], v2["typography_only"], v2["meta_fields"]) == (25, 1, [])
    # Changes need the rows, which the facts file does not keep: they diff.
    with pytest.raises(AssertionError, match="diffed"):
        run(store_path, "--what", "changes", "--article", ARTICLE)


@pytest.mark.parametrize(("args", "versions", "to_versions"), [
    (["--article", "b-council"], [1, 2, 3], [2, 3]),
    (["--article", "b-*"], [1, 2, 3], [2, 3]),
    (["--article", "b-council", "--since", "2022-01-05", "--until", "2022-01-05"], [2], [2]),
    (["--article", "b-council", "--since", "2022-01-05T10:00:01Z"], [3], [3]),
    (["--article", "b-council", "--until", "2022-01-01"], [1], []),
])
def test_filters_by_article_and_dates(built, store_path, args, versions, to_versions):
    result = run(store_path, *args)
    assert result.exit_code == 0, result.output
    records = jsonl(result.stdout)
    assert {r["article"] for r in records} == {"b-council"}
    assert [r["version"] for r in records if r["record"] == "version"] == versions
    assert sorted({r["to_version"] for r in records if r["record"] == "change"}) == to_versions


def test_a_date_range_drops_articles_with_no_version_in_it(built, store_path):
    result = run(store_path, "--what", "articles", "--since", "2022-02-01", "--until", "2022-02-02")
    assert [r["article"] for r in jsonl(result.stdout)] == ["c-single"]
    result = run(store_path, "--what", "articles", "--article", "z*")
    assert result.exit_code == 0 and result.stdout == ""  # a glob matching nothing: no records


@pytest.mark.parametrize(("args", "code", "message"), [
    (["--article", "../etc"], 2, "--article: article:"),
    (["--article", "no-such-story"], 1, "no article 'no-such-story'"),
    (["--since", "yesterday"], 2, "--since: since 'yesterday' is not a date"),
    (["--until", "2022-13-01"], 2, "--until: until '2022-13-01' is not a date"),
    (["--since", "2022-02-01", "--until", "2022-01-01"], 2, "the range is empty"),
    (["--format", "csv", "--what", "all"], 2, "takes one --what"),
    (["--what", "everything"], 2, "Invalid value for '--what'"),
])
def test_bad_filters_say_what_is_wrong_and_write_nothing(built, store_path, tmp_path, args,
                                                         code, message):
    out = tmp_path / "never"
    result = run(store_path, *args, *(["--out", out] if "--format" not in args else []))
    assert result.exit_code == code
    assert message in result.output
    assert "Traceback" not in result.output and not out.exists()


def test_out_that_is_a_file_is_refused(built, store_path, tmp_path):
    target = tmp_path / "a-file"
    target.write_text("keep me")
    result = run(store_path, "--out", target)
    assert result.exit_code == 2 and "is not a folder" in result.output
    assert target.read_text() == "keep me"


# --- GET /api/export ----------------------------------------------------------------------------

@pytest.fixture
def api(app, built):
    assert "export_api" in app.blueprints
    return app.test_client()


def test_http_export_streams_one_article_s_changes(api, built, store_path):
    resp = api.get(f"/api/export?article={ARTICLE}")
    assert resp.status_code == 200
    assert resp.mimetype == "application/x-ndjson" and resp.is_streamed
    records = jsonl(resp.get_data(as_text=True))
    cli = jsonl(run(store_path, "--what", "changes", "--article", ARTICLE).stdout)
    assert records == cli and len(records) == 26


def test_http_export_of_versions_with_a_date_filter(api):
    resp = api.get("/api/export?article=b-council&what=versions&since=2022-01-02")
    assert resp.status_code == 200
    assert [(r["version"], r["meta_fields"]) for r in jsonl(resp.get_data(as_text=True))] == [
        (2, []), (3, ["headline"])]


@pytest.mark.parametrize(("query", "status", "slug", "parameter"), [
    ("article=no-such-story", 404, "article-not-found", None),
    ("", 400, "invalid-parameter", "article"),
    ("article=a%20b", 400, "invalid-article-id", None),
    (f"article={ARTICLE}&what=rows", 400, "invalid-parameter", "what"),
    (f"article={ARTICLE}&since=soon", 400, "invalid-parameter", "since"),
])
def test_http_export_refuses_bad_requests_as_problems(api, query, status, slug, parameter):
    resp = api.get(f"/api/export?{query}")
    assert resp.status_code == status
    assert resp.mimetype == "application/problem+json"
    body = resp.get_json()
    assert body["type"] == f"urn:writethru:problem:{slug}"
    assert body.get("parameter") == parameter
