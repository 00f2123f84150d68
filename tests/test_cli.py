"""The `writethru` command line, through click's CliRunner and as the installed console script."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner

from service import config, create_app
from service.cli import cli

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "ap-troops-eastern-europe"
V1, V2 = sorted(SEED.glob("*.txt"))
ARTICLE = "ap-troops-eastern-europe"
SCRIPT = Path(sys.executable).parent / "writethru"
ANSI = "\x1b["


@pytest.fixture
def run(store_path):
    """Invoke the CLI in-process with the temporary store; return the Result."""

    def invoke(*args, input=None, store=True):
        argv = (["--store", str(store_path)] if store else []) + [str(a) for a in args]
        return CliRunner().invoke(cli, argv, input=input, catch_exceptions=False,
                                  prog_name="writethru")

    return invoke


@pytest.fixture
def seeded(run):
    result = run("ingest", ARTICLE, V1, V2)
    assert result.exit_code == 0, result.output
    return result


def refs(store_path: Path) -> str:
    """Return every ref and its commit: the store's whole state, for 'changed nothing' checks."""
    if not store_path.exists():
        return "<no store>"
    return subprocess.run(["git", "--git-dir", str(store_path), "for-each-ref"],
                          capture_output=True, text=True, check=True).stdout


# --- help ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("command", [None, *sorted(cli.commands)])
def test_every_command_has_help(run, command):
    result = run(*([command] if command else []), "--help", store=False)
    assert result.exit_code == 0
    assert result.stdout.startswith(f"Usage: writethru {command or ''}".rstrip())
    doc = (cli.commands[command] if command else cli).help
    assert doc and doc.splitlines()[0] in " ".join(result.stdout.split())


# --- ingest, log, diff on the seed pair ---------------------------------------------------------

def test_ingest_prints_the_versions_it_made(seeded):
    lines = seeded.stdout.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"{V1}: {ARTICLE} v1 (")
    assert lines[1].startswith(f"{V2}: {ARTICLE} v2 (")


def test_ingest_of_an_identical_version_says_so_and_saves_nothing(run, seeded, store_path):
    before = refs(store_path)
    result = run("ingest", ARTICLE, V2)
    assert result.exit_code == 0
    assert result.stdout == f"{V2}: identical to {ARTICLE} v2, nothing saved\n"
    assert refs(store_path) == before


def test_ingest_reads_standard_input(run, store_path):
    result = run("ingest", "from-stdin", "-", input="First paragraph.\n\nSecond one.\n")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("standard input: from-stdin v1 (")
    assert "2 paragraphs" in run("log", "from-stdin").stdout


def test_ingest_json_and_html_by_file_name(run, tmp_path):
    doc = tmp_path / "v1.json"
    doc.write_text(json.dumps({"body": "One.\n\nTwo.", "headline": "H", "label": "1st Ld"}))
    page = tmp_path / "v2.html"
    page.write_text("<p>One.</p><p>Two.</p><p>Three.</p>")
    result = run("ingest", "formats", doc, page)
    assert result.exit_code == 0, result.output
    log = run("log", "formats").stdout.splitlines()
    assert "[1st Ld]" in log[1]
    assert log[0].split()[0] == "v2" and "+1 paragraph" in log[0]


def test_log_lists_versions_newest_first_with_their_changes(run, seeded):
    result = run("log", ARTICLE)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines] == ["v2", "v1"]
    assert "33 paragraphs" in lines[0] and "+25 paragraphs, 1 edited" in lines[0]
    assert "8 paragraphs" in lines[1] and "+8 paragraphs" in lines[1]
    assert ANSI not in result.stdout  # not a terminal: no colour


def test_diff_prints_the_added_paragraphs_and_the_apostrophe_edit(run, seeded):
    result = run("diff", ARTICLE)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == (f"{ARTICLE} v1..v2: +25 paragraphs, 1 edited; 7 unchanged, "
                        f"+{_stats()['words_added']}/-{_stats()['words_removed']} words")
    added = [line for line in lines if line.startswith("+ ")]
    assert len(added) == 25
    v2 = V2.read_text(encoding="utf-8").split("\n\n")
    assert added[0] == f"+ ¶1 {v2[0].strip()}"
    edited = [line for line in lines if line.startswith("~ ")]
    assert len(edited) == 1
    assert edited[0].startswith("~ ¶1->¶3 ")
    assert "Putin[-'-]{+\u2019+}s buildup" in edited[0]
    assert ANSI not in result.stdout


