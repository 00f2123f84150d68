"""Small manners of the `writethru` command: --type names, JSON on stdin, lost output, plurals."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from service.cli import cli

SCRIPT = Path(sys.executable).parent / "writethru"
STORY = {"headline": "Bridge reopens", "body": "The bridge reopened.\n\nTraffic is light."}


@pytest.fixture
def run(store_path):
    """Invoke the CLI in-process with the temporary store; return the Result."""

    def invoke(*args, input=None):
        return CliRunner().invoke(cli, ["--store", str(store_path), *map(str, args)],
                                  input=input, catch_exceptions=False, prog_name="writethru")

    return invoke


def refs(store_path: Path) -> str:
    if not store_path.exists():
        return ""
    return subprocess.run(["git", "--git-dir", str(store_path), "for-each-ref"],
                          capture_output=True, text=True, check=True).stdout


def latest(run, article_id: str) -> dict:
    return json.loads(run("log", article_id, "--json").stdout)


# --- --type ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["json", "JSON", "application/json",
                                  "application/json; charset=utf-8"])
def test_type_takes_short_and_full_names_for_json(run, name):
    result = run("ingest", "a1", "-", "--type", name, input=json.dumps(STORY))
    assert result.exit_code == 0, result.stderr
    assert "Bridge reopens" in json.dumps(latest(run, "a1"))


def test_type_text_and_html_short_names(run):
    # A JSON object typed as text stays text: --type wins over sniffing.
    text = run("ingest", "t1", "-", "--type", "text", input=json.dumps(STORY))
    assert text.exit_code == 0, text.stderr
    version = latest(run, "t1")["versions"][-1]
    assert version["paragraphs"] == 1 and version.get("headline") is None
    html = run("ingest", "h1", "-", "-t", "html", input="<p>One.</p><p>Two.</p>")
    assert html.exit_code == 0, html.stderr
    assert latest(run, "h1")["versions"][-1]["paragraphs"] == 2


def test_type_ninjs_short_name(run):
    doc = {"uri": "urn:example:1", "headline": "Ninjs story", "body_text": "One.\n\nTwo."}
    result = run("ingest", "n1", "-", "--type", "ninjs", input=json.dumps(doc))
    assert result.exit_code == 0, result.stderr
    assert "Ninjs story" in json.dumps(latest(run, "n1"))


@pytest.mark.parametrize("name", ["xml", "jsn", "application/xml", "text", "", "image/png"])
def test_an_unknown_type_is_refused_naming_the_choices(run, store_path, name):
    if name == "text":  # the control: a known name passes the same path
        assert run("ingest", "a1", "-", "-t", name, input="One.").exit_code == 0
        return
    result = run("ingest", "a1", "-", "--type", name, input="One.")
    assert result.exit_code == 2
    assert "text, json, html, ninjs" in result.stderr and "application/json" in result.stderr
    assert "Traceback" not in result.stderr
    assert refs(store_path) == ""


# --- sniffing JSON ----------------------------------------------------------------------------------

def test_a_json_object_on_stdin_is_sent_as_json(run):
    result = run("ingest", "a1", "-", input="\n  " + json.dumps(STORY))
    assert result.exit_code == 0, result.stderr
    version = latest(run, "a1")["versions"][-1]
    assert version["paragraphs"] == 2
    assert "Bridge reopens" in json.dumps(latest(run, "a1"))


@pytest.mark.parametrize("text,paragraphs", [
    ("{ not json at all\n\nSecond paragraph.", 2),  # a brace, but no JSON: text
    ('["a", "b"]', 1),  # JSON, but not an object: text
    ("Plain story.\n\n{\"json\": \"later\"}", 2),  # JSON only further on: text
])
def test_what_is_not_a_json_object_stays_text(run, text, paragraphs):
    result = run("ingest", "a1", "-", input=text)
    assert result.exit_code == 0, result.stderr
    assert latest(run, "a1")["versions"][-1]["paragraphs"] == paragraphs


def test_a_file_whose_name_does_not_tell_is_sniffed_too(run, tmp_path, store_path):
    story = tmp_path / "story"
    story.write_text(json.dumps(STORY))
    assert run("ingest", "a1", story).exit_code == 0
    assert "Bridge reopens" in json.dumps(latest(run, "a1"))
    before = refs(store_path)
    prose = tmp_path / "prose"
    prose.write_text("Just words.")
    refused = run("ingest", "a1", prose)
    assert refused.exit_code == 1 and "give --type" in refused.stderr
    assert refs(store_path) == before


def test_the_help_says_how_the_format_is_chosen(run):
    help_text = " ".join(run("ingest", "--help").stdout.split())
    assert "text, json, html, ninjs" in help_text and "JSON object" in help_text


# --- plurals ------------------------------------------------------------------------------------------

def test_one_paragraph_and_one_word_are_singular(run):
    assert run("ingest", "a1", "-", input="Hello.").exit_code == 0
    assert run("ingest", "a1", "-", input="Hello.\n\nAgain there.").exit_code == 0
    lines = run("log", "a1").stdout.splitlines()
    assert "  1 paragraph " in lines[1] and "     1 word " in lines[1]
    assert "+1 paragraph" in lines[1] and "paragraphs" not in lines[1]
    assert "  2 paragraphs" in lines[0] and "     3 words" in lines[0]
    # The columns stay put whatever the counts.
    assert lines[0].index("paragraph") == lines[1].index("paragraph")
    first = run("diff", "a1", "0", "1").stdout.splitlines()[0]
    assert first.endswith("+1/-0 word") and "+1 paragraph;" in first


# --- output that cannot be written --------------------------------------------------------------------

@pytest.fixture
def env(tmp_path):
    if not SCRIPT.exists():
        pytest.fail(f"{SCRIPT} is missing: install the project (pip install -e .)")
    env = {**os.environ, "WRITETHRU_STORE": str(tmp_path / "s.git")}
    subprocess.run([str(SCRIPT), "ingest", "a1", "-"], input="One.\n\nTwo.", text=True,
                   env=env, check=True, capture_output=True)
    subprocess.run([str(SCRIPT), "ingest", "a1", "-"], input="One.\n\nThree.", text=True,
                   env=env, check=True, capture_output=True)
    return env


COMMANDS = [["log", "a1"], ["list"], ["list", "--json"], ["diff", "a1"], ["fsck"],
            ["ingest", "a1", "-"], ["--help"]]


@pytest.mark.slow
@pytest.mark.parametrize("args", COMMANDS)
def test_a_full_disk_is_one_line_and_a_failure(env, args):
    with open("/dev/full", "w") as full:
        result = subprocess.run([str(SCRIPT), *args], env=env, stdout=full, input="One.",
                                stderr=subprocess.PIPE, text=True)
    assert result.returncode == 1
    assert result.stderr == "Error: cannot write the output: No space left on device\n"


@pytest.mark.slow
@pytest.mark.parametrize("args", COMMANDS)
def test_a_closed_pipe_ends_quietly(env, args):
    proc = subprocess.Popen([str(SCRIPT), *args], env=env, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    proc.stdout.close()  # the reader is gone before anything is written
    _out, err = proc.communicate(input="One.")
    assert proc.returncode == 1
    assert err == ""
