"""How long a newcomer waits for `hark --help` (goal: under 0.5 s), in CPU seconds of the
child process (user + system, so a busy machine does not inflate it), beside a bare Python
start for scale.

    python -m benchmarks.cli_startup [--runs 10]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

HARK = Path(sys.executable).with_name("hark")


def cpu_seconds(command: list[str]) -> float:
    before = os.times()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    after = os.times()
    return (after.children_user - before.children_user) + (
        after.children_system - before.children_system
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    cases = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "hark --help": [str(HARK), "--help"],
        "hark taxonomy --help": [str(HARK), "taxonomy", "--help"],
    }
    medians = {
        name: statistics.median(cpu_seconds(cmd) for _ in range(args.runs))
        for name, cmd in cases.items()
    }
    base = medians["python -c pass"]
    for name, seconds in medians.items():
        print(f"{name:24s} {seconds:.3f} s CPU  ({seconds / base:.1f}x a bare Python start)")


if __name__ == "__main__":
    main()
