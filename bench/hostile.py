"""What hostile files cost: the time and peak memory of loading a folder that holds one of them.

    .venv-dev/bin/python -m bench.hostile                  # every input
    .venv-dev/bin/python -m bench.hostile heading marks    # some of them
    .venv-dev/bin/python -m bench.hostile --tree ../old    # another checkout, for before and after

Each folder holds one ordinary document and the hostile file, and is loaded in a child process
(start-up included, about a second), with no index cache, under a time limit (`--limit`). A
script, not a test: the regression tests (`tests/test_hostile_cost.py`) assert behaviour only.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ORDINARY = (
    "# Valium\n\nThe usual dose of diazepam for muscle spasm is 2 to 10 mg 1.\n\n## References\n1. Label.\n"
)
_RANGES = ",".join(f"{a}-{a + 19}" for a in range(1, 980, 20))


def _made_up(number: int) -> str:
    """Return a made-up name, a new one for each number: "Qzaaaa", "Qzaaab", ..."""
    letters = "".join("abcdefghijklmnopqrstuvwxyz"[number // 26**place % 26] for place in range(3, -1, -1))
    return "Qz" + letters


# name -> (file name, the file's text)
INPUTS: dict[str, tuple[str, Callable[[], str]]] = {
    "heading": ("h.md", lambda: "# a" + " " * 2_500 + "b\n\nText.\n"),
    "e.g.": ("e.md", lambda: "# E\n\n" + "e.g. " * 400_000 + "\n"),
    "urls": ("u.md", lambda: "# U\n\n" + "see https://example.org/a.b.c/d?e=f.g&h=i.j and " * 100_000 + "\n"),
    "title": (
        "t.md",
        # The title is indexed with every passage: 1 MB of text below it makes many.
        lambda: (
            "---\ntitle: "
            + "Valium diazepam muscle spasm " * 24_800
            + "\n---\n\n"
            + "The dose is 200 mg. " * 50_000
        ),
    ),
    "unclosed": ("o.md", lambda: "---\n" + "x: y\n" * 1_000_000),
    "reference": ("r.md", lambda: "# T\n\nText 1.\n\n## References\n\n1. Start\n" + "more words\n" * 450_000),
    "markers": (
        "m.md",
        lambda: (
            "# M\n\n"
            + f"Dose text here [{_RANGES}].\n" * 10_000
            + "\n## References\n\n"
            + "".join(f"{n}. Ref {n}.\n" for n in range(1, 1000))
        ),
    ),
    "marks": ("s.md", lambda: "# T\n\n" + "\n\n".join(["a.. " * 24_750] * 50)),
    "aliases": (
        "a.txt",
        lambda: "Names\n" + "".join(f"Valium ({_made_up(n)}) is here.\n" for n in range(80_000)),
    ),
}

_CHILD = r"""
import json, resource, sys, time
started = time.perf_counter()
from bot import ask, load
bot = load(sys.argv[1], use_cache=False)
loaded = time.perf_counter()
ask(bot, "What is the usual dose of Valium?")
print(json.dumps({
    "load_s": round(loaded - started, 2),
    "question_s": round(time.perf_counter() - loaded, 3),
    "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
    "warnings": [str(p)[:100] for p in bot.problems if "valium" not in p.path],
}))
"""


def measure(tree: Path, name: str, limit: float) -> dict[str, object]:
    """Load a folder of the ordinary document and one hostile input with the code of `tree`."""
    file_name, make = INPUTS[name]
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "valium.md").write_text(ORDINARY, encoding="utf-8")
        (Path(folder) / file_name).write_text(make(), encoding="utf-8")
        try:
            done = subprocess.run(
                [sys.executable, "-c", _CHILD, folder],
                capture_output=True,
                text=True,
                cwd=tree,
                timeout=limit,
            )
        except subprocess.TimeoutExpired:
            return {"error": f"did not finish within {limit:.0f} s"}
    if done.returncode:
        return {"error": done.stderr.strip().splitlines()[-1][:200]}
    return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("inputs", nargs="*", choices=[[], *INPUTS], help="inputs to measure (default: all)")
    parser.add_argument("--tree", type=Path, default=ROOT, help="the checkout whose code loads them")
    parser.add_argument("--limit", type=float, default=300.0, help="seconds before an input is given up")
    args = parser.parse_args()
    print(f"{'input':10} {'load s':>8} {'question s':>10} {'peak MiB':>9}  warnings")
    for name in args.inputs or INPUTS:
        result = measure(args.tree.resolve(), name, args.limit)
        if "error" in result:
            print(f"{name:10} {result['error']}", flush=True)
            continue
        warnings = "; ".join(result["warnings"]) or "-"
        print(
            f"{name:10} {result['load_s']:8.2f} {result['question_s']:10.3f} {result['peak_mib']:9d}  {warnings}",
            flush=True,
        )


if __name__ == "__main__":
    main()
