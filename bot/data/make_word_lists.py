"""Write the word lists derived from WordNet 3.0 and wordfreq: english_words.txt, lemmas.txt and
wordnet_synonyms.txt (see README.md in this folder). Run by hand; citebot never imports it.

    pip install wordfreq==3.1.1 nltk      # in a scratch environment
    apt-get install wordnet-base          # WordNet 3.0 in /usr/share/wordnet
    python bot/data/make_word_lists.py /usr/share/wordnet bot/data

The WordNet folder is copied into a private temporary folder first, with the `lexnames` file
Debian's package leaves out, because NLTK reads corpora only from folders it trusts.
"""

from __future__ import annotations

import re
import shutil
import sys
import tempfile
import warnings
from pathlib import Path

# Ordinary English: used at least once in a million words (wordfreq's Zipf scale).
COMMON_ZIPF = 3.0
# Senses that name a thing a document may or may not speak of: an animal, a food, a body part,
# a substance, an illness, an object, an act, a cost. The rest (people, times, words, relations,
# feelings, places, and verbs, adjectives and adverbs) frame a question.
THINGS = frozenset(
    [
        "noun.animal",
        "noun.artifact",
        "noun.body",
        "noun.food",
        "noun.plant",
        "noun.substance",
        "noun.state",
        "noun.object",
        "noun.phenomenon",
        "noun.process",
        "noun.act",
        "noun.attribute",
        "noun.possession",
        "noun.feeling",
    ]
)
# A word is content when its thing senses carry at least this share of its sense weight.
THING_SHARE = 0.3
# Words WordNet does not know frame a question only when at least this common.
UNKNOWN_FRAMING_ZIPF = 4.0
# Verbs at least this common (Zipf) frame questions: "take", "get", "help", "started".
COMMON_VERB_ZIPF = 4.5
# Things a document must speak of to answer a question naming them (with medicines and medical
# care, found under SYNONYM_ROOTS); other things (objects, acts, attributes) a question may
# mention in passing.
BLOCKING = frozenset(
    ["noun.animal", "noun.food", "noun.plant", "noun.substance", "noun.body", "noun.phenomenon", "noun.process",
     "noun.feeling", "noun.attribute"]
)  # fmt: skip
# States that name no condition: a question about them asks about nothing in particular.
GENERIC_STATES = frozenset(
    [
        "condition",
        "conditions",
        "health",
        "problem",
        "problems",
        "trouble",
        "troubles",
        "danger",
        "dangers",
        "risk",
        "risks",
        "need",
        "needs",
        "situation",
        "state",
        "status",
        "difficulty",
        "order",
        "life",
        "living",
        "being",
        "existence",
        "way",
        "ready",
        "fine",
        "symptom",
        "symptoms",
        "sign",
        "signs",
        "effect",
        "effects",
        "reaction",
        "reactions",
        "feature",
        "features",
        "side",
        "use",
        "disorder",
        "disorders",
        "disease",
        "diseases",
        "illness",
        "illnesses",
        "injury",
        "injuries",
        "damage",
        "harm",
    ]
)
# Reviewed corrections to the classes WordNet's sense counts give.
CONTENT = frozenset(
    [
        "food",
        "sleep",
        "liquid",
        "cream",
        "spray",
        "drops",
        "supplement",
        "drink",
        "alcohol",
        "fall",
        "cost",
        "price",
        "money",
        "insurance",
        "pet",
        "back",
        "neck",
        "shoulder",
        "knee",
        "hip",
        "surgery",
        "operation",
        "therapy",
        "physiotherapy",
        "injection",
        "infusion",
    ]
)
FRAMING = frozenset(
    [
        "idea",
        "thing",
        "things",
        "stuff",
        "kind",
        "sort",
        "problem",
        "problems",
        "issue",
        "issues",
        "lot",
        "bit",
        "chance",
        "way",
        "ways",
        "question",
        "questions",
        "answer",
        "info",
        "information",
        "advice",
        "help",
        "reason",
        "mum",
        "mom",
        "dad",
        "afterward",
        "afterwards",
        "beforehand",
    ]
)
# Synonym groups come from these classes, where lay and clinical words name one thing.
SYNONYM_CLASSES = frozenset(
    ["noun.state", "noun.body", "noun.substance", "noun.process", "noun.phenomenon", "verb.body",
     "noun.communication", "noun.feeling", "noun.food", "noun.act", "noun.attribute", "verb.consumption"]
)  # fmt: skip
# And from the kinds of drug and medical care (noun.artifact and noun.act hold far more).
SYNONYM_ROOTS = ("drug.n.01", "medicine.n.02", "medical_care.n.01", "symptom.n.01")
SYNONYM_MAX = 4
# Drugs often have several brand names: their sets may be larger.
SYNONYM_DRUG_MAX = 8
# A set is kept when one of its words is at least this common (lay names are often rarer).
SYNONYM_ZIPF = 2.0
# Street names of drugs of abuse are ordinary words too ("acid", "dose", "go"): left out.
SYNONYM_EXCLUDED_ROOTS = (
    "lysergic_acid_diethylamide.n.01",
    "amphetamine.n.01",
    "soft_drug.n.01",
    "gateway_drug.n.01",
    "hard_drug.n.01",
    "cannabis.n.02",
    "heroin.n.01",
    "cocaine.n.01",
    "methylenedioxymethamphetamine.n.01",
)
# Irregular forms whose WordNet lemma would merge two different words.
LEMMA_EXCLUDED = frozenset(
    [
        "cola",
        "dive",
        "dui",
        "ora",
        "roma",
        "media",
        "bit",
        "bound",
        "ground",
        "left",
        "lay",
        "lit",
        "canning",
        "gan",
        "kent",
        "hinder",
        "offer",
        "tanner",
        "stove",
        "wound",
        "saw",
        "rose",
        "might",
        "bore",
        "born",
        "borne",
        "lives",
        "shot",
        "fell",
        "found",
        "sera",
        "spectra",
        "dryer",
        "gamer",
        "jeter",
        "modest",
        "outer",
        "cutest",
        "later",
        "led",
        "lost",
        "fitter",
        "flatter",
        "fed",
        "felt",
        "lesser",
    ]
)
_WORD = re.compile(r"[a-z]+(?:[-'][a-z]+)*")