def test_diff_prints_the_digest_above_the_rows(run, seeded):
    lines = run("diff", ARTICLE).stdout.splitlines()
    digest = [line for line in lines if line.startswith("* ")]
    assert lines[1:1 + len(digest)] == digest  # right under the header, before any row
    assert digest[0].startswith("* new lede: WASHINGTON (AP) \u2014 President Joe Biden")
    assert digest[0].endswith("(\u00b61)")
    assert "* 25 paragraphs added  (\u00b61)" in digest
    assert "* 1 paragraph with typography-only edits  (\u00b63)" in digest


def test_diff_prints_the_digest_under_the_metadata_lines_without_repeating_them(run, tmp_path):
    files = []
    for n, toll in ((1, 12), (2, 15)):
        story = {"body": f"ISTANBUL (AP) \u2014 The quake killed {toll} people.\n\nRescuers dug.",
                 "headline": f"Quake kills {toll}", "label": f"{n}st Ld-Writethru"}
        files.append(tmp_path / f"v{n}.json")
        files[-1].write_text(json.dumps(story), encoding="utf-8")
    assert run("ingest", "quake", *files).exit_code == 0
    lines = run("diff", "quake").stdout.splitlines()
    assert [line[:2] for line in lines[:7]] == ["qu", "~ ", "~ ", "* ", "* ", "* ", "~ "]
    assert lines[3].startswith("* lede rewritten: ISTANBUL")
    assert lines[4] == "* killed 12 \u2192 15 people  (\u00b61)"
    assert lines[5] == "* 1 paragraph edited  (\u00b61)"


def test_diff_json_has_the_digest_the_terminal_prints(run, seeded):
    digest = [line for line in run("diff", ARTICLE).stdout.splitlines() if line.startswith("* ")]
    doc = json.loads(run("diff", ARTICLE, "--json").stdout)
    assert [f"* {item['text']}" for item in doc["digest"]] == [
        line.split("  (")[0] for line in digest]


def _stats():
    from service.diff import diff_paragraphs
    from service.store.text import split_text

    return diff_paragraphs(split_text(V1.read_text()), split_text(V2.read_text())).stats


def test_diff_with_explicit_versions_and_from_the_empty_story(run, seeded):
    assert run("diff", ARTICLE, "1", "2").stdout == run("diff", ARTICLE).stdout
    result = run("diff", ARTICLE, "0", "1")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0].startswith(f"{ARTICLE} v0..v1: +8 paragraphs;")


def test_diff_is_coloured_when_asked(run, seeded):
    result = run("diff", ARTICLE, "--color=always")
    assert ANSI in result.stdout
    assert "[-" not in result.stdout  # colour replaces the plain markers


def test_diff_ignoring_typography(run, seeded):
    result = run("diff", ARTICLE, "--ignore-typography")
    header = result.stdout.splitlines()[0]
    assert header.startswith(f"{ARTICLE} v1..v2: +25 paragraphs; 8 unchanged")
    assert not [line for line in result.stdout.splitlines() if line.startswith("~ ")]


@pytest.mark.parametrize("value", ["case", "Typography", "typography,case", " "])
def test_diff_refuses_what_the_api_refuses_to_ignore(run, seeded, value):
    # The API's rule: only 'typography' (or nothing) may be ignored; anything else is an error.
    result = run("diff", ARTICLE, "--ignore", value)
    assert result.exit_code == 2
    assert result.stderr.strip().startswith("Error: --ignore: ignore must be 'typography'")
    assert result.stdout == ""


