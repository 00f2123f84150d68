"""The real app on a loopback port, served from a thread (werkzeug's threaded server)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

from werkzeug.serving import make_server


@contextlib.contextmanager
def serving_in_thread(app, **options) -> Iterator[str]:
    """Serve app on 127.0.0.1 at a port the kernel picks; yield its base URL, stop after."""
    server = make_server("127.0.0.1", 0, app, threaded=True, **options)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