def open_wordnet(folder: Path):  # noqa: ANN201 - NLTK's reader, imported here only
    """Return NLTK's reader over a private copy of a WordNet 3.0 database folder."""
    import nltk
    from nltk.corpus.reader.wordnet import WordNetCorpusReader

    root = Path(tempfile.mkdtemp())
    root.chmod(0o700)
    target = root / "corpora" / "wordnet"
    shutil.copytree(folder, target)
    lexnames = target / "lexnames"
    if not lexnames.exists():
        names = [
            "adj.all", "adj.pert", "adv.all", "noun.Tops", "noun.act", "noun.animal", "noun.artifact",
            "noun.attribute", "noun.body", "noun.cognition", "noun.communication", "noun.event",
            "noun.feeling", "noun.food", "noun.group", "noun.location", "noun.motive", "noun.object",
            "noun.person", "noun.phenomenon", "noun.plant", "noun.possession", "noun.process",
            "noun.quantity", "noun.relation", "noun.shape", "noun.state", "noun.substance", "noun.time",
            "verb.body", "verb.change", "verb.cognition", "verb.communication", "verb.competition",
            "verb.consumption", "verb.contact", "verb.creation", "verb.emotion", "verb.motion",
            "verb.perception", "verb.possession", "verb.social", "verb.stative", "verb.weather", "adj.ppl",
        ]  # fmt: skip
        syntax = {"adj": 3, "adv": 4, "noun": 1, "verb": 2}
        lexnames.write_text(
            "".join(f"{i:02d}\t{n}\t{syntax[n.split('.')[0]]}\n" for i, n in enumerate(names))
        )
    nltk.data.path.insert(0, str(root))
    # Debian's copy is WordNet 3.0 itself: there is nothing to map to it.
    WordNetCorpusReader.map_wn = lambda self, version="3.0": None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return WordNetCorpusReader(str(target), None)


