"""One system in one process, so its peak memory is its own.

    python -m bench.worker build SYSTEM CORPUS WORK   -> one JSON line: stage seconds, peak RSS, size
    python -m bench.worker serve SYSTEM CORPUS WORK   -> loads, then answers JSON commands on stdin

Serving commands, one JSON object per line: {"op": "retrieve" | "fast" | "answer", "questions":
[...], "keep": bool} replies with each question's milliseconds (and results when `keep`);
{"op": "exit"} replies with the peak RSS and ends.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from pathlib import Path

from bench.systems import SYSTEMS


def peak_rss_mb() -> float:
    """Return this process's peak resident memory in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mb() -> float:
    """Return this process's resident memory now, in MiB."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def main(argv: list[str]) -> int:
    mode, name, corpus, work = argv[0], argv[1], Path(argv[2]), Path(argv[3])
    # Libraries may print; the protocol owns the real standard output.
    protocol = sys.stdout
    sys.stdout = sys.stderr
    system = SYSTEMS[name]()
    work.mkdir(parents=True, exist_ok=True)
    if mode == "build":
        stages = system.build(corpus, work)
        workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        reply = {
            "stages": stages,
            "peak_rss_mb": peak_rss_mb(),
            "workers_peak_rss_mb": workers,
            "disk_bytes": system.disk_bytes(work),
        }
        print(json.dumps(reply), file=protocol, flush=True)
        return 0
    system.prepare()
    started = time.perf_counter()
    system.load(corpus, work)
    loaded = time.perf_counter() - started
    print(json.dumps({"load_s": loaded, "rss_after_load_mb": rss_mb()}), file=protocol, flush=True)
    for line in sys.stdin:
        command = json.loads(line)
        if command["op"] == "exit":
            print(json.dumps({"peak_rss_mb": peak_rss_mb(), "rss_mb": rss_mb()}), file=protocol, flush=True)
            return 0
        run = {"retrieve": system.retrieve, "fast": getattr(system, "retrieve_fast", None)}.get(command["op"])
        run = run or system.answer
        milliseconds, results = [], []
        for question in command["questions"]:
            started = time.perf_counter()
            result = run(question)
            milliseconds.append((time.perf_counter() - started) * 1000)
            results.append(result)
        reply = {"ms": milliseconds, "results": results if command.get("keep") else None}
        print(json.dumps(reply), file=protocol, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
