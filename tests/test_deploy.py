"""Deployment: docker-compose.yml is valid Compose; the image and compose agree with the CLI.

No container engine runs here, so the compose file is checked against the Compose Specification's
JSON Schema (tests/data/compose-spec.json) and the commands are parsed by the real CLI.
"""

import json
import re
import shlex
from pathlib import Path

import click
import jsonschema
import pytest
import yaml

from service.cli import cli, serve

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((ROOT / "tests/data/compose-spec.json").read_text())


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def dockerfile() -> list[tuple[str, str]]:
    """Return the Dockerfile's instructions as (KEYWORD, argument), continuation lines joined."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, arg = line.partition(" ")
            out.append((keyword.upper(), arg.strip()))
    return out


def instruction(keyword: str) -> str:
    found = [arg for kw, arg in dockerfile() if kw == keyword]
    assert len(found) == 1, f"expected one {keyword} in the Dockerfile, found {len(found)}"
    return found[0]


def validator():
    # The schema names draft 2019-09 as http://...#, which jsonschema does not look up by itself.
    return jsonschema.Draft201909Validator(SCHEMA)


def serve_params(argv: list[str]) -> dict:
    """Parse `writethru serve ...` with the real CLI and return serve's parameters."""
    assert argv[:2] == ["writethru", "serve"]
    assert cli.get_command(None, "serve") is serve
    return serve.make_context("serve", list(argv[2:])).params


def test_compose_file_validates_against_the_compose_spec():
    jsonschema.Draft201909Validator.check_schema(SCHEMA)
    errors = [e.message for e in validator().iter_errors(compose())]
    assert errors == []


@pytest.mark.parametrize("breakage", [
    {"services": {"web": {"image": "x", "healthcheck": {"test": 1}}}},
    {"services": {"web": {"image": "x", "restart_policy": "always"}}},
    {"services": {"web": {"image": "x", "ports": [{"target": "eighty"}]}}},
    {"services": {"bad name!": {"image": "x"}}},
])
def test_the_schema_check_rejects_broken_compose_files(breakage):
    # Proves the validation above can fail: each of these is a real mistake in a compose file.
    assert list(validator().iter_errors(breakage))


def test_image_and_compose_run_the_same_serve_command():
    cmd = json.loads(instruction("CMD"))
    web = compose()["services"]["web"]
    assert web["command"] == cmd


def test_serve_command_is_accepted_by_the_cli_with_several_workers():
    params = serve_params(compose()["services"]["web"]["command"])
    assert params["host"] == "0.0.0.0"  # reachable from outside the container
    assert params["workers"] >= 2
    assert params["port"] == 8000


def test_cli_refuses_a_command_it_does_not_know():
    # The parse above is a real check: an option serve lacks makes it fail.
    with pytest.raises(click.UsageError):
        serve_params(["writethru", "serve", "--threads", "4"])


def test_ports_expose_and_healthcheck_agree_with_the_served_port():
    web = compose()["services"]["web"]
    port = serve_params(web["command"])["port"]
    assert [int(p.rsplit(":", 1)[1]) for p in web["ports"]] == [port]
    assert instruction("EXPOSE") == str(port)
    for test in (web["healthcheck"]["test"], json.loads(
            instruction("HEALTHCHECK").split("CMD", 1)[1].strip())):
        assert f"http://127.0.0.1:{port}/healthz" in " ".join(test)


def test_healthcheck_path_is_a_route_of_the_app(tmp_path):
    from service import create_app

    app = create_app({"STORE_PATH": tmp_path / "store.git"})
    assert "/healthz" in {rule.rule for rule in app.url_map.iter_rules()}


def test_store_is_on_a_named_volume_and_the_token_comes_from_the_environment():
    doc = compose()
    web = doc["services"]["web"]
    store = Path(web["environment"]["WRITETHRU_STORE"])
    mounts = {target: source for source, target in (v.split(":")[:2] for v in web["volumes"])}
    assert any(store.is_relative_to(target) for target in mounts), mounts
    volume = next(source for target, source in mounts.items() if store.is_relative_to(target))
    assert volume in doc["volumes"]  # a named volume, not a bind mount
    assert web["environment"]["WRITETHRU_TOKEN"].startswith("${WRITETHRU_TOKEN")
    assert instruction("VOLUME") == json.dumps([str(next(iter(mounts)))])


def test_image_copies_what_the_install_needs_and_ignores_local_state():
    copied = " ".join(arg for kw, arg in dockerfile() if kw == "COPY")
    for needed in ("pyproject.toml", "README.md", "service", "static", "seeds"):
        assert needed in shlex.split(copied)
    ignored = (ROOT / ".dockerignore").read_text().split()
    for local in (".venv", "var", ".git"):
        assert local in ignored
