"""The `writethru` command line: serve, ingest, import, log, diff, seed."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import click

from .. import config, versionspec
from .. import json_shapes as shapes
from ..diff import BadIgnore, Differ, digest_of, parse_ignore
from ..plural import plural
from ..store import GitStore, InvalidCursor, validate_article_id
from . import terminal
from .errors import CliError, OutputError, output_lost, user_errors, watch_stdout
from .files import content_type_option, load, parse_file, parse_stdin


def _settings(store: Path | None) -> dict:
    settings = config.defaults()
    with user_errors():
        settings.update(config.from_env())
        if store is not None:
            settings["STORE_PATH"] = store
        config.check(settings)
    return settings


def _open_store(ctx: click.Context, *, create: bool, durable: bool | None = None,
                refuse_foreign: bool | None = None) -> GitStore:
    """Open the store; refuse_foreign (default: create) refuses one that is another user's."""
    settings = ctx.obj
    path = Path(settings["STORE_PATH"])
    if not create and not path.exists():
        raise CliError(f"no store at {path} (set --store or WRITETHRU_STORE, or load articles "
                       "with 'writethru seed' or 'writethru ingest')")
    store = GitStore(path, durable=settings["DURABLE"] if durable is None else durable,
                     history_cache_bytes=config.cache_bytes(settings, "histories"),
                     object_cache_bytes=config.cache_bytes(settings, "objects"))
    if create if refuse_foreign is None else refuse_foreign:
        # Written as another user, the store would end up with folders its server cannot write.
        problem = store.owner_problem()
        if problem:
            raise CliError(f"refusing to write: {problem}")
    with user_errors():
        # Reading a path that is not a store must say so, not "no article".
        store.init() if create else store.check()
    return store


def _check_id(article_id: str) -> str:
    with user_errors():
        validate_article_id(article_id)
    return article_id


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--store", type=click.Path(path_type=Path), envvar="WRITETHRU_STORE",
              help="Bare git repository of the store  [env: WRITETHRU_STORE; "
                   "default: var/writethru.git]")
@click.version_option(package_name="writethru")
@click.pass_context
def cli(ctx: click.Context, store: Path | None):
    """Keep every version of a news article in git and see how it changed."""
    ctx.obj = _settings(store)


@cli.command()
@click.option("--host", help="Address to bind  [env: WRITETHRU_HOST; default: 127.0.0.1]")
@click.option("--port", type=click.IntRange(1, 65535),
              help="Port to bind  [env: WRITETHRU_PORT; default: 8000]")
@click.option("--workers", type=click.IntRange(1, 64),
              help="Gunicorn worker processes  [env: WRITETHRU_WORKERS; default: 2]")
@click.option("--threads", type=click.IntRange(1, 256),
              help="Request threads per worker  [env: WRITETHRU_THREADS; default: 8]")
@click.pass_context
def serve(ctx: click.Context, host: str | None, port: int | None, workers: int | None,
          threads: int | None):
    """Serve the web pages and the API under gunicorn until interrupted."""
    from ..web import create_app
    from .server import run, with_delivery

    settings = ctx.obj
    threads = threads or settings["THREADS"]
    if threads < 1:
        raise CliError(f"WRITETHRU_THREADS: must be at least 1, not {threads}")
    # Only logged for the server (create_app says it at start): it should still serve reads.
    store = _open_store(ctx, create=True, refuse_foreign=False)
    # The listing index is made current here, before workers fork, so that no request builds
    # it (seconds for 100,000 articles; a request would only wait for it or list from memory).
    if store.owner_problem() is None:  # never leave files of ours in another user's store
        with user_errors():
            store.ensure_index()
    with user_errors():
        store.preload()
    # Workers build their own app from the environment; --store must reach them too.
    os.environ["WRITETHRU_STORE"] = str(settings["STORE_PATH"])
    with user_errors():
        app = create_app()  # fail here, with one line, rather than in every worker
    # Compile the templates once in the master: forked workers share them, and nobody's first
    # page pays ~50 ms of Jinja compiling.
    for name in app.jinja_env.list_templates():
        app.jinja_env.get_template(name)

    processes = workers or settings["WORKERS"]
    options = {
        "bind": f"{host or settings['HOST']}:{port or settings['PORT']}",
        "workers": processes,
        # Threaded workers: a client that sends its request slowly holds one thread, not a whole
        # worker process, so a handful of them cannot stop the others being answered (sync
        # workers were taken down by four). Not gevent or eventlet: the store blocks in
        # fcntl.flock and in sqlite, which do not yield to their event loop, so one waiting
        # save would stall every request of its worker (measured: 2 s heartbeat gaps under
        # gevent while a flock or a sqlite lock was held elsewhere). Many slow clients still
        # need a buffering proxy in front: see deploy/nginx.conf.
        "worker_class": "service.cli.server.ProblemWorker",  # gthread, its errors as problems
        "threads": threads,
        "accesslog": "-",
        "proc_name": "writethru",
        # Workers fork from a master that already imported and built the app (templates
        # compiled); the store opens nothing until a request, so nothing is shared by mistake.
        "preload_app": True,
        # gunicorn 24+ opens a control socket at one fixed path per user; two servers would clash.
        "control_socket_disable": True,
    }

    click.echo(f"writethru: serving {settings['STORE_PATH']} on http://{options['bind']}/ "
               f"with {plural(processes, 'worker')} of {plural(threads, 'thread')}",
               err=True)
    run(app, with_delivery(app, options))


