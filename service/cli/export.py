"""`writethru export`: articles, versions and changes as JSON Lines or CSV for research.

Registered on the `writethru` group. Every filter is checked, and every exact id looked up,
before a file is opened; the records then stream out one article at a time (service/export).
"""

from __future__ import annotations

import sys
import time
from contextlib import nullcontext
from pathlib import Path

import click

from ..plural import plural
from .errors import CliError, user_errors


@click.command()
@click.option("--store", type=click.Path(path_type=Path), envvar="WRITETHRU_STORE",
              help="Bare git repository of the store  [env: WRITETHRU_STORE]")
@click.option("--what", type=click.Choice(["articles", "versions", "changes", "all"]),
              default="all", show_default=True,
              help="Records to write: article records, versions with metadata, changed "
                   "paragraphs between consecutive versions, or all three")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl",
              show_default=True, help="JSON Lines, or CSV (one file per kind of record)")
@click.option("--article", "articles", multiple=True, metavar="ID",
              help="Only this article (repeatable); a glob such as 'ap-*' matches ids")
@click.option("--since", metavar="DATE",
              help="Only versions saved at or after DATE (YYYY-MM-DD or an ISO 8601 time, UTC)")
@click.option("--until", metavar="DATE",
              help="Only versions saved before the end of DATE (a day) or before a time")
@click.option("--out", default="-", show_default=True, metavar="DIR",
              help="Folder for articles.jsonl, versions.jsonl, changes.jsonl (or .csv); "
                   "'-' writes to standard output")
@click.pass_context
def export(ctx: click.Context, store: Path | None, what: str, fmt: str,
           articles: tuple[str, ...], since: str | None, until: str | None, out: str):
    """Write the store's articles, versions and paragraph changes for analysis (pandas, R).

    One record per line (JSON Lines) or per row (CSV), in the schema of docs/EXPORT.md: each
    change is one paragraph added, removed, changed, touched only in typography, moved, split
    or joined, with its text before and after and NewsEdits' action. A progress bar shows on
    standard error when it is a terminal; a summary line ends the run.
    """
    from ..export import BadFilter, Export, open_folder, open_stream, parse_what, selection
    from .commands import _differ, _open_store, _settings

    if ctx.obj is None or store is not None:
        parent = ctx.obj or {}
        ctx.obj = _settings(store or (Path(parent["STORE_PATH"]) if parent else None))
    try:
        chosen = selection(articles, since, until)
    except BadFilter as exc:
        raise CliError(f"--{exc.name}: {exc}", exit_code=2) from exc
    kinds = parse_what(what)
    if out == "-" and fmt == "csv" and len(kinds) != 1:
        raise CliError("--format csv to standard output takes one --what (articles, versions "
                       "or changes); give --out DIR for all three", exit_code=2)
    git_store = _open_store(ctx, create=False)
    job = Export(git_store, _differ(ctx, git_store), chosen, kinds)
    started = time.monotonic()
    with user_errors():
        ids = job.article_ids()  # an exact id the store lacks fails here, before any file
        paths: list[Path] = []
        if out == "-":
            sink = open_stream(sys.stdout, fmt, kinds)
        else:
            try:
                sink, paths = open_folder(Path(out), fmt, kinds)
            except (OSError, ValueError) as exc:
                raise CliError(f"--out: {exc}", exit_code=2) from exc
        bar = (click.progressbar(length=len(ids), label="exporting", file=sys.stderr)
               if sys.stderr.isatty() and ids else nullcontext())
        try:
            with bar as progress:
                for article_id in ids:
                    for kind, record in job.records(article_id):
                        sink.write(kind, record)
                    if progress is not None:
                        progress.update(1)
        finally:
            sink.close()
    seconds = time.monotonic() - started
    made = ", ".join(plural(job.counts[k], k[:-1]) for k in kinds)
    where = "standard output" if out == "-" else ", ".join(str(p) for p in paths)
    click.echo(f"Exported {made} ({plural(len(ids), 'article')} selected) to {where} "
               f"({seconds:.1f} s)", err=True)


if __name__ == "__main__":  # `python -m service.cli.export`: the command alone (the bench's process)
    export(prog_name="writethru export")
