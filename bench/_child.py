"""Run one command; write its wall time and peak memory as JSON to a file.

    python -I _child.py RESULT.json TIMEOUT -- COMMAND [ARG...]

A short-lived process of its own for each measured command: RUSAGE_CHILDREN's
ru_maxrss is the largest RSS of any child waited for *so far*, so only a fresh wrapper
gives the peak of this one command (its worker processes included: the largest
single process, not their sum). Standard library only; the command inherits this
process's standard output, error, working directory and environment.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import time


def main(argv: list[str]) -> int:
    if len(argv) < 4 or argv[2] != "--":
        print("usage: _child.py RESULT TIMEOUT -- COMMAND [ARG...]", file=sys.stderr)
        return 2
    result, timeout, command = argv[0], float(argv[1]), argv[3:]
    start = time.perf_counter()
    # A session of its own, so a timeout ends the command's worker processes too.
    proc = subprocess.Popen(command, start_new_session=True)
    timed_out = False
    try:
        code = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
    finally:
        if proc.returncode is None:  # timeout, Ctrl-C or any other exit: leave nothing behind
            os.killpg(proc.pid, signal.SIGKILL)
            code = proc.wait()
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    peak_kib = peak // 1024 if sys.platform == "darwin" else peak  # bytes on macOS, KiB on Linux
    with open(result, "w", encoding="utf-8") as out:
        json.dump({"seconds": seconds, "peak_kib": peak_kib, "returncode": code, "timed_out": timed_out}, out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