@cli.command()
@click.argument("article_id", metavar="ID")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path, allow_dash=True))
@click.option("--type", "-t", "forced_type", metavar="TYPE", callback=content_type_option,
              help="Format of every file: text, json, html, ninjs, or a full content type such "
                   "as text/plain  [default: from the name; for -, json when it is a JSON "
                   "object, else text]")
@click.pass_context
def ingest(ctx: click.Context, article_id: str, files: tuple[Path, ...], forced_type: str | None):
    """Save each FILE as the next version of article ID.

    Files are saved in the order given; '-' reads standard input. The format comes from
    --type, else the name (.txt, .json, .html). Without --type, standard input is read as JSON
    when it holds a JSON object (ninjs when it has a `uri`), else as plain text; a file whose
    name does not tell is read as JSON when it holds a JSON object, else refused. Every file
    is read and checked before anything is saved: if one is refused, none is.
    """
    _check_id(article_id)
    submissions = [(path, parse_stdin(forced_type) if str(path) == "-" else
                    parse_file(path, forced_type)) for path in files]
    store = _open_store(ctx, create=True)
    differ = _differ(ctx, store)
    hooks = _hooks(ctx, store)
    with user_errors():
        for path, submission in submissions:
            saved = store.save(article_id, submission)
            name = "standard input" if str(path) == "-" else str(path)
            if saved.created:
                differ.record(saved.article, saved.version, saved.commit)
                hooks.version_created(saved.article, saved.version, saved.commit)
                click.echo(f"{name}: {article_id} v{saved.version} ({saved.commit[:7]})")
            else:
                click.echo(f"{name}: identical to {article_id} v{saved.version}, nothing saved")


@cli.command(name="import")
@click.argument("directory", metavar="DIR",
                type=click.Path(path_type=Path, file_okay=False, exists=True))
@click.option("--progress/--no-progress", default=True, show_default=True,
              help="Show a progress bar on stderr")
@click.pass_context
def import_(ctx: click.Context, directory: Path, progress: bool):
    """Load many articles at once: one folder per article under DIR.

    The folder's name is the article id; its files are the versions, in name order. Every
    file is checked before anything is written. Articles the store lacks go straight into one
    pack; the refs are packed and the listing index made current at the end. Writes with
    relaxed durability and syncs once at the end. Versions already in the store are skipped,
    so a second import adds nothing.
    """
    store = _open_store(ctx, create=True, durable=False)
    started = time.monotonic()
    try:
        differ = _differ(ctx, store)
        counts = load(store, directory, progress=progress,
                      learn=lambda article_id: differ.annotate(article_id))
    finally:
        with user_errors():
            store.sync()
    seconds = time.monotonic() - started
    click.echo(f"Imported {plural(counts['articles'], 'article')} from {directory}: "
               f"{plural(counts['created'], 'new version')}, {counts['identical']} identical, "
               f"{counts['present']} already present ({seconds:.1f} s)")


