"""Small documents for the UI tests, one of them hostile, and a helper to write them."""

from __future__ import annotations

from pathlib import Path

# What a hostile document tries: markup, a script, an event handler, a javascript: link, and
# Streamlit's Markdown extras (LaTeX, colours, icons). All of it must show as typed.
SCRIPT = "<script>window.__pwned=1</script>"
IMAGE = '<img src=x onerror="window.__pwned=1">'
LINK = "[x](javascript:window.__pwned=1)"
EXTRAS = "$x$ :red[x] :material/home: :streamlit:"

DOCUMENTS = {
    "baclofen.md": (
        "---\ntitle: Baclofen for spasticity\nsource: test label\n---\n"
        "# Baclofen for spasticity\n\n"
        "## Dosing\n\n"
        "- The usual starting dose of baclofen is 5 mg three times a day [1].\n"
        "- The dose is raised slowly, by 5 mg every three days, until spasms ease [1].\n\n"
        "## Side Effects\n\n"
        "- Drowsiness is the most common side effect of baclofen [1, 2].\n"
        "- Stopping baclofen suddenly can cause hallucinations and seizures [2].\n\n"
        "## Children\n\n"
        "- Safety in children under twelve years has not been established [1].\n\n"
        "## References\n\n"
        "1. Agency A. Baclofen tablets label. 2021.\n"
        "2. Author B. Baclofen withdrawal review. 2002.\n"
    ),
    "tizanidine.txt": (
        "Tizanidine Warnings\n"
        "Tizanidine can injure the liver, so liver enzymes are checked before treatment 1.\n"
        "Low blood pressure and fainting may follow a dose 1.\n"
        "Tizanidine Dosing\n"
        "The maximum daily amount of tizanidine is 36 mg 2.\n"
        "References\n"
        "1. Agency C. Tizanidine label. 2013.\n"
        "2. Author D. Tizanidine dosing study. 2010.\n"
    ),
    "heat.md": (
        "# Heat wraps for back pain\n\n"
        "Heat wraps ease acute low back pain within days for most people.\n\n"
        "## Exercise\n\n"
        "Gentle walking keeps the back moving during recovery.\n"
    ),
    "hostile.md": (
        f"---\ntitle: Zanzibar {IMAGE} {EXTRAS}\n---\n"
        "# Zanzibar notes\n\n"
        "## Protocol\n\n"
        f"- The zanzibar protocol writes {SCRIPT} in plain sight [1].\n"
        f"- A zanzibar picture {IMAGE} and a link {LINK} stay inert [1].\n"
        f"- Zanzibar prices read {EXTRAS} here [2].\n\n"
        "## References\n\n"
        f"1. Zanzibar board. <b>Bold</b> report {LINK}. 2020.\n"
        "2. Zanzibar office. Prices in $y$ dollars. 2021.\n"
    ),
}


def write_documents(folder: Path, documents: dict[str, str] | None = None) -> Path:
    """Write the documents (name -> text) into folder and return it."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in (DOCUMENTS if documents is None else documents).items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


# A long document whose cited sentence comes last, to check it is scrolled into view.
LONG_DOCUMENT = {
    "storage.md": "# Tablet storage guide\n\n"
    + "".join(
        f"## Part {n}\n\nPart {n} of the guide covers ordinary household routine item {n}.\n\n"
        for n in range(1, 41)
    )
    + "## Storage\n\n- Keep the tablets below 25 degrees in a dry cupboard [1].\n\n"
    + "## References\n\n1. Pharmacy E. Storage leaflet. 2022.\n"
}
