"""Deployment: docker-compose.yml is valid Compose; the image and compose agree with the CLI.

No container engine runs here, so the compose file is checked against the Compose Specification's
JSON Schema (tests/data/compose-spec.json) and the commands are parsed by the real CLI. nginx's
config (deploy/nginx.conf) is read against compose and the app's settings, and Debian's nginx
checks it (`nginx -t`); tests/web_api/test_slow_clients.py runs it with the helpers below.
"""

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import click
import jsonschema
import pytest
import yaml

from service.cli import cli, serve

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((ROOT / "tests/data/compose-spec.json").read_text())
NGINX = Path("/usr/sbin/nginx")  # Debian's; `make test` installs it (scripts/ensure-nginx)
NGINX_CONF = ROOT / "deploy" / "nginx.conf"
# Where nginx writes request bodies and responses too large for memory (the Debian build's
# defaults are under /var/lib/nginx); relative to the prefix a test runs nginx in.
NGINX_TEMP_PATHS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")


def require_nginx() -> None:
    """Fail (never skip) when nginx is missing; in CI and local runs alike."""
    if NGINX.exists():
        return
    where = "in CI (CI is set)" if os.environ.get("CI") else "on this machine"
    pytest.fail(f"nginx is missing {where}: the deployment and slow-client tests need Debian's "
                f"nginx at {NGINX}. Install it with `bash scripts/ensure-nginx` (or `apt-get "
                "install nginx`); `make test` does this for you.", pytrace=False)


def nginx_directives(name: str, text: str | None = None) -> list[str]:
    """Return the arguments of every `name ...;` directive in deploy/nginx.conf, comments left out."""
    text = NGINX_CONF.read_text() if text is None else text
    lines = (line.split("#", 1)[0] for line in text.splitlines())
    return [m.group(1).strip() for line in lines
            if (m := re.match(rf"\s*{re.escape(name)}\s+([^;']*(?:'[^']*')?[^;]*);", line))]


def nginx_conf_for(prefix: Path, upstream: str, listen: str) -> Path:
    """Write deploy/nginx.conf into prefix for a local run; return the written file.

    Only what a machine without Docker must differ in changes: the upstream (compose's `web`
    service) and the listen address become the ones given, and the paths nginx writes to go
    inside prefix. The pid file, `daemon off` and the worker user come from nginx_command().
    """
    text = NGINX_CONF.read_text()
    [old_upstream] = nginx_directives("server", text)
    [old_listen] = nginx_directives("listen", text)
    temp = "".join(f"\n    {kind}_temp_path {kind};" for kind in NGINX_TEMP_PATHS)
    for old, new in ((f"server {old_upstream};", f"server {upstream};"),
                     (f"listen {old_listen};", f"listen {listen};"),
                     ("http {", "http {" + temp)):
        assert text.count(old) == 1, f"{old!r} is not once in {NGINX_CONF}"
        text = text.replace(old, new)
    conf = prefix / "nginx.conf"
    conf.write_text(text)
    return conf


def nginx_command(prefix: Path, conf: Path, *extra: str) -> list[str]:
    """Return the command that runs nginx with conf in the foreground, its files inside prefix."""
    main = "daemon off; pid nginx.pid;"
    if os.geteuid() == 0:
        # Workers would otherwise run as nobody, who cannot enter a root-owned temporary folder.
        main += " user root;"
    return [str(NGINX), "-p", f"{prefix}/", "-e", "stderr", "-c", str(conf), "-g", main, *extra]


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
        serve_params(["writethru", "serve", "--worker-class", "gevent"])


def test_ports_expose_and_healthcheck_agree_with_the_served_port():
    web = compose()["services"]["web"]
    port = serve_params(web["command"])["port"]
    assert [int(p) for p in web["expose"]] == [port]
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


def test_only_nginx_is_published_and_it_proxies_to_the_served_port():
    services = compose()["services"]
    web, nginx = services["web"], services["nginx"]
    # gunicorn never faces a client directly: its few threads must not wait on slow ones.
    assert [name for name, service in services.items() if "ports" in service] == ["nginx"]
    assert nginx_directives("server") == [f"web:{serve_params(web['command'])['port']}"]
    [published] = nginx["ports"]
    host_ip, host_port, container_port = published.split(":")
    assert (host_ip, host_port) == ("127.0.0.1", "8000")  # where the README's commands go
    assert nginx_directives("listen") == [container_port]
    assert nginx["depends_on"] == {"web": {"condition": "service_healthy"}}
    # nginx's healthcheck goes through nginx to the app's /healthz.
    assert f"http://127.0.0.1:{container_port}/healthz" in nginx["healthcheck"]["test"]


