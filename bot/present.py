"""Records -> what people and programs read: plain text, escaped Markdown/HTML, and JSON.

The only module that maps records to the README's JSON schema. Document text is data: every
string from a document is escaped before it reaches Markdown or HTML.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import Any

from bot.records import Answer, Citation, Hit, Problem, Quote

NOT_ADVICE = "Answers are quotes from the documents, not medical advice."


def citation_label(citations: Sequence[Citation]) -> str:
    """Return '[1]' or '[3, 4]' for a quote's citations ('' when none)."""
    return f"[{', '.join(c.marker for c in citations)}]" if citations else ""


def reference_text(citation: Citation, quote: Quote | Hit) -> str:
    """Return the full reference, or where the marker stands when the document lists none."""
    if citation.reference:
        return citation.reference
    title = quote.doc_title if isinstance(quote, Quote) else quote.passage.doc_title
    section = quote.section if isinstance(quote, Quote) else quote.passage.section
    return f"reference {citation.marker} of \u201c{title}\u201d, section \u201c{section}\u201d (the document lists no references)"


def abstention_message(answer: Answer) -> str:
    """Return the sentence that says the documents don't answer, naming the missing words."""
    if answer.prompt:
        return answer.prompt
    if answer.missing_terms:
        listed = ", ".join(f"\u201c{w}\u201d" for w in answer.missing_terms)
        return f"The documents don't answer this: {listed} found nowhere in the best passages."
    return "The documents don't answer this."


def answer_to_json(answer: Answer) -> dict[str, Any]:
    """Return the README's JSON object for an answer."""
    return {
        "question": answer.question,
        "query": answer.query.text,
        "abstained": answer.abstained,
        "message": abstention_message(answer) if answer.abstained else None,
        "missing_terms": list(answer.missing_terms),
        "corrections": dict(answer.query.corrections),
        "quotes": [
            {
                "text": q.text,
                "doc_id": q.doc_id,
                "doc_title": q.doc_title,
                "section": q.section,
                "passage_id": q.passage_id,
                "start": q.start,
                "end": q.end,
                "citations": [{"marker": c.marker, "reference": c.reference} for c in q.citations],
                "citations_from_passage": q.inherited,
            }
            for q in answer.quotes
        ],
        "passages": [
            {
                "id": h.passage.passage_id,
                "doc_id": h.passage.doc_id,
                "doc_title": h.passage.doc_title,
                "section": h.passage.section,
                "score": round(h.score, 6),
                "text": h.passage.text,
            }
            for h in answer.hits
        ],
    }


def _indent(text: str, prefix: str) -> str:
    return "\n".join(prefix + line for line in text.splitlines())


def answer_to_text(answer: Answer, show_passages: bool = True, show_scores: bool = True) -> str:
    """Return an answer for the terminal: quotes, references, then the supporting passages."""
    lines: list[str] = []
    if answer.query.corrections:
        fixed = ", ".join(f"{typed} -> {used}" for typed, used in answer.query.corrections)
        lines.append(f"(spelling: {fixed})")
    if answer.query.text and answer.query.text != answer.question:
        lines.append(f"(searched: {answer.query.text})")
    if answer.abstained:
        lines.append(abstention_message(answer))
        if answer.hits and not answer.prompt:
            lines.append("")
            lines.append("Possibly related:")
    else:
        footnotes: dict[tuple[str, str], str] = {}
        for number, quote in enumerate(answer.quotes, start=1):
            label = citation_label(quote.citations)
            if quote.inherited:
                label += "*"
            lines.append(f"{number}. \u201c{quote.text}\u201d {label}".rstrip())
            lines.append(f"   \u2014 {quote.doc_title} \u203a {quote.section} ({quote.passage_id})")
            for citation in quote.citations:
                footnotes.setdefault(
                    (quote.doc_id, citation.marker), f"[{citation.marker}] {reference_text(citation, quote)}"
                )
        if footnotes:
            lines.append("")
            lines.append("References:")
            lines.extend(f"  {text}" for text in footnotes.values())
        if any(q.inherited for q in answer.quotes):
            lines.append("  * cited by the passage; the sentence has no marker of its own")
        if show_passages and answer.hits:
            lines.append("")
            lines.append("Sources:")
    if show_passages or answer.abstained:
        for hit in answer.hits if not answer.prompt else ():
            score = f" score {hit.score:.3f}" if show_scores else ""
            lines.append(
                f"  {hit.rank}. {hit.passage.doc_title} \u203a {hit.passage.section} ({hit.passage.passage_id}){score}"
            )
            lines.append(_indent(_shorten(hit.passage.text, 300), "     "))
    return "\n".join(lines)


def _shorten(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "\u2026"


def problems_to_text(problems: Sequence[Problem]) -> str:
    """Return one warning line per problem."""
    return "\n".join(f"warning: {p}" for p in problems)


# --- escaping for the browser -------------------------------------------------------------

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&])")


def escape_markdown(text: str) -> str:
    """Escape text so Streamlit Markdown shows it literally (no links, HTML, LaTeX or icons)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text).replace("\n", "  \n")


def escape_html(text: str) -> str:
    """Escape text for HTML."""
    return html.escape(text, quote=True)


def highlight_html(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """Return text as escaped HTML with the given spans wrapped in <mark> (text escaped first)."""
    parts = []
    position = 0
    for start, end in sorted(spans):
        start, end = max(start, position), min(end, len(text))
        if start >= end:
            continue
        parts.append(escape_html(text[position:start]))
        parts.append(f"<mark>{escape_html(text[start:end])}</mark>")
        position = end
    parts.append(escape_html(text[position:]))
    return "".join(parts).replace("\n", "<br>")