@cli.command()
@click.pass_context
def seed(ctx: click.Context):
    """Load the demo articles from seeds/ (idempotent)."""
    store = _open_store(ctx, create=True)
    counts = load(store, config.SEEDS_DIR, progress=False)
    if counts["created"] == 0:
        click.echo(f"Seeds already loaded ({plural(counts['articles'], 'article')}, "
                   f"{plural(counts['present'], 'version')} in {ctx.obj['STORE_PATH']}); "
                   "nothing added")
    else:
        click.echo(f"Seeded {plural(counts['articles'], 'article')} into "
                   f"{ctx.obj['STORE_PATH']}: {plural(counts['created'], 'new version')}, "
                   f"{counts['present']} already present")


@cli.command()
@click.argument("article_id", metavar="ID")
@click.option("--json", "as_json", is_flag=True,
              help="Print the API's article document, each version with its digest")
@click.pass_context
def log(ctx: click.Context, article_id: str, as_json: bool):
    """List the versions of article ID, newest first, with what each changed."""
    _check_id(article_id)
    store = _open_store(ctx, create=False)
    with user_errors():
        infos = store.versions(article_id)
        stats, digests = terminal.walk_digests(_differ(ctx, store), store, article_id, infos)
    if as_json:
        doc = shapes.article(article_id, infos)
        for entry, digest in zip(doc["versions"], digests, strict=True):
            entry["digest"] = digest
        click.echo(json.dumps(doc, ensure_ascii=False, indent=2))
        return
    click.echo(terminal.render_log(infos, stats, digests, width=terminal.width()), color=None)


@cli.command(name="list")
@click.option("--limit", "-n", type=click.IntRange(1, 1000), default=50, show_default=True,
              help="Articles per page")
@click.option("--cursor", metavar="CURSOR", help="The page after the one that gave CURSOR")
@click.option("--query", "-q", metavar="TEXT",
              help="Only articles whose id or headline contains TEXT (any case)")
@click.option("--json", "as_json", is_flag=True,
              help="Print the API's article summaries and the next page's cursor")
@click.pass_context
def list_(ctx: click.Context, limit: int, cursor: str | None, query: str | None,
          as_json: bool):
    """List the articles, most recently updated first."""
    store = _open_store(ctx, create=False)
    with user_errors():
        try:
            summaries, next_cursor = store.list_articles(limit, cursor or None, query or None)
        except InvalidCursor as exc:  # a bad argument, as the API's 400
            raise CliError(f"--cursor: {exc}", exit_code=2) from exc
    if as_json:
        doc = {"articles": [shapes.article_summary(s) for s in summaries], "next": next_cursor}
        click.echo(json.dumps(doc, ensure_ascii=False, indent=2))
        return
    if summaries:
        click.echo(terminal.render_list(summaries, width=terminal.width()), color=None)
    if next_cursor:
        click.echo(f"more: writethru list --cursor {next_cursor}", err=True)


def _hooks(ctx: click.Context, store: GitStore):  # -> Hooks; delivered by a server or `hooks deliver`
    from ..hooks import Hooks

    with user_errors():
        return Hooks(store.path, ctx.obj["HOOKS_FILE"] or None, base_url=ctx.obj["BASE_URL"])


def _differ(ctx: click.Context, store: GitStore) -> Differ:
    return Differ(store, ctx.obj["PROMO_PATTERN"], facts=Differ.facts_beside(store.path),
                  **{f"{name}_bytes": config.cache_bytes(ctx.obj, name)
                     for name in ("diffs", "stats", "annotations")})


def _parse_version_arg(value: str | None, name: str, *, allow_zero: bool) -> int | str | None:
    if value is None:
        return None
    try:
        return versionspec.parse_version(value, allow_zero=allow_zero)
    except versionspec.BadVersion as exc:
        raise CliError(f"{name} {exc}", exit_code=2) from exc


