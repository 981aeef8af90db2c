"""`make bench`: citebot against rank-bm25 and bm25s at 10k, 100k and 1M passages, in one run.

For each size, each system is built in a process of its own (stage times, peak memory, size on
disk), then every system is served by a process of its own, all at once, and the questions are
sent in batches of ten to one system after the other, so a noisy machine slows all alike. The
tables go to standard output and to build/bench/results.md (and .json).

    python -m bench.run [--sizes 10000,100000,1000000] [--questions 200] [--slow-questions 20]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import re
import select
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bench.corpus import MEDQUAD, QUESTIONS, WORK, medquad_available, questions, write_corpus
from bench.systems import SYSTEMS

SIZES = (10_000, 100_000, 1_000_000)
SYNTHETIC_SIZES = (10_000, 100_000)
# Plain rank-bm25 takes seconds per question at a million passages: both rank-bm25 systems get
# this many questions there (the first ones of the same list).
SLOW_QUESTIONS = 20
SLOW_SYSTEMS = ("rank-bm25", "rank-bm25+analyzer")
SLOW_FROM = 1_000_000
BATCH = 10
WARM_UP = 5
CHECKED = 20
BUILD_TIMEOUT = 3600
REPLY_TIMEOUT = 900
# (system, mode): "retrieve" is question in, top 10 out; "fast" bm25s's scores with a fast
# top-k; "answer" citebot's whole answer, quotes out.
MODES = [(name, "retrieve") for name in SYSTEMS] + [("bm25s", "fast"), ("citebot", "answer")]
LABELS = {
    ("rank-bm25", "retrieve"): "rank-bm25 (plain)",
    ("rank-bm25+analyzer", "retrieve"): "rank-bm25 + our analyzer",
    ("bm25s", "retrieve"): "bm25s, as shipped",
    ("bm25s", "fast"): "bm25s, fast top-k",
    ("citebot", "retrieve"): "citebot",
    ("citebot", "answer"): "citebot, full answer",
}

STARTED = time.perf_counter()


def say(message: str) -> None:
    print(f"[{time.perf_counter() - STARTED:7.1f} s] {message}", flush=True)


class Server:
    """A serving worker process and its JSON line protocol."""

    def __init__(self, name: str, corpus: Path, work: Path) -> None:
        self.name = name
        command = [sys.executable, "-m", "bench.worker", "serve", name, str(corpus), str(work)]
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.ready = self._reply(REPLY_TIMEOUT)

    def _reply(self, timeout: float) -> dict:
        readable, _, _ = select.select([self.process.stdout], [], [], timeout)
        line = self.process.stdout.readline() if readable else ""
        if not line:
            self.process.kill()
            raise RuntimeError(f"{self.name} worker gave no reply (exit code {self.process.poll()})")
        return json.loads(line)

    def send(self, **command: object) -> dict:
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        return self._reply(REPLY_TIMEOUT)

    def close(self) -> dict:
        reply = self.send(op="exit")
        self.process.wait(timeout=60)
        return reply


@dataclass
class SizeResult:
    size: int
    builds: dict[str, dict] = field(default_factory=dict)
    serving: dict[str, dict] = field(default_factory=dict)
    latency: dict[str, list[float]] = field(default_factory=dict)
    checks: dict[str, str] = field(default_factory=dict)
    question_counts: dict[str, int] = field(default_factory=dict)


def build(name: str, corpus: Path, work: Path) -> dict:
    command = [sys.executable, "-m", "bench.worker", "build", name, str(corpus), str(work)]
    done = subprocess.run(command, stdout=subprocess.PIPE, text=True, timeout=BUILD_TIMEOUT, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def compare(ours: list, reference: list) -> float:
    """Return the largest difference between citebot's top scores and the reference's."""
    worst = 0.0
    for mine, theirs in zip(ours, reference, strict=True):
        mine_scores = [s for _, s in mine]
        their_scores = sorted((s for _, s in theirs), reverse=True)[: len(mine_scores)]
        if len(their_scores) < len(mine_scores):
            return math.inf
        worst = max([worst] + [abs(a - b) for a, b in zip(mine_scores, their_scores, strict=True)])
    return worst


def run_size(size: int, source: str, asked: list[str], warm: list[str], slow_questions: int) -> SizeResult:
    result = SizeResult(size)
    say(f"{size:,} passages: writing the corpus")
    corpus = write_corpus(size, source)
    work = corpus.parent / "indexes"
    shutil.rmtree(work, ignore_errors=True)
    for name in SYSTEMS:
        say(f"{size:,} passages: building {name}")
        result.builds[name] = build(name, corpus, work / name)
        stages = result.builds[name]["stages"]
        say(
            f"  {name}: {sum(stages.values()):.1f} s ({', '.join(f'{k} {v:.1f}' for k, v in stages.items())}), "
            f"peak {result.builds[name]['peak_rss_mb']:.0f} MiB"
        )
    servers: dict[str, Server] = {}
    try:
        for name in SYSTEMS:
            say(f"{size:,} passages: loading {name}")
            servers[name] = Server(name, corpus, work / name)
            result.serving[name] = dict(servers[name].ready)
            say(f"  {name}: loaded in {result.serving[name]['load_s']:.2f} s")
        for name, mode in MODES:
            servers[name].send(op=mode, questions=warm)
        for name, _ in MODES:
            slow = name in SLOW_SYSTEMS and size >= SLOW_FROM
            result.question_counts[name] = slow_questions if slow else len(asked)
        kept: dict[str, list] = {}
        for first in range(0, len(asked), BATCH):
            for name, mode in MODES:
                batch = asked[first : min(first + BATCH, result.question_counts[name])]
                if not batch:
                    continue
                keep = mode != "answer" and first < CHECKED
                reply = servers[name].send(op=mode, questions=batch, keep=keep)
                result.latency.setdefault(f"{name}:{mode}", []).extend(reply["ms"])
                if keep:
                    kept.setdefault(f"{name}:{mode}", []).extend(reply["results"])
            say(
                f"{size:,} passages: questions {first + 1}-{min(first + BATCH, len(asked))} sent to every system"
            )
        for name, server in servers.items():
            result.serving[name].update(server.close())
        servers.clear()
    finally:
        for server in servers.values():
            server.process.kill()
    checked = kept["citebot:retrieve"]
    difference = compare(checked, kept["rank-bm25+analyzer:retrieve"][: len(checked)])
    result.checks["scores"] = (
        f"citebot's top-10 scores equal rank-bm25's (same tokens) on the first {len(checked)} questions: "
        f"largest difference {difference:.1e}"
    )
    shutil.rmtree(work, ignore_errors=True)
    return result


# --- report -------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else math.nan


def median_ratio(ours: list[float], theirs: list[float]) -> float:
    """Return the median over questions of ours / theirs (questions both answered)."""
    n = min(len(ours), len(theirs))
    return float(np.median(np.array(ours[:n]) / np.array(theirs[:n]))) if n else math.nan


def mib(value: float) -> str:
    return f"{value / 1024:.2f} GiB" if value >= 1024 else f"{value:.0f} MiB"


def size_text(size: int) -> str:
    return f"{size // 1_000_000}M" if size >= 1_000_000 else f"{size // 1000}k"


def milliseconds(value: float) -> str:
    return f"{value:.0f}" if value >= 100 else f"{value:.2f}" if value < 10 else f"{value:.1f}"


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as info:
            cpu = next(line.split(":", 1)[1].strip() for line in info if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    versions = []
    for package in ("numpy", "rank_bm25", "bm25s", "nltk"):
        try:
            from importlib.metadata import version

            versions.append(f"{package} {version(package.replace('_', '-'))}")
        except Exception:  # noqa: BLE001 - a missing package is only left out of the line
            continue
    return (
        f"{cpu}, {os.cpu_count()} cores, {memory:.0f} GiB RAM; {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}; " + ", ".join(versions)
    )


def load_average() -> str:
    """Return the 1-minute load average: other work on the machine slows every system."""
    return f"{os.getloadavg()[0]:.1f}"


def first_answer() -> str:
    """Return the line `bench.first_answer` prints (the shipped corpus in a browser)."""
    command = [sys.executable, "-m", "bench.first_answer"]
    try:
        done = subprocess.run(command, stdout=subprocess.PIPE, text=True, timeout=600, check=True)
    except (subprocess.SubprocessError, OSError) as err:
        return f"first answer in the browser: not measured ({err})"
    return done.stdout.strip().splitlines()[-1]


def fit_growth(sizes: list[int], values: list[float]) -> float:
    """Return the exponent b of value = a * size^b fitted by least squares on logarithms."""
    pairs = [(math.log(s), math.log(v)) for s, v in zip(sizes, values, strict=True) if v > 0]
    if len(pairs) < 2:
        return math.nan
    x, y = np.array(pairs).T
    return float(np.polyfit(x, y, 1)[0])


def report(results: list[SizeResult], source: str, command: str, notes: list[str]) -> str:
    lines = [
        f"Command: `{command}`  ",
        f"Machine: {machine()}  ",
        *(f"{note}  " for note in notes),
        f"Corpus: {'MedQuAD sentences recombined into passages' if source == 'medquad' else 'synthetic fallback'}"
        f" (30-115 words, one passage per document); {QUESTIONS} MedQuAD dev questions, one at a time"
        f" after {WARM_UP} warm-up questions, sent in batches of {BATCH} to each system in turn.",
        "",
        "### Build (seconds; peak resident memory of the building process; size on disk)",
        "",
        "| passages | system | read | chunk | analyze | fit | save | total | peak memory | on disk |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        for name, b in r.builds.items():
            s = b["stages"]
            cells = [f"{s[k]:.1f}" if k in s else "" for k in ("read", "chunk", "analyze", "fit", "save")]
            lines.append(
                f"| {size_text(r.size)} | {name} | {' | '.join(cells)} | {sum(s.values()):.1f} | "
                f"{mib(b['peak_rss_mb'])} | {b['disk_bytes'] / 2**20:.0f} MiB |"
            )
    workers = [
        f"{size_text(r.size)} {mib(r.builds['citebot']['workers_peak_rss_mb'])}"
        for r in results
        if r.builds.get("citebot", {}).get("workers_peak_rss_mb")
    ]
    lines += [
        "",
        f"citebot chunks and analyzes the documents in one pass, in {os.cpu_count()} worker processes: its chunk"
        " column holds both, its analyze column the word counts and aliases joined after. Peak memory of"
        f" one worker: {', '.join(workers) or 'none started'}.",
    ]
    lines += [
        "",
        "### Serving (load from disk; memory; latency in ms per question, p50 / p95)",
        "",
        "| passages | system | questions | load s | memory after load | peak memory | p50 | p95 |",
        "|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        for name, mode in MODES:
            ms = r.latency.get(f"{name}:{mode}", [])
            served = r.serving[name]
            first = mode == "retrieve"
            lines.append(
                f"| {size_text(r.size)} | {LABELS[name, mode]} | {len(ms)} | "
                + (
                    f"{served['load_s']:.2f} | {mib(served['rss_after_load_mb'])} | {mib(served['peak_rss_mb'])}"
                    if first
                    else " |  | "
                )
                + f" | {milliseconds(percentile(ms, 50))} | {milliseconds(percentile(ms, 95))} |"
            )
    lines += [
        "",
        "### citebot retrieval against the others: median over questions of citebot's time / theirs",
        "",
        "| passages | " + " | ".join(LABELS[m] for m in MODES if m[0] != "citebot") + " |",
        "|---:|" + "---:|" * sum(1 for m in MODES if m[0] != "citebot"),
    ]
    for r in results:
        ours = r.latency["citebot:retrieve"]
        cells = []
        for name, mode in MODES:
            if name == "citebot":
                continue
            ratio = median_ratio(ours, r.latency[f"{name}:{mode}"])
            cells.append(
                f"{ratio:.4f} ({1 / ratio:.0f}x faster)"
                if ratio < 1
                else f"{ratio:.2f} ({ratio:.1f}x slower)"
            )
        lines.append(f"| {size_text(r.size)} | " + " | ".join(cells) + " |")
    lines += ["", "Checks: " + "; ".join(f"{size_text(r.size)}: {r.checks['scores']}" for r in results)]
    lines += ["", *growth(results), "", *targets(results, notes)]
    return "\n".join(lines) + "\n"


def growth(results: list[SizeResult]) -> list[str]:
    if len(results) < 2:
        return []
    sizes = [r.size for r in results]
    rows = {
        "citebot build time": [sum(r.builds["citebot"]["stages"].values()) for r in results],
        "citebot build, peak memory": [r.builds["citebot"]["peak_rss_mb"] for r in results],
        "citebot cache on disk": [r.builds["citebot"]["disk_bytes"] for r in results],
        "citebot cache load": [r.serving["citebot"]["load_s"] for r in results],
        "citebot serving, peak memory": [r.serving["citebot"]["peak_rss_mb"] for r in results],
        "citebot retrieval p50": [percentile(r.latency["citebot:retrieve"], 50) for r in results],
        "citebot full answer p50": [percentile(r.latency["citebot:answer"], 50) for r in results],
        "rank-bm25 (plain) retrieval p50": [percentile(r.latency["rank-bm25:retrieve"], 50) for r in results],
        "bm25s retrieval p50 (as shipped)": [percentile(r.latency["bm25s:retrieve"], 50) for r in results],
    }
    lines = [
        "### How cost grows: exponent b of a least-squares fit of cost = a * passages^b",
        "",
        "| measure | " + " | ".join(size_text(s) for s in sizes) + " | b |",
        "|---|" + "---:|" * (len(sizes) + 1),
    ]
    for label, values in rows.items():
        shown = [f"{v:.3g}" for v in values]
        lines.append(f"| {label} | " + " | ".join(shown) + f" | {fit_growth(sizes, values):.2f} |")
    return lines


def targets(results: list[SizeResult], notes: list[str]) -> list[str]:
    by_size = {r.size: r for r in results}
    lines = ["### Targets", ""]

    def mark(ok: bool) -> str:
        return "met" if ok else "NOT met"

    browser = next(
        (m for n in notes if (m := re.search(r"cache current: .*?first answer ([\d.]+) s", n))), None
    )
    if browser:
        seconds = float(browser.group(1))
        lines.append(
            f"- First answer in the browser within 3 s of the server start: {seconds:.2f} s, {mark(seconds < 3)}"
        )

    if 100_000 in by_size:
        r = by_size[100_000]
        speedup = 1 / median_ratio(r.latency["citebot:retrieve"], r.latency["rank-bm25:retrieve"])
        lines.append(
            f"- Retrieval p50 at 100k at least 100x faster than plain rank-bm25: {speedup:.0f}x, {mark(speedup >= 100)}"
        )
    for size in (100_000, 1_000_000):
        if size in by_size:
            r = by_size[size]
            ours = percentile(r.latency["citebot:retrieve"], 50)
            for mode in ("retrieve", "fast"):
                theirs = percentile(r.latency[f"bm25s:{mode}"], 50)
                lines.append(
                    f"- Retrieval p50 at {size_text(size)} faster than {LABELS['bm25s', mode]}: "
                    f"{milliseconds(ours)} ms against {milliseconds(theirs)} ms, {mark(ours < theirs)}"
                )
    if 1_000_000 in by_size:
        r = by_size[1_000_000]
        answer = percentile(r.latency["citebot:answer"], 50)
        built = r.builds["citebot"]
        total = sum(built["stages"].values())
        lines += [
            f"- Full answer p50 at 1M under 20 ms: {milliseconds(answer)} ms, {mark(answer < 20)}",
            f"- Build of 1M under 60 s: {total:.0f} s, {mark(total < 60)}"
            f" (chunking and analysis {built['stages']['chunk']:.0f} s of it)",
            f"- Build of 1M under 3 GB peak memory: {mib(built['peak_rss_mb'])}, {mark(built['peak_rss_mb'] < 3 * 1024)}"
            f" (and each worker {mib(built.get('workers_peak_rss_mb') or 0)})",
            f"- Serving 1M under 1 GB resident: peak {mib(r.serving['citebot']['peak_rss_mb'])}, "
            f"{mark(r.serving['citebot']['peak_rss_mb'] < 1024)}",
            f"- Cache load of 1M under 3 s: {r.serving['citebot']['load_s']:.2f} s, {mark(r.serving['citebot']['load_s'] < 3)}",
        ]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", help="comma-separated passage counts (default 10000,100000,1000000)")
    parser.add_argument("--questions", type=int, default=QUESTIONS)
    parser.add_argument("--slow-questions", type=int, default=SLOW_QUESTIONS)
    parser.add_argument("--no-browser", action="store_true", help="skip the shipped corpus in a browser")
    args = parser.parse_args(argv)
    if medquad_available():
        source, default_sizes = "medquad", SIZES
    else:
        source, default_sizes = "synthetic", SYNTHETIC_SIZES
        say(
            f"MedQuAD is not at {MEDQUAD}: using synthetic passages and questions instead, at "
            f"{', '.join(size_text(s) for s in SYNTHETIC_SIZES)} passages (pass --sizes for others). "
            "Figures are not comparable with MedQuAD runs."
        )
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else list(default_sizes)
    pool = questions(source, args.questions + WARM_UP)
    asked, warm = pool[: args.questions], pool[args.questions :]
    results = []
    command = "make bench" if not sys.argv[1:] else "python -m bench.run " + " ".join(sys.argv[1:])
    notes = [f"Load average (1 min) at the start: {load_average()}"]
    for size in sizes:
        results.append(run_size(size, source, asked, warm, args.slow_questions))
        notes = notes[:1] + [f"Load average when {size_text(size)} was done: {load_average()}"]
        text = report(results, source, command, notes)
        WORK.mkdir(parents=True, exist_ok=True)
        (WORK / "results.md").write_text(text, encoding="utf-8")
        (WORK / "results.json").write_text(
            json.dumps([r.__dict__ for r in results], indent=1), encoding="utf-8"
        )
    if not args.no_browser:
        say("the shipped corpus in a browser")
        notes.append(first_answer())
        text = report(results, source, command, notes)
        (WORK / "results.md").write_text(text, encoding="utf-8")
    print()
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