@pytest.mark.parametrize(("args", "query"), [
    ([], ""),
    (["1", "2"], "?from=1&to=2"),
    (["0", "latest"], "?from=0&to=latest"),
    (["1", "2", "--ignore-typography"], "?from=1&to=2&ignore=typography"),
    (["1", "2", "--ignore", "typography"], "?from=1&to=2&ignore=typography"),
])
def test_diff_json_equals_the_api_answer(run, seeded, store_path, args, query):
    result = run("diff", ARTICLE, "--json", *args)
    assert result.exit_code == 0
    client = create_app({"STORE_PATH": store_path, "TESTING": True}).test_client()
    resp = client.get(f"/api/articles/{ARTICLE}/diff{query}")
    assert resp.status_code == 200
    assert json.loads(result.stdout) == resp.get_json()


# --- errors: one line on stderr, a non-zero exit, nothing changed -------------------------------

ERRORS = [
    # (args, exit code, start of the message)
    (["log", "no-such-article"], 1, "Error: "),
    (["diff", "no-such-article"], 1, "Error: "),
    (["diff", ARTICLE, "1", "9"], 1, "Error: "),
    (["diff", ARTICLE, "x"], 2, "Error: A must be a version number"),
    (["diff", ARTICLE, "1", "0"], 2, "Error: B must be a version number"),
    (["log", "a..b"], 2, "Error: "),
    (["ingest", "bad id", str(V1)], 2, "Error: "),
    (["ingest", "x.lock", str(V1)], 2, "Error: "),
    (["ingest", "a" * 129, str(V1)], 2, "Error: "),
    (["ingest", "new-one", "/no/such/file.txt"], 1, "Error: cannot read /no/such/file.txt"),
    (["ingest", "new-one", str(ROOT / "seeds")], 1, "Error: cannot read"),
    (["ingest", "new-one", str(ROOT / "Makefile")], 1, "Error: "),
]


@pytest.mark.parametrize(("args", "code", "message"), ERRORS)
def test_errors_print_one_line_and_change_nothing(run, seeded, store_path, args, code, message):
    before = refs(store_path)
    result = run(*args)
    assert result.exit_code == code
    assert result.stdout == ""
    assert result.stderr.startswith(message)
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert refs(store_path) == before


