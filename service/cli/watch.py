"""`writethru watch`: poll the feeds and pages of a watch list and save each new version.

Registered on the `writethru` group; `python -m service.cli.watch` runs it alone (the tests'
subprocess). The watcher's libraries load only when the command runs, not with the CLI.
"""

from __future__ import annotations

import signal
from pathlib import Path

import click

from ..plural import plural
from .errors import CliError


@click.command()
@click.option("--config", "config_path", required=True, metavar="FILE",
              type=click.Path(path_type=Path, dir_okay=False),
              help="Watch list: TOML (settings, [[feed]], [[article]], [site.HOST]) or OPML")
@click.option("--once", is_flag=True, help="One pass over what is due, then a summary (for cron)")
@click.option("--store", type=click.Path(path_type=Path), envvar="WRITETHRU_STORE",
              help="Bare git repository of the store  [env: WRITETHRU_STORE]")
@click.pass_context
def watch(ctx: click.Context, config_path: Path, once: bool, store: Path | None):
    """Poll publishers' feeds and article pages; save each new version of a story.

    A version is saved when the extracted text or headline differs from the article's latest.
    Without --once it runs until SIGTERM or Ctrl-C, which stop it between saves.
    """
    from ..watch.config import WatchListError, load
    from ..watch.runner import Watcher
    from .commands import _differ, _hooks, _open_store, _settings

    if ctx.obj is None or store is not None:
        parent = ctx.obj or {}
        ctx.obj = _settings(store or (Path(parent["STORE_PATH"]) if parent else None))
    try:
        watchlist = load(config_path)
    except WatchListError as exc:
        raise CliError(str(exc), exit_code=2) from exc
    git_store = _open_store(ctx, create=True)
    differ = _differ(ctx, git_store)
    hooks = _hooks(ctx, git_store)  # queued here; delivered by a server or `hooks deliver`

    def record(saved) -> None:  # what a POST does after a new version: diff facts, then webhooks
        differ.record(saved.article, saved.version, saved.commit)
        hooks.version_created(saved.article, saved.version, saved.commit)

    watcher = Watcher(watchlist, git_store, record, say=lambda line: click.echo(line, err=True))

    def stop(signum, frame):  # only sets a flag: a save under way finishes first
        click.echo(f"watch: {signal.Signals(signum).name}, stopping after the current page",
                   err=True)
        watcher.stop.set()

    previous = {s: signal.signal(s, stop) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        if once:
            report = watcher.run_once()
            click.echo(report.summary())
        else:
            click.echo(f"watch: {plural(len(watchlist.sources), 'source')} into {git_store.path}; "
                       "SIGTERM stops", err=True)
            watcher.run_forever()
            click.echo("watch: stopped cleanly")
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        watcher.close()


if __name__ == "__main__":
    watch(prog_name="writethru watch")
