"""The house's shape: wings that import one way, small modules, a CLI that loads only what it needs.

Imports are read from the source (ast), not by importing, so a violation is found whatever the
import order; the import-cost checks run fresh interpreters and are `slow`.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SERVICE = ROOT / "service"
WINGS = {"card", "cli", "diff", "export", "hooks", "ingest", "search", "store", "watch", "web"}
SHARED = {"__init__", "config", "json_shapes", "lru", "plural", "versionspec"}
WEB_LIBRARIES = {"flask", "werkzeug", "jinja2", "markupsafe", "feedgen", "gunicorn"}
# What each wing (or the shared modules at the top) may not import: web and CLI sit on top;
# the store and the diff engine never import each other; ingest uses the store's text format.
FORBIDDEN = {
    "store": {"service.web", "service.cli", "service.diff", "service.ingest", *WEB_LIBRARIES},
    "diff": {"service.web", "service.cli", "service.store", "service.ingest", *WEB_LIBRARIES},
    "ingest": {"service.web", "service.cli", "service.diff", *WEB_LIBRARIES},
    # The picture of a change is drawn from a diff and its digest; pages serve it.
    "card": {"service.web", "service.cli", "service.store", "service.ingest", *WEB_LIBRARIES},
    # Search indexes what the store holds with the digests the diff engine reads.
    "search": {"service.web", "service.cli", "service.ingest", *WEB_LIBRARIES},
    # Webhooks read the store and the digest of a new version; never Flask.
    "hooks": {"service.web", "service.cli", "service.ingest", *WEB_LIBRARIES},
    # Exports read the store and the diff engine; the CLI and one API endpoint stream them.
    "export": {"service.web", "service.cli", "service.ingest", *WEB_LIBRARIES},
    # The watcher saves through the store and the ingest; the CLI hands it Differ.record.
    "watch": {"service.web", "service.cli", "service.diff", *WEB_LIBRARIES},
    "shared": {"service.web", "service.cli", "service.diff", "service.store", "service.ingest",
               "flask", "werkzeug", "jinja2", "markupsafe", "feedgen"},
}
MAX_LINES = 400


def modules() -> list[Path]:
    """Return every Python module under service/."""
    return sorted(SERVICE.rglob("*.py"))


def wing_of(path: Path) -> str:
    """Return the wing a module belongs to, or 'shared' for the modules at the top."""
    parts = path.relative_to(SERVICE).parts
    return parts[0] if len(parts) > 1 else "shared"


def imported(path: Path) -> set[str]:
    """Return the absolute names a module imports, at any depth (function-level imports too)."""
    package = ".".join(("service", *path.relative_to(SERVICE).with_suffix("").parts))
    if path.name != "__init__.py":
        package = package.rpartition(".")[0]
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package
            for _ in range(node.level - 1):
                base = base.rpartition(".")[0]
            module = node.module or ""
            full = f"{base}.{module}".strip(".") if node.level else module
            names.add(full)
            # `from .. import store` imports the module service.store
            names.update(f"{full}.{alias.name}" for alias in node.names)
    return names


def violates(name: str, forbidden: set[str]) -> bool:
    """Tell whether an imported name is one of the forbidden packages or inside one."""
    return any(name == f or name.startswith(f + ".") for f in forbidden)


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(SERVICE)))
def test_imports_point_one_way(path):
    forbidden = FORBIDDEN.get(wing_of(path), set())
    if path == SERVICE / "__init__.py":
        forbidden = set()  # create_app imports the web wing lazily, by design
    bad = sorted(n for n in imported(path) if violates(n, forbidden))
    assert not bad, f"{path.relative_to(ROOT)} imports {bad}"


def test_the_layering_check_catches_a_violation(tmp_path):
    # The checker itself: a diff module importing Flask or the store is reported.
    fake = SERVICE / "diff" / "engine.py"
    names = imported(fake)
    assert "service.diff.align" in names and "service.diff.typography" in names
    assert violates("flask", FORBIDDEN["diff"]) and violates("service.store.text", FORBIDDEN["diff"])
    assert not violates("service.diff.engine", FORBIDDEN["diff"])


def test_service_holds_the_wings_and_a_handful_of_shared_modules():
    packages = {p.name for p in SERVICE.iterdir() if (p / "__init__.py").exists()}
    top = {p.stem for p in SERVICE.glob("*.py")}
    assert packages == WINGS
    assert top == SHARED


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(SERVICE)))
def test_no_module_is_over_400_lines(path):
    lines = path.read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_LINES, f"{path.relative_to(ROOT)} has {lines} lines"


def test_no_path_of_a_build_machine_in_the_repository():
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True,
                             check=True).stdout.split()
    # Spelled apart so that this file does not match itself.
    machine = ("/" + "work" + "/", "/" + "home" + "/")
    found = []
    for name in tracked:
        path = ROOT / name
        if path.is_file() and path.suffix in {".py", ".md", ".toml", ".yml", ".html", ".txt", ""}:
            text = path.read_text(encoding="utf-8", errors="replace")
            if any(prefix in text for prefix in machine):
                found.append(name)
    assert not found


# -- what starting the CLI loads --------------------------------------------------------------

HEAVY = ("jsonschema", "flask", "bs4", "feedgen", "gunicorn")


def loaded_after(code: str) -> set[str]:
    """Run code in a fresh interpreter; return which HEAVY packages it left imported."""
    probe = f"{code}\nimport sys\nprint(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout
    return set(out.split())


@pytest.mark.slow
def test_importing_the_cli_loads_no_web_framework_and_no_schema_validator():
    assert loaded_after("import service.cli") == set()


@pytest.mark.slow
def test_help_and_log_do_not_load_the_schema_validator(tmp_path):
    store = tmp_path / "s.git"
    run = ("from click.testing import CliRunner\nfrom service.cli import cli\n"
           "r = CliRunner().invoke(cli, {args!r})\nassert r.exit_code == {code}, r.output\n")
    assert loaded_after(run.format(args=["--help"], code=0)) == set()
    seeded = subprocess.run([sys.executable, "-m", "service.cli", "--store", str(store), "seed"],
                            cwd=ROOT, capture_output=True, text=True)
    assert seeded.returncode == 0, seeded.stderr
    args = ["--store", str(store), "log", "ap-troops-eastern-europe"]
    assert loaded_after(run.format(args=args, code=0)) == set()


@pytest.mark.slow
def test_a_ninjs_document_still_loads_the_validator_when_it_arrives():
    code = ("from service.ingest import parse_payload\n"
            "parse_payload(b'{\"uri\": \"urn:x\", \"bodies\": [{\"value\": \"Text.\"}]}', "
            "'application/json')")
    assert "jsonschema" in loaded_after(code)
