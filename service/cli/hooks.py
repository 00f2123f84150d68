"""`writethru hooks`: the webhook delivery log, a foreground delivery worker, and a test send."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import click

from .errors import CliError, user_errors


def _hooks(ctx: click.Context):
    """Return the store's Hooks (its file checked: a bad one is a one-line error)."""
    from ..hooks import Hooks

    settings = ctx.obj
    with user_errors():
        return Hooks(Path(settings["STORE_PATH"]), base_url=settings.get("BASE_URL", ""))


def _when(moment: float | None) -> str:
    if moment is None:
        return "-"
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%d %H:%M:%SZ")


@click.group()
def hooks():
    """Webhooks: who is told of new versions, and how their deliveries went."""


@hooks.command(name="log")
@click.option("--article", "article", metavar="ID", help="Only deliveries of this article")
@click.option("--limit", "-n", type=click.IntRange(1, 10000), default=50, show_default=True,
              help="Attempts to show, newest first")
@click.option("--json", "as_json", is_flag=True, help="Print the attempts as JSON")
@click.pass_context
def log_(ctx: click.Context, article: str | None, limit: int, as_json: bool):
    """List delivery attempts, newest first: time, subscriber, version, answer, next retry."""
    from ..hooks import Queue, queue_file
    from ..store import validate_article_id

    if article is not None:
        with user_errors():
            validate_article_id(article)
    queue = Queue(queue_file(Path(ctx.obj["STORE_PATH"])))
    attempts = queue.attempts(article, limit)
    if as_json:
        click.echo(json.dumps([{
            "delivery": a.delivery, "attempt": a.n, "started_at": _when(a.started_at),
            "finished_at": _when(a.finished_at) if a.finished_at else None,
            "subscription": a.subscription, "url": a.url, "article": a.article,
            "version": a.version, "status": a.status, "error": a.error,
            "next_retry": _when(a.next_at) if a.next_at else None, "state": a.state,
        } for a in attempts], ensure_ascii=False, indent=2))
        return
    if not attempts:
        click.echo("No delivery attempts yet" + (f" for {article}" if article else ""))
        return
    for a in attempts:
        if a.finished_at is None:
            answer = "interrupted (no answer recorded)"
        elif a.status is not None and a.error is None:
            answer = f"{a.status} delivered"
        else:
            answer = a.error or f"{a.status}"
        retry = f"; next retry {_when(a.next_at)}" if a.next_at else ""
        click.echo(f"{_when(a.started_at)}  {a.subscription}  {a.article} v{a.version}  "
                   f"attempt {a.n}: {answer}{retry}")


@hooks.command()
@click.option("--once", is_flag=True, help="Send what is due now, then exit")
@click.pass_context
def deliver(ctx: click.Context, once: bool):
    """Deliver queued webhooks in the foreground until interrupted (or once, with --once)."""
    from ..hooks.worker import main

    _hooks(ctx)  # check the hooks file first: a mistake is one line, not a traceback
    settings = ctx.obj
    if not Path(settings["STORE_PATH"]).exists():
        raise CliError(f"no store at {settings['STORE_PATH']}")
    with user_errors():
        made = main(settings["STORE_PATH"], base_url=settings.get("BASE_URL", ""), once=once)
    if once:
        click.echo(f"{made} delivery attempt{'s' if made != 1 else ''} made")


@hooks.command()
@click.argument("url")
@click.pass_context
def test(ctx: click.Context, url: str):
    """POST a signed test event to URL, which must be a subscription in the hooks file."""
    from ..hooks.deliver import post

    sub = _hooks(ctx).find(url)
    if sub is None:
        raise CliError(f"{url} is not a subscription in the hooks file", exit_code=2)
    body = json.dumps({"event": "ping", "sent_at": time.time()}).encode()
    delivery = uuid.uuid4().hex
    outcome = post(url, body, sub.secret, delivery, "ping")
    if not outcome.delivered:
        raise CliError(f"{url}: {outcome.error}")
    click.echo(f"{url}: {outcome.status} (delivery {delivery})")
