"""Shared fixtures: the seed document, small documents in the seed's shape, and no NLTK data."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import nltk
import pytest

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "corpus" / "valium-diazepam-muscle-spasm.txt"
SHARED = ROOT.parent / "shared"
MEDQUAD = SHARED / "data" / "medquad"

# No NLTK data package may ever be needed: any lookup in nltk.data now fails.
nltk.data.path.clear()

# Four documents that differ by a few distinct words, so rankings are obvious.
SMALL_DOCUMENTS = {
    "baclofen.txt": (
        "From the Guidelines\n"
        "Baclofen (Lioresal) reduces spasticity from multiple sclerosis 1.\n"
        "- The usual starting dose is 5 mg three times daily 1.\n"
        "- Stopping intrathecal baclofen abruptly can cause withdrawal 2.\n"
        "References\n"
        "1. Agency A. Baclofen label. 2019.\n"
        "2. Author B. Intrathecal withdrawal review. 2002.\n"
    ),
    "tizanidine.md": (
        "---\ntitle: Tizanidine for spasticity\nsource: test\n---\n"
        "# Tizanidine\n\n"
        "## Warnings\n\n"
        "Tizanidine can injure the liver, so liver enzymes are checked [1].\n\n"
        "## Dosing\n\n"
        "- The maximum is 36 mg per day [1, 2].\n\n"
        "## References\n\n1. Agency C. Tizanidine label. 2013.\n2. Author D. Dosing study. 2010.\n"
    ),
    "dantrolene.txt": (
        "From the FDA Drug Label\n"
        "Dantrolene treats malignant hyperthermia and chronic spasticity.\n"
        "Research Notes\n"
        "Dantrolene acts on skeletal muscle directly rather than on the spinal cord.\n"
    ),
    "back-pain.md": (
        "# Acute low back pain\n\n"
        "Heat wraps and exercise help most people recover within weeks (2).\n\n"
        "## Medicines\n\n"
        "NSAIDs come first; muscle relaxants are a second option [1-3].\n"
    ),
}


def write_corpus(folder: Path, documents: dict[str, str]) -> Path:
    """Write documents (name -> text) into folder and return it."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in documents.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return folder


def documents_bot(folder: Path, documents: dict[str, str]):
    """Return the bot of documents (name -> text) written into folder, built without a cache."""
    from bot import load

    return load(write_corpus(folder, documents), use_cache=False)


@pytest.fixture(scope="session")
def seed_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A corpus folder holding only the seed document."""
    folder = tmp_path_factory.mktemp("seed")
    shutil.copy(SEED, folder / SEED.name)
    return folder


@pytest.fixture(scope="session")
def small_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A corpus folder of the four small documents plus the seed."""
    folder = write_corpus(tmp_path_factory.mktemp("small"), SMALL_DOCUMENTS)
    shutil.copy(SEED, folder / SEED.name)
    return folder


@pytest.fixture(scope="session")
def seed_bot(seed_corpus: Path):
    from bot import load

    return load(seed_corpus, use_cache=False)


@pytest.fixture(scope="session")
def small_bot(small_corpus: Path):
    from bot import load

    return load(small_corpus, use_cache=False)


@pytest.fixture(autouse=True)
def served_on_loopback(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Pages driven in-process (AppTest) run as served by `make run`: on the loopback address,
    with no key set. Tests of other rules set the address and variables again."""
    for variable in ("CITEBOT_ADMIN_KEY", "CITEBOT_READ_ONLY", "CITEBOT_REQUIRE_KEY"):
        monkeypatch.delenv(variable, raising=False)
    config = sys.modules.get("streamlit.config")
    if config is not None:
        previous = config.get_option("server.address")
        config.set_option("server.address", "localhost")
        yield
        config.set_option("server.address", previous)
    else:
        yield
