"""The command line: argv and environment -> pipeline -> stdout and an exit code.

Exit codes: 0 done, 1 a citebot error (message on stderr), 2 a usage error.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from tqdm import tqdm

from bot import changes, evaluate, pipeline, present, report, store
from bot.config import VARIANTS, Settings
from bot.errors import CitebotError
from bot.records import Conversation

PROJECT_CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def default_corpus() -> str:
    """Return $CITEBOT_CORPUS, else the project's corpus/ folder, else ./corpus."""
    if os.environ.get("CITEBOT_CORPUS"):
        return os.environ["CITEBOT_CORPUS"]
    return str(PROJECT_CORPUS if PROJECT_CORPUS.is_dir() else Path("corpus"))


def _settings_options() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--corpus",
        metavar="PATH",
        help="corpus folder or corpus.jsonl (default: $CITEBOT_CORPUS, else corpus/)",
    )
    # The defaults said are the settings' own, so the help cannot drift from them.
    defaults = Settings()
    common.add_argument(
        "--top-k", type=int, metavar="N", help=f"passages to list with the answer (default {defaults.top_k})"
    )
    common.add_argument("--variant", choices=VARIANTS, help=f"BM25 variant (default {defaults.variant})")
    common.add_argument("--k1", type=float, help=f"BM25 k1 (default {defaults.k1})")
    common.add_argument("--b", type=float, help=f"BM25 b (default {defaults.b})")
    common.add_argument(
        "--passage-words",
        type=int,
        metavar="N",
        help=f"passage size in words (default {defaults.passage_words})",
    )
    common.add_argument("--no-cache", action="store_true", help="neither read nor write the index cache")
    return common


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the `bot` command."""
    common = _settings_options()
    parser = argparse.ArgumentParser(
        prog="bot",
        description="Ask questions of a folder of documents; answers are quotes with their references.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    ask = commands.add_parser("ask", parents=[common], help="answer one question")
    ask.add_argument("question", help="the question, in quotes")
    ask.add_argument("--json", action="store_true", help="print one JSON object (see README)")
    chat = commands.add_parser(
        "chat", parents=[common], help="answer questions read line by line, as a conversation"
    )
    chat.add_argument("--json", action="store_true", help="print one JSON object per question")
    commands.add_parser("index", parents=[common], help="build or refresh the index cache and report on it")
    _add_eval_parser(commands, common)
    return parser


def settings_from(args: argparse.Namespace) -> Settings:
    """Return Settings with the options given on the command line."""
    chosen = {
        "top_k": args.top_k,
        "variant": args.variant,
        "k1": args.k1,
        "b": args.b,
        "passage_words": args.passage_words,
    }
    return Settings(**{k: v for k, v in chosen.items() if v is not None})


def _load(args: argparse.Namespace, settings: Settings, err: TextIO) -> pipeline.Bot:
    # A large corpus is chunked and analyzed on every core (the CLI runs no other thread).
    workers = os.cpu_count() or 1
    bot = pipeline.load(
        args.corpus or default_corpus(), settings, use_cache=not args.no_cache, workers=workers
    )
    if bot.problems:
        print(present.problems_to_text(bot.problems), file=err)
    return bot


def run_ask(args: argparse.Namespace, settings: Settings, out: TextIO, err: TextIO) -> int:
    bot = _load(args, settings, err)
    answer, _ = pipeline.ask(bot, args.question)
    notes = changes.upload_notes(Path(bot.corpus.root), bot.corpus.documents)
    if args.json:
        print(json.dumps(present.answer_to_json(answer, notes), ensure_ascii=False, indent=2), file=out)
    else:
        print(present.answer_to_text(answer, uploads=notes), file=out)
    return 0


def run_chat(args: argparse.Namespace, settings: Settings, inp: TextIO, out: TextIO, err: TextIO) -> int:
    bot = _load(args, settings, err)
    notes = changes.upload_notes(Path(bot.corpus.root), bot.corpus.documents)
    conversation = Conversation()
    interactive = not args.json and inp.isatty()
    if interactive:
        print(f"{len(bot.corpus.documents)} documents. {present.NOT_ADVICE} Ctrl-D to quit.", file=out)
    while True:
        if interactive:
            print("> ", end="", file=out, flush=True)
        line = inp.readline()
        if not line:
            return 0
        try:
            answer, conversation = pipeline.ask(bot, line.rstrip("\n"), conversation)
        except CitebotError as error:
            print(f"error: {error}", file=err)
            continue
        if args.json:
            print(json.dumps(present.answer_to_json(answer, notes), ensure_ascii=False), file=out, flush=True)
        else:
            print(present.answer_to_text(answer, uploads=notes) + "\n", file=out, flush=True)


def run_index(args: argparse.Namespace, settings: Settings, out: TextIO, err: TextIO) -> int:
    started = time.perf_counter()
    bot = _load(args, settings, err)
    seconds = time.perf_counter() - started
    source = "loaded from cache" if bot.from_cache else "built"
    print(f"corpus:     {bot.corpus.root}", file=out)
    print(f"documents:  {len(bot.corpus.documents)}", file=out)
    print(f"passages:   {len(bot.passages)}", file=out)
    print(f"vocabulary: {len(bot.index.state.terms)} terms", file=out)
    print(f"warnings:   {len(bot.problems)}", file=out)
    print(f"index:      {source} in {seconds:.2f} s ({bot.built_at})", file=out)
    return 0


def _add_eval_parser(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    evaluation = commands.add_parser(
        "eval",
        parents=[common],
        help="measure retrieval and answers on test questions, settings side by side",
        description="Run test questions (or a BEIR folder) and report retrieval and answer measures "
        "for the settings given, the --compare settings and the baseline row.",
    )
    evaluation.add_argument(
        "questions",
        nargs="?",
        metavar="QUESTIONS",
        help="test questions, JSON Lines (default: questions.jsonl in the corpus folder)",
    )
    evaluation.add_argument(
        "--beir", metavar="DIR", help="a BEIR folder: corpus.jsonl, queries.jsonl, qrels/"
    )
    evaluation.add_argument("--split", default="test", help="the BEIR qrels split (default test)")
    evaluation.add_argument(
        "--compare",
        nargs="+",
        metavar="SETTINGS",
        help="more settings side by side, each name=value[,name=value]: e.g. k1=1.2,b=0.4 "
        "variant=bm25plus passage_words=60 stemmer=none stopwords=off subjects=off "
        "shorthand=off clarify=off conversation=off (any field of Settings)",
    )
    evaluation.add_argument(
        "--cutoff", type=int, default=10, metavar="K", help="k of R@k, P@k, MRR@k, nDCG@k (default 10)"
    )
    evaluation.add_argument(
        "--depth",
        type=int,
        default=100,
        metavar="N",
        help="ranking depth per question; MAP is over it (default 100)",
    )
    evaluation.add_argument("--limit", type=int, metavar="N", help="run only the first N questions")
    evaluation.add_argument("--failures", action="store_true", help="list only the questions that fail")
    evaluation.add_argument("--summary", action="store_true", help="measures only, no list of questions")
    evaluation.add_argument("--json", action="store_true", help="print the report as one JSON object")
    evaluation.add_argument(
        "--run-file", metavar="PATH", help="write the first setting's rankings as a TREC run"
    )
    evaluation.add_argument(
        "--qrels-file",
        metavar="PATH",
        help="write the judgments, resolved to passages or documents, as TREC qrels",
    )


class _ProgressBar:
    """A one-line progress bar on a terminal's stderr (tqdm's; nothing when stderr is not a terminal)."""

    def __init__(self, err: TextIO) -> None:
        self.err = err
        self.bar: tqdm | None = None

    def __call__(self, done: int, total: int, label: str) -> None:
        if not self.err.isatty():
            return
        if self.bar is None or self.bar.total != total:
            self.close()
            self.bar = tqdm(total=total, file=self.err, leave=False, ascii=True, unit="turn", mininterval=0.1)
        self.bar.set_description_str(label[:40], refresh=False)
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def run_eval(args: argparse.Namespace, settings: Settings, out: TextIO, err: TextIO) -> int:
    if args.beir and (args.questions or args.corpus):
        extra = "QUESTIONS" if args.questions else "--corpus"
        print(
            f"bot eval: error: {extra} does not go with --beir (DIR holds the corpus and queries)", file=err
        )
        return 2
    variants = [evaluate.Variant(evaluate.describe(settings), settings)]
    variants += [evaluate.parse_variant(spec, settings) for spec in args.compare or ()]
    options = {"k": args.cutoff, "depth": args.depth, "limit": args.limit}
    progress = _ProgressBar(err)
    try:
        if args.beir:
            result = evaluate.evaluate_beir(args.beir, args.split, variants, progress=progress, **options)
        else:
            corpus = args.corpus or default_corpus()
            questions = args.questions or str(Path(corpus) / evaluate.QUESTIONS_FILE)
            result = evaluate.evaluate_questions(questions, corpus, variants, progress=progress, **options)
    finally:
        progress.close()
    if result.problems:
        print(present.problems_to_text(result.problems), file=err)
    first = result.settings_rows[0]
    if args.run_file:
        store.write_atomic(Path(args.run_file), report.run_to_trec(first, result.level).encode("utf-8"))
    if args.qrels_file:
        store.write_atomic(Path(args.qrels_file), report.qrels_to_trec(first, result.level).encode("utf-8"))
    if args.json:
        print(report.report_to_json_text(result), file=out)
    else:
        print(
            report.report_to_text(result, failures_only=args.failures, questions=not args.summary), file=out
        )
    return 0


def main(
    argv: Sequence[str] | None = None,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Run the `bot` command; return its exit code."""
    inp, out, err = stdin or sys.stdin, stdout or sys.stdout, stderr or sys.stderr
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    try:
        settings = settings_from(args)
        if args.command == "ask":
            return run_ask(args, settings, out, err)
        if args.command == "chat":
            return run_chat(args, settings, inp, out, err)
        if args.command == "eval":
            return run_eval(args, settings, out, err)
        return run_index(args, settings, out, err)
    except CitebotError as error:
        print(f"error: {error}", file=err)
        return 1


def main_exit() -> None:
    """Entry point of the `bot` console script. A reader that stops reading (`bot ask ... |
    head`) ends the command quietly, with exit code 0: what it read was written whole."""
    try:
        code = main()
        sys.stdout.flush()
    except BrokenPipeError:
        # Python flushes standard output once more at exit; pointed at nothing, that is quiet.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = 0
    sys.exit(code)