def _is_name_like(word: str) -> bool:
    """Return True for a word that could be a name: letters only, three or more."""
    return word.isalpha() and len(word) >= 3


def word_class(wn, word: str, frequency: float, medical: set) -> str:  # noqa: ANN001
    """Return a word's class: "s" it mostly names a condition (an illness, a state of the body),
    "c" a thing a document must speak of to answer (a substance, a food, a body part, an
    animal, a medicine, medical care), "v" an act named by a verb ("invented", "vomiting"),
    "o" an everyday thing a question may mention in passing (a sofa, football), "f" it frames a
    question.

    A verb is content ("invented", "vomiting") unless it is among the most common ones, which
    frame questions ("take", "get", "help", "work").
    """
    if word in CONTENT:
        return "c"
    if word in FRAMING:
        return "f"
    thing = verb = other = 0.0
    kinds: dict[str, float] = {}
    for rank, synset in enumerate(wn.synsets(word)):
        lemma = next((x for x in synset.lemmas() if x.name().lower() == word), None)
        # Tagged frequency where WordNet has it; otherwise earlier senses weigh more.
        weight = (lemma.count() if lemma else 0) + 0.5 / (1 + rank)
        if synset.lexname() in THINGS:
            thing += weight
            kind = _thing_kind(synset, medical)
            kinds[kind] = kinds.get(kind, 0.0) + weight
        elif synset.pos() == "v":
            verb += weight
        else:
            other += weight
    if not thing and not verb:
        # Words WordNet does not know: common ones are slang and function words ("gonna"),
        # rarer ones names ("Shapiro", "Emanuel") that may name a condition.
        return "f" if frequency >= UNKNOWN_FRAMING_ZIPF or not _is_name_like(word) else "c"
    if thing >= THING_SHARE * (thing + verb + other):
        kind = max(kinds, key=kinds.__getitem__)
        return "o" if word in GENERIC_STATES else kind
    return "v" if verb > thing + other and frequency < COMMON_VERB_ZIPF else "f"


def _thing_kind(synset, medical: set) -> str:  # noqa: ANN001
    """Return the class a thing sense gives: "s" a condition, "c" what must be found, "o" the rest."""
    lexname = synset.lexname()
    if lexname == "noun.state":
        return "s"
    if lexname in BLOCKING or synset in medical:
        return "c"
    return "o"


def english_words(wn, frequencies: dict[str, float], zipf) -> list[tuple[str, str]]:  # noqa: ANN001
    """Return every ordinary English word with its class."""
    roots = [wn.synset(name) for name in SYNONYM_ROOTS + ("medical_procedure.n.01",)]
    medical = {s for root in roots for s in root.closure(lambda s: s.hyponyms())} | set(roots)
    # Most common first, so that a slip one edit from several words is read as the commonest.
    common = [w for w in frequencies if _WORD.fullmatch(w) and zipf(w, "en") >= COMMON_ZIPF]
    common.sort(key=lambda w: (-zipf(w, "en"), w))
    return [(w, word_class(wn, w, zipf(w, "en"), medical)) for w in common]


def lemmas(wn, zipf, stem) -> list[tuple[str, str]]:  # noqa: ANN001
    """Return (form, lemma) for irregular and comparative forms that the stemmer leaves apart."""
    pairs: dict[str, str] = {}
    for name in ("noun", "verb", "adj"):
        exceptions = Path(wn.root.path) / f"{name}.exc"
        for line in exceptions.read_text().splitlines():
            form, *lemma = line.split()
            if len(lemma) != 1 or not (form.isalpha() and lemma[0].isalpha()):
                continue
            if form in LEMMA_EXCLUDED or zipf(form, "en") < COMMON_ZIPF or zipf(lemma[0], "en") < COMMON_ZIPF:
                continue
            if stem(form) != stem(lemma[0]):
                pairs.setdefault(form, lemma[0])
    # Regular comparatives and superlatives of common adjectives ("older", "highest").
    vowels = "aeiou"
    adjectives = {
        x.name().lower()
        for s in wn.all_synsets("a")
        for x in s.lemmas()
        if x.name().isalpha() and zipf(x.name().lower(), "en") >= 3.5
    }
    for adjective in sorted(adjectives):
        if adjective.endswith("e"):
            forms = [adjective + "r", adjective + "st"]
        elif adjective.endswith("y") and adjective[-2:-1] not in vowels:
            forms = [adjective[:-1] + "ier", adjective[:-1] + "iest"]
        else:
            forms = [adjective + "er", adjective + "est"]
            last, before, third = adjective[-1], adjective[-2:-1], adjective[-3:-2]
            if (
                len(adjective) >= 3
                and last not in vowels + "wxy"
                and before in vowels
                and third not in vowels
            ):
                forms += [adjective + last + "er", adjective + last + "est"]
        for form in forms:
            if form in pairs or len(adjective) < 3 or zipf(form, "en") < COMMON_ZIPF:
                continue
            if stem(form) != stem(adjective) and not wn.synsets(form, "n") and not wn.synsets(form, "v"):
                pairs[form] = adjective
    return sorted(pairs.items())