def test_nginx_config_is_mounted_read_only_from_the_repository():
    [volume] = compose()["services"]["nginx"]["volumes"]
    source, target, mode = volume.split(":")
    assert (ROOT / source).resolve() == NGINX_CONF and NGINX_CONF.is_file()
    assert (target, mode) == ("/etc/nginx/nginx.conf", "ro")


def test_nginx_buffers_requests_and_responses_and_times_out_slow_clients():
    assert nginx_directives("proxy_request_buffering") == ["on"]
    assert nginx_directives("proxy_buffering") == ["on"]
    for name in ("client_header_timeout", "client_body_timeout", "send_timeout",
                 "proxy_connect_timeout", "proxy_send_timeout", "proxy_read_timeout"):
        assert re.fullmatch(r"\d+s", " ".join(nginx_directives(name))), name


def test_nginx_passes_the_clients_host_and_gunicorn_trusts_its_forwarded_proto():
    headers = dict(h.split(None, 1) for h in nginx_directives("proxy_set_header"))
    # The feeds' absolute links come from Host: the client's, port included ($host drops it).
    assert headers["Host"] == "$http_host"
    assert headers["X-Forwarded-Proto"] == "$scheme"
    assert headers["X-Forwarded-For"] == "$proxy_add_x_forwarded_for"
    # gunicorn reads X-Forwarded-Proto only from these addresses (nginx's is not fixed).
    assert compose()["services"]["web"]["environment"]["FORWARDED_ALLOW_IPS"] == "*"


def test_nginx_body_limit_and_its_413_agree_with_the_app(tmp_path):
    from service import config, create_app

    [size] = nginx_directives("client_max_body_size")
    unit = {"k": 1024, "m": 1024 ** 2, "g": 1024 ** 3}.get(size[-1].lower(), 1)
    limit = int(size.rstrip("kKmMgG")) * unit
    assert limit == config.defaults()["MAX_BODY"]
    app = create_app({"STORE_PATH": tmp_path / "store.git"})
    over = app.test_client().post("/api/articles/a/versions", data=b"x" * (limit + 1),
                                  content_type="text/plain")
    assert over.status_code == 413
    # nginx refuses first, with the same problem document.
    assert nginx_directives("error_page") == ["413 @too_large"]
    assert "application/problem+json" in nginx_directives("default_type")
    [answer] = nginx_directives("return")
    status, body = answer.split(None, 1)
    assert int(status) == 413
    assert json.loads(body.strip("'")) == over.get_json()


@pytest.mark.slow  # runs nginx
def test_nginx_accepts_the_config(tmp_path):
    require_nginx()
    conf = nginx_conf_for(tmp_path, "127.0.0.1:8000", "127.0.0.1:8080")
    checked = subprocess.run(nginx_command(tmp_path, conf, "-t"), capture_output=True, text=True,
                             timeout=30)
    assert checked.returncode == 0, checked.stderr
    assert "test is successful" in checked.stderr
    # The check can fail: nginx refuses a directive with a wrong value.
    conf.write_text(conf.read_text().replace("proxy_buffering on;", "proxy_buffering maybe;"))
    broken = subprocess.run(nginx_command(tmp_path, conf, "-t"), capture_output=True, text=True,
                            timeout=30)
    assert broken.returncode != 0 and "proxy_buffering" in broken.stderr


@pytest.mark.parametrize("ci", ["true", None])
def test_missing_nginx_fails_with_instructions(monkeypatch, tmp_path, ci):
    monkeypatch.setattr(sys.modules[__name__], "NGINX", tmp_path / "no-nginx-here")
    if ci:
        monkeypatch.setenv("CI", ci)
    else:
        monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.fail.Exception) as failed:
        require_nginx()
    message = str(failed.value)
    assert "ensure-nginx" in message and "apt-get install nginx" in message
    assert ("in CI" in message) == bool(ci)


def test_watch_service_collects_into_the_web_service_store_with_a_valid_watch_list():
    from service.cli import cli
    from service.watch.config import load

    doc = compose()
    web, watch = doc["services"]["web"], doc["services"]["watch"]
    assert watch["environment"]["WRITETHRU_STORE"] == web["environment"]["WRITETHRU_STORE"]
    assert [v for v in watch["volumes"] if v.startswith("store:")] == \
        [v for v in web["volumes"] if v.startswith("store:")]
    # The command parses with the real CLI, and the watch list it names is the repository's.
    assert watch["command"][:2] == ["writethru", "watch"]
    command = cli.get_command(None, "watch")
    params = command.make_context("watch", list(watch["command"][2:])).params
    [option] = [p for p in command.params if "--config" in p.opts]
    mounted = {target: source for source, target in (v.split(":")[:2] for v in watch["volumes"])}
    watch_list = ROOT / mounted[str(params[option.name])]
    assert watch_list == ROOT / "deploy" / "watch.toml"
    assert load(watch_list).sources  # the example parses: contact, a feed and an article