@cli.command()
@click.argument("article_id", metavar="ID")
@click.argument("a", required=False)
@click.argument("b", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON diff document")
@click.option("--ignore", "ignore_text", metavar="WHAT", default="",
              help="Differences not to count, as the API's ignore=: 'typography' (quotes, "
                   "dashes, white space and Unicode forms)")
@click.option("--ignore-typography", is_flag=True, hidden=True,
              help="Same as --ignore typography (kept for scripts written before --ignore)")
@click.option("--all", "-a", "show_unchanged", is_flag=True, help="Show unchanged paragraphs too")
@click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto",
              show_default=True, help="Colour the output (auto: when stdout is a terminal)")
@click.pass_context
def diff(ctx: click.Context, article_id: str, a: str | None, b: str | None, as_json: bool,
         ignore_text: str, ignore_typography: bool, show_unchanged: bool, color: str):
    """Show how article ID changed from version A to B.

    Without A and B: the latest version against the one before. With A only: A against the
    latest. A may be 0, the empty story before version 1; either may be 'latest'.
    """
    _check_id(article_id)
    start = _parse_version_arg(a, "A", allow_zero=True)
    end = _parse_version_arg(b, "B", allow_zero=False)
    try:
        ignore = parse_ignore("typography" if ignore_typography else ignore_text)
    except BadIgnore as exc:
        raise CliError(f"--ignore: {exc}", exit_code=2) from exc
    store = _open_store(ctx, create=False)
    with user_errors():
        result, old, new = _differ(ctx, store).compare(article_id, start, end or "latest", ignore)
    if as_json:
        doc = shapes.diff(article_id, old, new, result, ignore,
                          digest=digest_of(result, old, new))
        click.echo(json.dumps(doc, ensure_ascii=False, indent=2))
        return
    colour = {"always": True, "never": False}.get(color, sys.stdout.isatty())
    click.echo(terminal.render_diff(article_id, result, old, new, colour=colour,
                                    show_unchanged=show_unchanged), color=colour)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON")
@click.pass_context
def fsck(ctx: click.Context, as_json: bool):
    """Check every article's chain of versions and every object they need.

    Exit status 0 when the store is whole, 1 when something is wrong (each finding is said in
    words). A clean check also clears the damage a save reported to /healthz.
    """
    store = _open_store(ctx, create=False)
    with user_errors():
        report = store.fsck()
    if as_json:
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    else:
        for finding in report.findings:
            where = " ".join(x for x in (finding.article or "",
                                         f"v{finding.version}" if finding.version else "") if x)
            click.echo(f"{where}: {finding.problem}" if where else finding.problem)
        for note in report.notes:
            click.echo(f"note: {note}")
        verdict = "the store is whole" if report.whole else \
            f"{plural(len(report.findings), 'problem')} found"
        click.echo(f"Checked {plural(report.articles, 'article')}, "
                   f"{plural(report.versions, 'version')}, {plural(report.objects, 'object')}: "
                   f"{verdict}")
    ctx.exit(0 if report.whole else 1)


@cli.command()
@click.option("--auto", is_flag=True,
              help="Only if due, and incrementally (git gc --auto): what the server starts")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing unless something fails")
@click.pass_context
def maintain(ctx: click.Context, auto: bool, quiet: bool):
    """Pack objects and refs, and remove idle lock files and dead writers' temp files.

    Safe while the server runs and takes versions: nothing young is pruned (git gc with a
    two-week grace, never --prune=now). The server also starts this by itself when loose
    objects pile up.
    """
    store = _open_store(ctx, create=False, refuse_foreign=True)
    with user_errors():
        done = store.maintain(auto=auto)
    if quiet:
        return
    if done.skipped:
        click.echo("Another maintenance run is going on; nothing done")
        return
    click.echo(f"Packed {plural(done.loose_before, 'loose object')} into "
               f"{plural(done.packs_after, 'pack')} ({done.loose_after:,} left loose); "
               f"removed {plural(done.locks_removed, 'idle lock file')} "
               f"and {plural(done.temp_removed, 'stale temp file')} ({done.seconds:.1f} s)")


def main() -> None:
    """Run the command line (the `writethru` console script); lost output is one line, once."""
    watch_stdout()
    try:
        try:
            cli(prog_name="writethru")
        finally:
            sys.stdout.flush()  # buffered output meets a full disk here, not in Python's exit
    except OutputError as exc:
        raise SystemExit(output_lost(exc)) from None
