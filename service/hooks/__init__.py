"""Webhooks: subscribers told of every new version, signed, from a durable queue (see ARCHITECTURE.md).

config: the subscriptions file; queue: the SQLite queue and attempt log; payload: the JSON sent;
deliver: one signed POST and the backoff; notifier: `Hooks`, what a save calls; worker: the loop.
"""

from __future__ import annotations

from .config import HooksFileError, Subscription, hooks_file
from .notifier import Hooks
from .queue import Queue, queue_file
from .worker import Worker

__all__ = ["Hooks", "HooksFileError", "Queue", "Subscription", "Worker", "hooks_file", "queue_file"]
