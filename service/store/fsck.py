"""`writethru fsck`: check every article's chain and every object its versions need, in words.

Independent of the save path's own checks: it reads each commit, tree and blob through the
same reader the service uses and recomputes each object's id from its content, so a truncated
or altered object is found even where git would still list it.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from .errors import StoreUnavailable
from .health import user_name
from .ids import ARTICLE_ID_RE
from .objects import ObjectReader, stale_temp_files


@dataclass
class Finding:
    """One thing wrong with the store, said in words."""

    problem: str
    article: str | None = None
    version: int | None = None


@dataclass
class Report:
    """What fsck checked and what it found."""

    articles: int = 0
    versions: int = 0
    objects: int = 0
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def whole(self) -> bool:
        """True when nothing is wrong."""
        return not self.findings

    def as_dict(self) -> dict:
        """Return the report as JSON-ready data (`writethru fsck --json`)."""
        return {"whole": self.whole, "articles": self.articles, "versions": self.versions,
                "objects": self.objects, "notes": self.notes,
                "findings": [vars(f) for f in self.findings]}


class _Checker:
    """Reads objects once each and says what is wrong with them."""

    def __init__(self, reader: ObjectReader, report: Report):
        self.reader = reader
        self.report = report
        self.seen: dict[str, str | None] = {}  # object id -> problem (None: whole)

    def whole(self, sha: str) -> bool:
        """True when the object was read and found whole already."""
        return sha in self.seen and self.seen[sha] is None

    def read(self, sha: str, kind: bytes) -> tuple[bytes | None, str | None]:
        """Return (content, None) or (None, what is wrong) for an object of a known kind."""
        if sha in self.seen and self.seen[sha] is not None:
            return None, self.seen[sha]
        try:
            data = self.reader.raw(sha)
        except StoreUnavailable:
            self.seen[sha] = problem = f"the {kind.decode()} {sha[:12]} is missing or unreadable"
            return None, problem
        if sha not in self.seen:
            self.report.objects += 1
            actual = hashlib.sha1(b"%s %d\0" % (kind, len(data)) + data).hexdigest()
            if actual != sha:
                self.seen[sha] = problem = (f"the {kind.decode()} {sha[:12]} is damaged "
                                            f"(its content hashes to {actual[:12]})")
                return None, problem
            self.seen[sha] = None
        return data, None


def check_chains(path: Path, refs: dict[str, str], extra_dir: Path) -> Report:
    """Check every article's chain of versions and every object they need; also ownership."""
    report = Report()
    checker = _Checker(ObjectReader(path / "objects"), report)
    for article_id, head in sorted(refs.items()):
        if not ARTICLE_ID_RE.fullmatch(article_id):
            report.findings.append(Finding(
                f"refs/articles/{article_id} is not a name writethru accepts for an article"))
            continue
        report.articles += 1
        _check_article(checker, article_id, head)
    _check_owners(path, report)
    stale = list(stale_temp_files(path / "objects"))
    if stale:
        report.notes.append(f"{len(stale)} temp files of killed or failed writers are left "
                            "under objects/ ('writethru maintain' removes them)")
    return report


def _check_article(checker: _Checker, article_id: str, head: str) -> None:
    report = checker.report
    chain: list[tuple[str, bytes]] = []
    sha: str | None = head
    while sha:
        data, problem = checker.read(sha, b"commit")
        if data is None:
            where = "the latest version" if sha == head else f"an older version ({len(chain)} " \
                    "newer ones are fine)"
            report.findings.append(Finding(f"{where}: {problem}", article_id))
            return
        chain.append((sha, data))
        sha = _parent(data)
    total = len(chain)
    for position, (sha, data) in enumerate(chain):
        number = total - position
        report.versions += 1
        said = _trailer(data, b"Writethru-Version")
        if said is not None and said != number:
            report.findings.append(Finding(
                f"commit {sha[:12]} says it is version {said} but is version {number} of its "
                "chain", article_id, number))
        _check_tree(checker, article_id, number, _tree(data))


def _check_tree(checker: _Checker, article_id: str, number: int, tree: str) -> None:
    report = checker.report
    entries: dict[str, str] = {}
    problem = _gather(checker, tree, "", entries)
    if problem:
        report.findings.append(Finding(problem, article_id, number))
        return
    for name in ("article.txt", "meta.json"):
        if name not in entries:
            report.findings.append(Finding(f"it has no {name}", article_id, number))
    for name, sha in entries.items():
        if checker.whole(sha):
            continue  # a blob versions share (meta.json, mostly) is read and checked once
        content, problem = checker.read(sha, b"blob")
        if content is None:
            report.findings.append(Finding(f"{name}: {problem}", article_id, number))
        elif name == "meta.json":
            try:
                json.loads(content)
            except ValueError:
                report.findings.append(Finding("meta.json is not JSON", article_id, number))


def _gather(checker: _Checker, tree: str, prefix: str, into: dict[str, str]) -> str | None:
    """Collect {path: blob id} of every file under a tree; return what is wrong, if anything."""
    from git.objects.fun import tree_entries_from_data

    data, problem = checker.read(tree, b"tree")
    if data is None:
        return f"{prefix or 'its file list'}: {problem}"
    for binsha, mode, name in tree_entries_from_data(data):
        if mode == 0o040000:
            problem = _gather(checker, binsha.hex(), f"{prefix}{name}/", into)
            if problem:
                return problem
        else:
            into[f"{prefix}{name}"] = binsha.hex()
    return None


def _parent(commit: bytes) -> str | None:
    header = commit.partition(b"\n\n")[0]
    for line in header.split(b"\n"):
        if line.startswith(b"parent "):
            return line[7:].decode()
    return None


def _tree(commit: bytes) -> str:
    return commit.split(b"\n", 1)[0][5:].decode()


def _trailer(commit: bytes, key: bytes) -> int | None:
    for line in commit.partition(b"\n\n")[2].splitlines():
        if line.startswith(key + b": ") and line[len(key) + 2:].strip().isdigit():
            return int(line[len(key) + 2:])
    return None


def _check_owners(path: Path, report: Report) -> None:
    """Report folders, and the store's own files, that the store's owner cannot write."""
    owner = path.stat().st_uid
    foreign: dict[int, int] = {}
    for folder, dirs, files in os.walk(path):
        inside_extra = Path(folder).is_relative_to(path / "writethru")
        for name in [*dirs, *(files if inside_extra else [])]:
            try:
                uid = os.lstat(os.path.join(folder, name)).st_uid
            except FileNotFoundError:
                continue
            if uid != owner:
                foreign[uid] = foreign.get(uid, 0) + 1
    for uid, count in sorted(foreign.items()):
        report.findings.append(Finding(
            f"{count} folders or lock files belong to {user_name(uid)}, not to the store's owner "
            f"{user_name(owner)}: the service cannot write there (fix with "
            f"'chown -R {user_name(owner)} {path}')"))
