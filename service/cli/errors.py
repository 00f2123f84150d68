"""User errors of the command line: one line on stderr, no traceback, a Unix exit code."""

from __future__ import annotations

import errno
import io
import os
import sys
from contextlib import contextmanager

import click

from .. import config
from ..ingest import IngestError
from ..store import InvalidArticleId, StoreError
from ..store.errors import StoreFull


class CliError(click.ClickException):
    """A user error: one line on stderr, no traceback; exit 1, or 2 for a bad argument."""

    def __init__(self, message: str, exit_code: int = 1):
        super().__init__(message)
        # click types exit_code as a ClassVar, yet reads it from the instance when exiting.
        self.exit_code = exit_code  # type: ignore[misc]


@contextmanager
def user_errors():
    """Turn the domain's errors into one-line CLI errors."""
    try:
        yield
    except InvalidArticleId as exc:
        raise CliError(str(exc), exit_code=2) from exc
    except StoreFull as exc:
        raise CliError(f"the store's disk is full, so this was not saved ({exc}); free some "
                       "space, then run the command again") from exc
    except (StoreError, IngestError, config.ConfigError) as exc:
        raise CliError(str(getattr(exc, "detail", None) or exc)) from exc


class OutputError(OSError):
    """Standard output could not be written: a full disk, a closed pipe, a device error."""


class _Stdout(io.FileIO):
    """File descriptor 1, whose write errors name themselves as the output's, not the store's."""

    def write(self, data, /):
        """Write as FileIO does; a failure is raised as OutputError with the same errno."""
        try:
            return super().write(data)
        except OSError as exc:
            raise OutputError(exc.errno, exc.strerror) from exc


def watch_stdout() -> None:
    """Put sys.stdout on a writer whose failures are OutputError (same encoding and buffering)."""
    out = sys.stdout
    try:
        fd = out.fileno()
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        return  # not a real file (a test's buffer): nothing to watch
    out.flush()
    sys.stdout = io.TextIOWrapper(io.BufferedWriter(_Stdout(fd, "w", closefd=False)),
                                  encoding=out.encoding, errors=out.errors,
                                  line_buffering=bool(out.line_buffering))


def output_lost(exc: OutputError) -> int:
    """Say once why the output was lost (nothing for a closed pipe); return the exit status."""
    # Python flushes stdout again at exit and would complain there: point it at nothing.
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError, io.UnsupportedOperation):
        pass
    if exc.errno != errno.EPIPE:  # a closed pipe: the reader had enough, as `git log | head`
        click.echo(f"Error: cannot write the output: {exc.strerror or exc}", err=True)
    return 1
