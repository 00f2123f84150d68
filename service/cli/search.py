"""`writethru search`: words in any version, or the versions with a kind of change."""

from __future__ import annotations

import json
import sys

import click

from ..search import BadQuery, SearchIndex, parse_search, run
from .errors import CliError, user_errors


@click.command()
@click.argument("words", nargs=-1)
@click.option("--changed", metavar="KINDS",
              help="Only stories with an update that changed these, joined by commas: headline, "
                   "number, quote, removed, correction, killed, label, lede, byline, added, ...")
@click.option("--since", metavar="DATE", help="Versions saved on or after DATE (2026-12-01)")
@click.option("--until", metavar="DATE", help="Versions saved on or before DATE")
@click.option("--label", metavar="TEXT", help="Versions whose label contains TEXT")
@click.option("--limit", "-n", type=click.IntRange(1, 100), default=20, show_default=True)
@click.option("--cursor", metavar="CURSOR", help="The page after the one that gave CURSOR")
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON search document")
@click.pass_context
def search(ctx: click.Context, words: tuple[str, ...], changed: str | None, since: str | None,
           until: str | None, label: str | None, limit: int, cursor: str | None, as_json: bool):
    """Search every version of every story for WORDS (FTS5 syntax: "a phrase", prefix*, OR).

    With --changed and no WORDS, lists the updates that made that kind of change. The search
    index is brought up to date first (a progress bar shows on a terminal).
    """
    from .commands import _differ, _open_store  # commands imports this module's package

    args = {"q": " ".join(words), "changed": changed or "", "since": since or "",
            "until": until or "", "label": label or "", "limit": str(limit), "cursor": cursor or ""}
    try:
        asked = parse_search(args)
    except BadQuery as exc:
        raise CliError(f"--{exc.parameter if exc.parameter != 'q' else 'words'}: {exc}") from None
    store = _open_store(ctx, create=False)
    index = SearchIndex(store, _differ(ctx, store))
    with user_errors():
        _sync(index)
        try:
            hits, next_cursor = run(index.conn(), asked)
        except BadQuery as exc:
            raise CliError(str(exc)) from None
    if as_json:
        click.echo(json.dumps({"hits": hits, "next": next_cursor, "pending": 0},
                              ensure_ascii=False, indent=2))
        return
    if not hits:
        click.echo("Nothing found.")
    for hit in hits:
        click.echo(_line(hit))
    if next_cursor:
        click.echo(f"\nMore: writethru search ... --cursor {next_cursor}")


def _sync(index: SearchIndex) -> None:
    todo = len(index.pending())
    if not todo:
        return
    if not sys.stderr.isatty():
        index.sync()
        return
    with click.progressbar(length=todo, label="Indexing", file=sys.stderr) as bar:
        seen = [0]

        def step(done: int, _total: int) -> None:
            bar.update(done - seen[0])
            seen[0] = done

        index.sync(progress=step)


def _line(hit: dict) -> str:
    first, last = hit["from_version"], hit["to_version"]
    title = hit["headline"] or hit["article"]
    if hit["match"] == "change":
        head = click.style(f"{hit['article']}  v{first} → v{last}", bold=True) + f"  {title}"
        body = "\n".join(f"    {c['text']}" for c in hit["changes"])
        return f"{head}\n{body}\n    writethru diff {hit['article']} {first} {last}"
    span = f"v{first} only" if first == last else f"v{first}–v{last}"
    where = "headline" if hit["field"] == "headline" else f"¶{hit['paragraph']}"
    text, at, marked = hit["text"], 0, []
    for start, end in hit["highlights"]:
        marked += [text[at:start], click.style(text[start:end], bold=True, underline=True)]
        at = end
    marked.append(text[at:])
    gone = (f"; gone in writethru diff {hit['article']} {last} {last + 1}"
            if last < hit["versions"] else "; still in the latest version")
    came = ("in v1" if first == 1
            else f"came in: writethru diff {hit['article']} {first - 1} {first}")
    return (click.style(f"{hit['article']}  {span} of {hit['versions']}  {where}", bold=True)
            + f"  {title}\n    {''.join(marked)}\n    {came}{gone}")
