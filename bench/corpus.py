"""Benchmark inputs: passage corpora of a given size and realistic questions.

From MedQuAD (when `../shared/data/medquad` is present): passages are runs of consecutive
sentences of its answers, so the vocabulary is real; past the natural runs, passages recombine
sentences of one answer with a sentence of another answer, so 1M passages keep a real
vocabulary without repeating the same passages. Without MedQuAD, a synthetic fallback writes
passages and questions from a small medical vocabulary.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MEDQUAD = ROOT.parent / "shared" / "data" / "medquad"
WORK = ROOT / "build" / "bench"
QUESTIONS = 200
# Passages are whole sentences aiming at 30 to 100 words, at most 115 (MS MARCO passages average
# about 56 words); citebot's `passage_words` (120) keeps each one a single passage.
MIN_WORDS, MAX_WORDS, LIMIT_WORDS = 30, 100, 115
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\"-])")


def medquad_available() -> bool:
    """Return True when the MedQuAD BEIR folder is there."""
    return (MEDQUAD / "corpus.jsonl").is_file() and (MEDQUAD / "queries.jsonl").is_file()


def _medquad_answers() -> list[tuple[str, list[str]]]:
    answers = []
    with (MEDQUAD / "corpus.jsonl").open(encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            sentences = [s.strip() for s in _SENTENCE.split(record["text"])]
            sentences = [s for s in sentences if s and len(s.split()) <= LIMIT_WORDS]
            if sentences:
                answers.append((record["title"] or record["_id"], sentences))
    return answers


def _runs(title: str, sentences: list[str], rng: random.Random) -> Iterator[tuple[str, list[str]]]:
    """Yield the answer cut into consecutive runs of about MIN..MAX words."""
    i = 0
    while i < len(sentences):
        target = rng.randint(MIN_WORDS, MAX_WORDS)
        run, words = [], 0
        while i < len(sentences) and (not run or words + len(sentences[i].split()) <= LIMIT_WORDS):
            run.append(sentences[i])
            words += len(sentences[i].split())
            i += 1
            if words >= target:
                break
        yield title, run


def _medquad_passages(count: int, seed: int) -> Iterator[tuple[str, str]]:
    rng = random.Random(seed)
    answers = _medquad_answers()
    made = 0
    natural = [run for title, sentences in answers for run in _runs(title, sentences, rng)]
    rng.shuffle(natural)
    for title, run in natural[:count]:
        yield title, " ".join(run)
        made += 1
    # Recombined passages: a run of one answer with a sentence of another answer spliced in.
    while made < count:
        title, sentences = answers[rng.randrange(len(answers))]
        start = rng.randrange(len(sentences))
        run = list(next(_runs(title, sentences[start:], rng))[1])
        other = answers[rng.randrange(len(answers))][1]
        extra = other[rng.randrange(len(other))]
        if sum(len(s.split()) for s in run) + len(extra.split()) <= LIMIT_WORDS:
            run.insert(rng.randrange(len(run) + 1), extra)
        yield title, " ".join(run)
        made += 1


_SYNTHETIC_WORDS = {
    "drug": [
        "baclofen",
        "tizanidine",
        "diazepam",
        "dantrolene",
        "cyclobenzaprine",
        "methocarbamol",
        "metformin",
        "insulin",
        "lisinopril",
        "atorvastatin",
        "warfarin",
        "heparin",
        "amoxicillin",
        "ibuprofen",
        "naproxen",
        "prednisone",
    ],
    "condition": [
        "spasticity",
        "diabetes",
        "hypertension",
        "asthma",
        "migraine",
        "epilepsy",
        "arthritis",
        "anemia",
        "leukemia",
        "pneumonia",
        "hepatitis",
        "glaucoma",
        "psoriasis",
        "eczema",
        "lupus",
        "sclerosis",
        "neuropathy",
        "dementia",
    ],
    "aspect": [
        "dose",
        "symptoms",
        "treatment",
        "causes",
        "diagnosis",
        "prevention",
        "outlook",
        "complications",
        "risk",
        "inheritance",
        "side",
        "effects",
        "warnings",
        "interactions",
    ],
    "body": [
        "liver",
        "kidney",
        "heart",
        "lung",
        "brain",
        "muscle",
        "skin",
        "blood",
        "bone",
        "nerve",
        "eye",
        "stomach",
    ],
}
_SYNTHETIC_TEMPLATES = [
    "The usual {aspect} of {drug} for {condition} depends on the {body} and the patient's age.",
    "{Condition} can affect the {body}, and {drug} is often used to manage it.",
    "Patients taking {drug} should report {aspect} changes, especially those of the {body}.",
    "Doctors check the {body} before starting {drug} in people with {condition}.",
    "The {aspect} of {condition} varies, and some people need {drug} for years.",
    "{Drug} may interact with {drug2}, which raises the risk to the {body}.",
]


def _synthetic_sentence(rng: random.Random) -> str:
    pick = {k: rng.choice(v) for k, v in _SYNTHETIC_WORDS.items()}
    pick["drug2"] = rng.choice(_SYNTHETIC_WORDS["drug"])
    pick["Condition"] = pick["condition"].capitalize()
    pick["Drug"] = pick["drug"].capitalize()
    return rng.choice(_SYNTHETIC_TEMPLATES).format(**pick)


def _synthetic_passages(count: int, seed: int) -> Iterator[tuple[str, str]]:
    rng = random.Random(seed)
    for _ in range(count):
        title = f"{rng.choice(_SYNTHETIC_WORDS['drug']).capitalize()} and {rng.choice(_SYNTHETIC_WORDS['condition'])}"
        yield title, " ".join(_synthetic_sentence(rng) for _ in range(rng.randint(2, 5)))


def _synthetic_questions(count: int, seed: int) -> list[str]:
    rng = random.Random(seed + 1)
    forms = [
        "What is the usual {aspect} of {drug}?",
        "What are the {aspect} of {condition}?",
        "Can {drug} harm the {body} in {condition}?",
        "How is {condition} treated with {drug}?",
    ]
    return [
        rng.choice(forms).format(**{k: rng.choice(v) for k, v in _SYNTHETIC_WORDS.items()})
        for _ in range(count)
    ]


def corpus_path(size: int, source: str) -> Path:
    """Return where the passage corpus of this size and source is written."""
    return WORK / f"{source}-{size}" / "corpus.jsonl"


def write_corpus(size: int, source: str, seed: int = 20240501) -> Path:
    """Write (once) a BEIR corpus.jsonl of `size` passages and return its path."""
    path = corpus_path(size, source)
    if path.is_file():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    passages = _medquad_passages(size, seed) if source == "medquad" else _synthetic_passages(size, seed)
    temporary = path.with_suffix(".tmp")
    with temporary.open("w", encoding="utf-8") as out:
        for number, (title, text) in enumerate(passages):
            out.write(json.dumps({"_id": f"p{number:07d}", "title": title, "text": text}) + "\n")
    temporary.replace(path)
    return path


def questions(source: str, count: int = QUESTIONS) -> list[str]:
    """Return `count` questions: MedQuAD dev questions, or synthetic ones."""
    if source != "medquad":
        return _synthetic_questions(count, 20240501)
    with (MEDQUAD / "queries.jsonl").open(encoding="utf-8") as lines:
        texts = [json.loads(line)["text"] for line in lines]
    return texts[:count]
