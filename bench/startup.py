"""What starting the command line costs: `import service.cli` and `writethru --help` beside
importing Flask alone and an empty interpreter, each in a fresh process, in the same run.

The aim (issue 8): importing service.cli costs at most about twice importing Flask alone.
The ways take turns round by round (the machine is shared), and the figures are medians of
the time inside the process (the interpreter's own start-up is the `python -c pass` line).

Usage: python bench/startup.py [--rounds R]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Each probe prints the seconds its import took, measured inside the fresh interpreter.
TIMED = "import time; t = time.perf_counter(); {stmt}; print(time.perf_counter() - t)"
WAYS = {
    "python -c pass": "pass",
    "import flask": "import flask",
    "import service.cli": "import service.cli",
    "writethru --help": ("from click.testing import CliRunner; from service.cli import cli; "
                         "CliRunner().invoke(cli, ['--help'])"),
    "import jsonschema": "import jsonschema",
}


def once(stmt: str) -> float:
    """Return the seconds one fresh interpreter spends on stmt."""
    out = subprocess.run([sys.executable, "-c", TIMED.format(stmt=stmt)], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout
    return float(out.strip().splitlines()[-1])


def main() -> None:
    """Time every way, round by round, and print medians beside `import flask`."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args()
    names = list(WAYS)
    times: dict[str, list[float]] = {n: [] for n in names}
    load = os.getloadavg()[0]
    for r in range(args.rounds):
        order = names[r % len(names):] + names[:r % len(names)]
        for name in order:
            times[name].append(once(WAYS[name]))
    flask = statistics.median(times["import flask"])
    print(f"fresh interpreters, median of {args.rounds}; load {load:.2f} -> "
          f"{os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    print(f"{'what':22} {'ms':>8} {'vs import flask':>16}")
    for name in names:
        ms = statistics.median(times[name]) * 1000
        print(f"{name:22} {ms:8.1f} {ms / (flask * 1000):15.2f}x")
    ratio = statistics.median(times["import service.cli"]) / flask
    print(f"aim: import service.cli at most ~2x import flask: {ratio:.2f}x "
          f"({'met' if ratio <= 2.0 else 'NOT met'})")


if __name__ == "__main__":
    main()