def test_a_refused_file_saves_none_of_the_files(run, seeded, store_path, tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n\n  \n")
    before = refs(store_path)
    result = run("ingest", "partly-bad", V1, empty)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {empty}: ")
    assert refs(store_path) == before


def test_reading_a_missing_store_says_so(tmp_path):
    missing = tmp_path / "nowhere.git"
    result = CliRunner().invoke(cli, ["--store", str(missing), "log", ARTICLE],
                                catch_exceptions=False)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: no store at {missing}")
    assert not missing.exists()


@pytest.mark.parametrize("kind", ["plain folder", "file"])
def test_reading_a_path_that_is_not_a_store_says_so(tmp_path, kind):
    path = tmp_path / "not-a-store"
    if kind == "file":
        path.write_text("hello")
    else:
        path.mkdir()
    for args in (["log", ARTICLE], ["diff", ARTICLE]):
        result = CliRunner().invoke(cli, ["--store", str(path), *args], catch_exceptions=False)
        assert result.exit_code == 1
        assert result.stderr == f"Error: no git repository at {path}\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["not-a-store"]


def test_store_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("WRITETHRU_STORE", str(tmp_path / "env.git"))
    result = CliRunner().invoke(cli, ["ingest", "env-article", str(V1)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "env.git").is_dir()


# --- import and seed ----------------------------------------------------------------------------

TUESDAY = "The minister said on Tuesday that the talks would go on."
WEDNESDAY = TUESDAY.replace("Tuesday", "Wednesday")


def make_tree(root: Path, articles: dict[str, list[str]]) -> Path:
    for article_id, versions in articles.items():
        folder = root / article_id
        folder.mkdir(parents=True)
        for k, text in enumerate(versions):
            (folder / f"{k:03d}.txt").write_text(text)
    return root


def test_import_loads_many_articles_and_a_second_run_adds_nothing(run, store_path, tmp_path):
    tree = make_tree(tmp_path / "bulk", {
        "alpha": ["A one.", "A one.\n\nA two."],
        "beta": ["B one."],
        "gamma": [TUESDAY, WEDNESDAY, WEDNESDAY + "\n\nTalks resume on Friday."],
    })
    (tree / "README.md").write_text("not an article: top-level files are ignored")
    result = run("import", tree)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"Imported 3 articles from {tree}: 6 new versions, "
                                    "0 identical, 0 already present (")
    assert "+1 paragraph" in run("log", "alpha").stdout.splitlines()[0]
    assert len(run("log", "gamma").stdout.splitlines()) == 3
    assert "1 edited" in run("log", "gamma").stdout.splitlines()[1]

    before = refs(store_path)
    again = run("import", tree)
    assert again.exit_code == 0
    assert "0 new versions, 0 identical, 6 already present" in again.stdout
    assert refs(store_path) == before


def test_import_adds_only_the_versions_the_store_lacks(run, store_path, tmp_path):
    tree = make_tree(tmp_path / "bulk", {"alpha": ["A one."]})
    assert run("import", tree).exit_code == 0
    (tree / "alpha" / "001.txt").write_text("A one.\n\nA two.")
    result = run("import", tree)
    assert "1 new version, 0 identical, 1 already present" in result.stdout
    assert [line.split()[0] for line in run("log", "alpha").stdout.splitlines()] == ["v2", "v1"]


@pytest.mark.parametrize(("articles", "message"), [
    ({"good": ["G."], "bad id": ["B."]}, "Error: "),
    ({"good": ["G."], "empty": ["   "]}, "Error: "),
    ({"good": ["G."], "conflict": ["Something else entirely."]},
     "Error: {tree}/conflict/000.txt: conflict v1 in the store has different text"),
])
def test_import_checks_everything_before_writing(run, store_path, tmp_path, articles, message):
    # "conflict" already exists with other text; importing a different v1 must not stack on it.
    assert run("ingest", "conflict", "-", input="Original text.").exit_code == 0
    before = refs(store_path)
    tree = make_tree(tmp_path / "bulk", articles)
    result = run("import", tree, "--no-progress")
    assert result.exit_code != 0
    assert result.stderr.splitlines()[-1].startswith(message.format(tree=tree))
    assert refs(store_path) == before


def test_import_of_a_folder_without_articles(run, tmp_path):
    (tmp_path / "flat").mkdir()
    result = run("import", tmp_path / "flat")
    assert result.exit_code == 1
    assert "no article folders" in result.stderr


def test_seed_is_idempotent(run, store_path):
    first = run("seed")
    assert first.exit_code == 0, first.output
    assert first.stdout == (f"Seeded 1 article into {store_path}: 2 new versions, "
                            "0 already present\n")
    before = refs(store_path)
    second = run("seed")
    assert second.exit_code == 0
    assert second.stdout == (f"Seeds already loaded (1 article, 2 versions in {store_path}); "
                             "nothing added\n")
    assert refs(store_path) == before
    assert config.SEEDS_DIR == ROOT / "seeds"


# --- the installed console script, as a user runs it --------------------------------------------

def script(*args, env=None, input=None):
    return subprocess.run([str(SCRIPT), *map(str, args)], capture_output=True, text=True,
                          input=input, env={**os.environ, **(env or {})}, timeout=60)


@pytest.fixture(scope="module")
def installed():
    if not SCRIPT.exists():
        pytest.fail(f"{SCRIPT} is missing: install the project (pip install -e .)")
    return SCRIPT


@pytest.mark.slow
def test_console_script_ingest_log_diff(installed, tmp_path):
    env = {"WRITETHRU_STORE": str(tmp_path / "s.git")}
    made = script("ingest", ARTICLE, V1, V2, env=env)
    assert made.returncode == 0, made.stderr
    assert len(made.stdout.splitlines()) == 2
    log = script("log", ARTICLE, env=env)
    assert [line.split()[0] for line in log.stdout.splitlines()] == ["v2", "v1"]
    diff = script("diff", ARTICLE, env=env)  # stdout is a pipe: plain text
    assert diff.returncode == 0
    assert ANSI not in diff.stdout
    assert sum(line.startswith("+ ") for line in diff.stdout.splitlines()) == 25
    assert "Putin[-'-]{+\u2019+}s" in diff.stdout
    as_json = json.loads(script("diff", ARTICLE, "--json", env=env).stdout)
    assert as_json["stats"]["added"] == 25 and as_json["stats"]["changed"] == 1


@pytest.mark.slow
def test_console_script_errors(installed, tmp_path):
    env = {"WRITETHRU_STORE": str(tmp_path / "s.git")}
    missing = script("log", ARTICLE, env=env)
    assert missing.returncode == 1
    assert missing.stderr.startswith("Error: no store at")
    assert len(missing.stderr.splitlines()) == 1
    assert script("ingest", ARTICLE, V1, env=env).returncode == 0
    for args, code in [(["log", "nope"], 1), (["ingest", "bad/id", V1], 2),
                       (["ingest", ARTICLE, tmp_path / "absent.txt"], 1)]:
        done = script(*args, env=env)
        assert done.returncode == code, (args, done.stderr)
        assert len(done.stderr.splitlines()) == 1 and "Traceback" not in done.stderr
    assert script("--version").stdout.startswith("writethru, version ")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
def test_console_script_serves_under_gunicorn(installed, tmp_path):
    store = tmp_path / "served.git"
    assert script("--store", store, "seed").returncode == 0
    port = free_port()
    proc = subprocess.Popen([str(SCRIPT), "--store", str(store), "serve", "--port", str(port),
                             "--workers", "2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={k: v for k, v in os.environ.items()
                                            if k != "WRITETHRU_STORE"})
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                health = requests.get(f"{base}/healthz", timeout=2)
                break
            except requests.ConnectionError:
                assert proc.poll() is None, proc.stderr.read()
                time.sleep(0.1)
        else:
            pytest.fail("gunicorn did not answer")
        assert health.status_code == 200
        listing = requests.get(f"{base}/api/articles", timeout=5).json()
        assert [a["id"] for a in listing["articles"]] == [ARTICLE]
    finally:
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0
    assert f"serving {store} on http://127.0.0.1:{port}/ with 2 workers" in err
    assert "Booting worker" in err


@pytest.mark.slow
def test_serve_refuses_a_bad_setting(installed, tmp_path):
    done = script("--store", tmp_path / "s.git", "serve", env={"WRITETHRU_PORT": "eighty"})
    assert done.returncode == 1
    assert done.stderr.startswith("Error: WRITETHRU_PORT: ")
    assert len(done.stderr.splitlines()) == 1



# --- log's digest lines, log --json, list ------------------------------------------------------

QUAKE_V1 = {"headline": "Quake kills 12 in mountain towns", "label": "1st Ld",
            "body": "An earthquake struck the mountain towns on Monday, flattening homes.\n\n"
                    "At least 12 people were killed, officials said.\n\n"
                    "Rescue teams searched collapsed homes."}
QUAKE_V2 = {"headline": "Quake death toll rises in mountain towns", "label": "2nd Ld",
            "body": QUAKE_V1["body"].replace("At least 12", "At least 15")}


@pytest.fixture
def quake(run, tmp_path):
    files = []
    for k, doc in enumerate((QUAKE_V1, QUAKE_V2), 1):
        files.append(tmp_path / f"quake-{k}.json")
        files[-1].write_text(json.dumps(doc))
    result = run("ingest", "quake", *files)
    assert result.exit_code == 0, result.output
    return "quake"


def test_log_shows_each_versions_digest_line(run, quake):
    lines = run("log", quake).stdout.splitlines()
    assert [line.split()[0] for line in lines] == ["v2", "v1"]
    assert "12 \u2192 15" in lines[0] and "headline: Quake kills 12" in lines[0]
    assert "1 edited" in lines[0] and "[2nd Ld]" in lines[0]  # the change text stays, first
    assert lines[0].index("1 edited") < lines[0].index("12 \u2192 15")
    assert lines[0].index("headline:") < lines[0].index("12 \u2192 15")  # most important first
    assert "headline: Quake kills 12" in lines[1]  # v1 against the empty story
    assert "12 \u2192 15" not in lines[1]
    assert all(len(line) < 240 for line in lines)


def test_log_json_carries_each_versions_digest(run, quake, store_path):
    doc = json.loads(run("log", quake, "--json").stdout)
    client = create_app({"STORE_PATH": store_path, "TESTING": True}).test_client()
    api = client.get(f"/api/articles/{quake}").get_json()
    assert [{k: v for k, v in entry.items() if k != "digest"} for entry in doc["versions"]] \
        == api["versions"]
    assert {k: v for k, v in doc.items() if k != "versions"} == \
        {k: v for k, v in api.items() if k != "versions"}
    digest = doc["versions"][1]["digest"]
    assert [item["kind"] for item in digest][:2] == ["headline", "label"]
    assert any(item["kind"] == "number" and "12 \u2192 15" in item["text"] for item in digest)
    assert doc["versions"][0]["digest"][0]["kind"] == "headline"


@pytest.fixture
def three(run, tmp_path):
    """Three articles updated in the order alpha, beta, gamma, then alpha again."""
    for article_id, text in [("alpha", "Alpha one."), ("beta", "Beta one."),
                             ("gamma", "Gamma one."), ("alpha", "Alpha one.\n\nAlpha two.")]:
        result = run("ingest", article_id, "-", input=text)
        assert result.exit_code == 0, result.output
    return ["alpha", "gamma", "beta"]


def test_list_orders_by_update_and_pages(run, three):
    result = run("list")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines] == three
    assert lines[0].split()[1] == "2" and "Alpha one." in lines[0]
    first = run("list", "--limit", "2", "--json")
    page = json.loads(first.stdout)
    assert [a["id"] for a in page["articles"]] == three[:2] and page["next"]
    assert "--cursor" in run("list", "--limit", "2").stderr
    rest = json.loads(run("list", "--limit", "2", "--cursor", page["next"], "--json").stdout)
    assert [a["id"] for a in rest["articles"]] == three[2:] and rest["next"] is None
    assert [line.split()[0] for line in run("list", "-q", "GAM").stdout.splitlines()] == ["gamma"]


