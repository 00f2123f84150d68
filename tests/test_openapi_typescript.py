"""TypeScript types generated from the served document type the request bodies (openapi-typescript).

With one untyped body, `{hedline: 42}` type-checked as a version to send; with a named model per
media type, tsc refuses it. The tools are installed into .cache/openapi-lint by
`bash scripts/ensure-openapi-lint` (make test runs it); missing, this test fails, never skips.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from service import create_app

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".cache" / "openapi-lint" / "node_modules" / ".bin"

pytestmark = pytest.mark.slow

CHECK = """
import type { components, paths } from "./api";
type Post = paths["/api/articles/{article_id}/versions"]["post"];
type Json = Post["requestBody"]["content"]["application/json"];
type Ninjs = Post["requestBody"]["content"]["application/ninjs+json"];
type Saved = Post["responses"]["201"]["content"]["application/json"];
const json: Json = { headline: "Storm hits coast", body: "Text.", published_at: "2026-12-01T09:00:00Z" };
const ninjs: Ninjs = { uri: "urn:example:1" };
const saved = (s: Saved): number => s.version;
%s
export { json, ninjs, saved };
"""


def _tsc(tmp_path: Path, extra: str) -> subprocess.CompletedProcess:
    for tool in ("openapi-typescript", "tsc"):
        if not (BIN / tool).exists():
            where = "in CI (CI=true)" if os.environ.get("CI") == "true" else "on this machine"
            pytest.fail(f"{tool} is missing {where}: run `bash scripts/ensure-openapi-lint` "
                        "(make test does).")
    client = create_app({"STORE_PATH": tmp_path / "s.git", "TESTING": True}).test_client()
    (tmp_path / "openapi.json").write_text(json.dumps(client.get("/api/openapi.json").get_json()))
    made = subprocess.run([str(BIN / "openapi-typescript"), "openapi.json", "-o", "api.d.ts"],
                          capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert made.returncode == 0, made.stdout + made.stderr
    (tmp_path / "check.ts").write_text(CHECK % extra)
    return subprocess.run([str(BIN / "tsc"), "--noEmit", "--strict", "check.ts"],
                          capture_output=True, text=True, cwd=tmp_path, timeout=120)


def test_the_generated_types_take_a_right_version(tmp_path):
    done = _tsc(tmp_path, "")
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("wrong", [
    'const typo: Json = { hedline: 42, body: "Text." };',   # a misspelt field
    'const number: Json = { headline: 42, body: "Text." };',  # a headline that is no string
    "const nothing: Ninjs = { headlines: [] };",              # ninjs without its uri
])
def test_the_generated_types_refuse_a_wrong_version(tmp_path, wrong):
    done = _tsc(tmp_path, wrong)
    assert done.returncode != 0 and "error TS" in done.stdout, done.stdout + done.stderr
