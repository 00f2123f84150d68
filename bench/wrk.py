"""Requests per second under `wrk`: the warm compare page, its 304, the API diff and /healthz,
beside a minimal Flask app (the floor) served under the same gunicorn settings in the same run.

The aims (issue 11): the warm compare page at least 0.7 of the floor's requests per second, the
304 and /healthz at least 0.9. The app runs as `writethru serve` (gthread workers, as deployed);
the floor runs under gunicorn with the same settings (`SERVE_OPTIONS` mirrors the ones in
service/cli/commands.py serve). Each target gets `wrk -t2 -c16 -d5s --latency`, round by round
in turn (the machine is shared and noisy: the ratios hold, the absolute figures do not); the
figures are medians over the rounds.

Needs Debian's `wrk` (apt-get install -y wrk).
Usage: python bench/wrk.py [--rounds R] [--duration 5s] [--workers W] [--threads T]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WRITETHRU = Path(sys.executable).with_name("writethru")
ARTICLE = "ap-troops-eastern-europe"  # the seed story (`writethru seed`)

# The floor: one small fixed HTML page from a bare Flask app, under the settings `writethru
# serve` gives gunicorn (see service/cli/commands.py, serve).
FLOOR_APP = textwrap.dedent('''
    from flask import Flask
    from gunicorn.app.base import BaseApplication
    import sys

    app = Flask("floor")
    PAGE = "<!doctype html><title>floor</title><p>" + "Hello, reader. " * 40 + "</p>"

    @app.get("/")
    def page():
        return PAGE

    options = {
        "bind": sys.argv[1], "workers": int(sys.argv[2]), "worker_class": "gthread",
        "threads": int(sys.argv[3]), "accesslog": "-", "proc_name": "floor",
        "preload_app": True, "control_socket_disable": True,
    }

    class Server(BaseApplication):
        def load_config(self):
            for key, value in options.items():
                if key in self.cfg.settings:
                    self.cfg.set(key, value)

        def load(self):
            return app

    Server().run()
''')


def free_port() -> int:
    """Return a TCP port nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_up(url: str, proc: subprocess.Popen, timeout: float = 30) -> None:
    """Wait until url answers (any status), or fail when the server died or took too long."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server for {url} exited with {proc.returncode}")
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"{url} did not answer within {timeout:.0f} s")


def fetch(url: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    """GET url; return (status, headers, body), 304 and errors included."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0}


def run_wrk(url: str, duration: str, headers: dict | None = None) -> tuple[float, float, int]:
    """Run wrk against url; return (requests/s, p50 ms, responses that were not 2xx/3xx)."""
    command = ["wrk", "-t2", "-c16", f"-d{duration}", "--latency", url]
    for name, value in (headers or {}).items():
        command[1:1] = ["-H", f"{name}: {value}"]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = re.search(r"^\s+50%\s+([\d.]+)(us|ms|s)\s*$", out, re.MULTILINE)
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return (rate, float(p50.group(1)) * _UNITS[p50.group(2)] if p50 else float("nan"),
            int(bad.group(1)) if bad else 0)


def main() -> None:
    """Start the floor and writethru, warm them, run wrk on each target round by round."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", default="5s")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install -y wrk")
    work = Path(tempfile.mkdtemp(prefix="writethru-http-"))
    store = work / "store.git"
    env = {**os.environ, "WRITETHRU_STORE": str(store), "WRITETHRU_DURABLE": "false"}
    subprocess.run([str(WRITETHRU), "seed"], env=env, check=True, capture_output=True)
    floor_port, app_port = free_port(), free_port()
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    servers = [
        subprocess.Popen([sys.executable, "-c", FLOOR_APP, f"127.0.0.1:{floor_port}",
                          str(args.workers), str(args.threads)], cwd=work, **quiet),
        subprocess.Popen([str(WRITETHRU), "serve", "--port", str(app_port),
                          "--workers", str(args.workers), "--threads", str(args.threads)],
                         env=env, cwd=ROOT, **quiet),
    ]
    try:
        floor = f"http://127.0.0.1:{floor_port}/"
        base = f"http://127.0.0.1:{app_port}"
        wait_up(floor, servers[0])
        wait_up(f"{base}/healthz", servers[1])
        compare = f"{base}/articles/{ARTICLE}/compare/1...2"
        diff = f"{base}/api/articles/{ARTICLE}/diff?from=1&to=2"
        status, headers, _ = fetch(compare)
        etag = headers.get("ETag")
        if status != 200 or not etag:
            raise SystemExit(f"compare page answered {status} without an ETag")
        if fetch(compare, {"If-None-Match": etag})[0] != 304:
            raise SystemExit("the compare page's ETag did not give a 304")
        targets = [
            ("flask floor (fixed page)", floor, None),
            ("compare page, warm", compare, None),
            ("compare page, 304", compare, {"If-None-Match": etag}),
            ("API diff, warm", diff, None),
            ("/healthz", f"{base}/healthz", None),
        ]
        # Warm every worker: each gunicorn worker keeps its own caches.
        for _name, url, hdrs in targets:
            run_wrk(url, "1s", hdrs)
        rates: dict[str, list[float]] = {name: [] for name, _, _ in targets}
        p50s: dict[str, list[float]] = {name: [] for name, _, _ in targets}
        errors = dict.fromkeys(rates, 0)
        load = os.getloadavg()[0]
        for r in range(args.rounds):
            order = targets[r % len(targets):] + targets[:r % len(targets)]
            for name, url, hdrs in order:
                rate, p50, bad = run_wrk(url, args.duration, hdrs)
                rates[name].append(rate)
                p50s[name].append(p50)
                errors[name] += bad
    finally:
        for proc in servers:
            proc.terminate()
        for proc in servers:
            proc.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)
    floor_rate = statistics.median(rates[targets[0][0]])
    print(f"wrk -t2 -c16 -d{args.duration}, median of {args.rounds} rounds; gunicorn gthread "
          f"{args.workers} workers x {args.threads} threads; load {load:.2f} -> "
          f"{os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    print(f"{'target':28} {'req/s':>9} {'p50 ms':>8} {'vs floor':>9} {'aim':>5}  errors")
    aims = {"compare page, warm": 0.7, "compare page, 304": 0.9, "/healthz": 0.9}
    for name, _url, _h in targets:
        rate = statistics.median(rates[name])
        aim = aims.get(name)
        print(f"{name:28} {rate:9.0f} {statistics.median(p50s[name]):8.2f} "
              f"{rate / floor_rate:9.2f} {f'{aim:.1f}' if aim else '':>5}  {errors[name]}")


if __name__ == "__main__":
    main()