def test_list_json_equals_the_api_articles(run, three, store_path):
    client = create_app({"STORE_PATH": store_path, "TESTING": True}).test_client()
    for args, query in [((), ""), (("-q", "a"), "?q=a"), (("--limit", "1"), "?limit=1")]:
        doc = json.loads(run("list", "--json", *args).stdout)
        assert doc["articles"] == client.get(f"/api/articles{query}").get_json()["articles"]


@pytest.mark.parametrize(("args", "code"), [
    (["list", "--cursor", "garbage"], 2),
    (["log", "nope", "--json"], 1), (["log", "a..b", "--json"], 2)])
def test_list_and_log_errors_are_one_line(run, three, args, code):
    result = run(*args)
    assert result.exit_code == code
    assert result.stdout == ""
    assert result.stderr.startswith("Error: ") and len(result.stderr.splitlines()) == 1


def test_list_refuses_a_bad_limit_as_click_refuses_any_option(run, three):
    result = run("list", "--limit", "0")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.splitlines()[-1].startswith("Error: Invalid value for '--limit'")


def test_list_of_a_missing_store_says_so(tmp_path):
    missing = tmp_path / "nowhere.git"
    result = CliRunner().invoke(cli, ["--store", str(missing), "list"], catch_exceptions=False)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: no store at {missing}")
    assert not missing.exists()


@pytest.mark.slow
@pytest.mark.parametrize("args", [["log", ARTICLE], ["log", ARTICLE, "--json"], ["list"]])
def test_output_to_a_full_disk_or_a_closed_pipe_is_no_traceback(installed, tmp_path, args):
    env = {**os.environ, "WRITETHRU_STORE": str(tmp_path / "s.git")}
    subprocess.run([str(SCRIPT), "ingest", ARTICLE, str(V1), str(V2)], env=env, check=True,
                   capture_output=True)
    with open("/dev/full", "w") as full:
        result = subprocess.run([str(SCRIPT), *args], env=env, stdout=full,
                                stderr=subprocess.PIPE, text=True)
    assert result.returncode == 1
    assert result.stderr == "Error: cannot write the output: No space left on device\n"
    proc = subprocess.Popen([str(SCRIPT), *args], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    proc.stdout.close()  # the reader is gone before anything is written
    stderr = proc.stderr.read()
    assert proc.wait() in (0, 1)
    assert "Traceback" not in stderr and "Exception ignored" not in stderr