def synonym_groups(wn, zipf) -> list[tuple[str, ...]]:  # noqa: ANN001
    """Return WordNet's synonym sets of illnesses, body parts, substances, drugs and care that
    hold an ordinary English word and another word."""
    roots = [wn.synset(name) for name in SYNONYM_ROOTS]
    under_roots = {s for root in roots for s in root.closure(lambda s: s.hyponyms())} | set(roots)
    excluded = {wn.synset(name) for name in SYNONYM_EXCLUDED_ROOTS}
    excluded |= {s for root in list(excluded) for s in root.closure(lambda s: s.hyponyms())}
    groups: dict[tuple[str, ...], None] = {}
    for synset in wn.all_synsets():
        if synset in excluded or (synset.lexname() not in SYNONYM_CLASSES and synset not in under_roots):
            continue
        names = tuple(dict.fromkeys(x.name().replace("_", " ").lower() for x in synset.lemmas()))
        if len(names) < 2 or not all(re.fullmatch(r"[a-z]{3,}(?:[- '][a-z]+)*", n) for n in names):
            continue
        # Large sets gather slang and far senses ("pot, potbelly, bay window, corporation, tummy").
        largest = SYNONYM_DRUG_MAX if synset in under_roots else SYNONYM_MAX
        if len(names) <= largest and any(zipf(n, "en") >= SYNONYM_ZIPF for n in names):
            groups[names] = None
    return list(groups)


def main(argv: list[str]) -> int:
    from importlib.metadata import version

    from nltk.stem import SnowballStemmer
    from wordfreq import get_frequency_dict, zipf_frequency

    source, target = Path(argv[1]), Path(argv[2])
    wn = open_wordnet(source)
    stem = SnowballStemmer("english").stem
    common = english_words(wn, get_frequency_dict("en"), zipf_frequency)
    (target / "english_words.txt").write_text(
        "# Ordinary English words, most common first (Zipf frequency 3.0 or more in wordfreq "
        f"{version('wordfreq')}), each with its class:\n"
        "# s, it mostly names a condition; c, a thing a document must speak of to answer (WordNet 3.0\n"
        "# senses); v, an act a verb names; o, an everyday thing a question may mention in passing;\n"
        "# f, it frames a question.\n"
        "# Made by make_word_lists.py; sources and licences in README.md (CC BY-SA 4.0).\n"
        + "".join(f"{w}\t{c}\n" for w, c in common)
    )
    (target / "lemmas.txt").write_text(
        "# Irregular and comparative forms and their WordNet 3.0 lemma, where the stemmer keeps\n"
        "# them apart. Made by make_word_lists.py; sources and licences in README.md.\n"
        + "".join(f"{form} {lemma}\n" for form, lemma in lemmas(wn, zipf_frequency, stem))
    )
    (target / "wordnet_synonyms.txt").write_text(
        "# WordNet 3.0 synonym sets of illnesses, body parts, substances, drugs and medical care,\n"
        "# one per line. Made by make_word_lists.py; sources and licences in README.md.\n"
        + "".join(", ".join(group) + "\n" for group in synonym_groups(wn, zipf_frequency))
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
