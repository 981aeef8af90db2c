"""Records -> what people and programs read: plain text, escaped Markdown/HTML, and JSON.

The only module that maps records to the README's JSON schema. Document text is data: every
string from a document is escaped before it reaches Markdown or HTML.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from bot.records import (
    Answer,
    Change,
    Citation,
    Conversation,
    Document,
    Hit,
    Passage,
    Problem,
    Quote,
    Section,
)

NOT_ADVICE = "Answers are quotes from the documents, not medical advice."


INHERITED_NOTE = "cited by the passage; the sentence has no marker of its own"


def cited_references(answer: Answer) -> list[tuple[str, Quote, Citation]]:
    """Return each reference the quotes cite once, in order, with the label the answer gives it.

    Markers are numbered per document: when the quotes come from one document its own markers
    label them; from several, three documents' reference 1 must not all read "[1]", so the
    answer numbers its references 1, 2, 3 in order and names each one's own marker beside it.
    """
    seen: dict[tuple[str, str], tuple[Quote, Citation]] = {}
    for quote in answer.quotes:
        for citation in quote.citations:
            seen.setdefault((quote.doc_id, citation.marker), (quote, citation))
    numbered = _numbered(answer)
    return [(numbered.get(key, citation.marker), quote, citation) for key, (quote, citation) in seen.items()]


def _numbered(answer: Answer) -> dict[tuple[str, str], str]:
    """Return the answer's own numbers of its references, when its quotes cite several documents."""
    if len({q.doc_id for q in answer.quotes if q.citations}) < 2:
        return {}
    numbers: dict[tuple[str, str], str] = {}
    for quote in answer.quotes:
        for citation in quote.citations:
            numbers.setdefault((quote.doc_id, citation.marker), str(len(numbers) + 1))
    return numbers


def quote_label(answer: Answer, quote: Quote) -> str:
    """Return '[1]' or '[3, 4]' for a quote's citations as the answer labels them ('' when none)."""
    numbered = _numbered(answer)
    return citation_label(
        quote.citations, [numbered.get((quote.doc_id, c.marker), c.marker) for c in quote.citations]
    )


def citation_label(citations: Sequence[Citation], labels: Sequence[str] | None = None) -> str:
    """Return '[1]' or '[3, 4]' for citations, by their markers or the labels given ('' when none)."""
    if not citations:
        return ""
    return f"[{', '.join(labels if labels is not None else [c.marker for c in citations])}]"


def own_marker(label: str, citation: Citation, form: str = "{}") -> str:
    """Return where a renumbered reference stands in its document, put in `form` ("({})"), or
    '' when it is not renumbered."""
    return "" if label == citation.marker else form.format(f"its reference [{citation.marker}]")


def reference_text(citation: Citation, quote: Quote | Hit) -> str:
    """Return the full reference, or where the marker stands when the document lists none."""
    if citation.reference:
        return citation.reference
    title = quote.doc_title if isinstance(quote, Quote) else quote.passage.doc_title
    section = quote.section if isinstance(quote, Quote) else quote.passage.section
    return f"reference {citation.marker} of \u201c{title}\u201d, section \u201c{section}\u201d (the document lists no references)"


def _listed(words: Sequence[str]) -> str:
    quoted = [f"\u201c{w}\u201d" for w in words]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]


def abstention_message(answer: Answer) -> str:
    """Return the sentence that says the documents don't answer, naming the missing words and,
    when the nearest passages speak of part of the question, what they speak of."""
    if answer.prompt:
        return answer.prompt
    if answer.missing_terms and answer.about:
        return (
            f"The documents don't answer this: no passage about {_listed(answer.about)} "
            f"mentions {_listed(answer.missing_terms)}."
        )
    if answer.missing_terms:
        return f"The documents don't answer this: {_listed(answer.missing_terms)} found nowhere in the best passages."
    return "The documents don't answer this."


def ignored_note(answer: Answer) -> str:
    """Return what an answer had to leave out of the question ('' when nothing)."""
    if answer.abstained or not answer.missing_terms:
        return ""
    return f"No passage mentions {_listed(answer.missing_terms)}: the quotes answer the rest of the question."


def understood_notes(answer: Answer) -> list[str]:
    """Return how the question was read: rewordings, spelling, the searched text, other names."""
    query = answer.query
    notes = []
    if query.rewordings:
        notes.append(
            "Read as: "
            + ", ".join(
                f"\u201c{typed}\u201d \u2192 \u201c{meant}\u201d" for typed, meant in query.rewordings
            )
        )
    if query.corrections:
        notes.append(
            "Spelling: "
            + ", ".join(f"\u201c{typed}\u201d \u2192 \u201c{used}\u201d" for typed, used in query.corrections)
        )
    if query.text and query.text != answer.question:
        notes.append(f"Understood as: {query.text}")
    if query.expansions:
        notes.append("Also searched: " + ", ".join(query.expansions))
    return notes


def answer_to_json(answer: Answer, uploads: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Return the README's JSON object for an answer (`uploads`: see `answer_to_html`)."""
    numbered = _numbered(answer)
    uploads = uploads or {}
    return {
        "question": answer.question,
        "query": answer.query.text,
        "abstained": answer.abstained,
        "message": abstention_message(answer) if answer.abstained else None,
        "missing_terms": list(answer.missing_terms),
        "about": list(answer.about),
        "note": ignored_note(answer) or None,
        "choices": list(answer.choices),
        "corrections": dict(answer.query.corrections),
        "rewordings": [{"typed": typed, "read": meant} for typed, meant in answer.query.rewordings],
        "expansions": list(answer.query.expansions),
        "quotes": [
            {
                "text": q.text,
                "doc_id": q.doc_id,
                "doc_title": q.doc_title,
                "section": q.section,
                "passage_id": q.passage_id,
                "start": q.start,
                "end": q.end,
                "citations": [
                    {
                        "marker": c.marker,
                        "number": numbered.get((q.doc_id, c.marker), c.marker),
                        "reference": c.reference,
                    }
                    for c in q.citations
                ],
                "citations_from_passage": q.inherited,
                "added": uploads.get(q.doc_id),
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
                "added": uploads.get(h.passage.doc_id),
            }
            for h in answer.hits
        ],
    }


def _indent(text: str, prefix: str) -> str:
    return "\n".join(prefix + line for line in text.splitlines())


def _upload_text(doc_id: str, uploads: Mapping[str, str] | None) -> str:
    note = (uploads or {}).get(doc_id)
    return f" [{note}]" if note else ""


def answer_to_text(
    answer: Answer,
    show_passages: bool = True,
    show_scores: bool = True,
    uploads: Mapping[str, str] | None = None,
) -> str:
    """Return an answer for the terminal: quotes, references, then the supporting passages
    (`uploads`: see `answer_to_html`)."""
    lines: list[str] = [f"({note[0].lower()}{note[1:]})" for note in understood_notes(answer)]
    if answer.abstained:
        lines.append(abstention_message(answer))
        for number, choice in enumerate(answer.choices, start=1):
            lines.append(f"  {number}. {choice}")
        if answer.hits and not answer.prompt:
            lines.append("")
            lines.append("Possibly related:")
    else:
        for number, quote in enumerate(answer.quotes, start=1):
            label = quote_label(answer, quote)
            if quote.inherited:
                label += "*"
            lines.append(f"{number}. \u201c{quote.text}\u201d {label}".rstrip())
            where = f"{quote.doc_title} \u203a {quote.section} ({quote.passage_id})"
            lines.append(f"   \u2014 {where}{_upload_text(quote.doc_id, uploads)}")
        note = ignored_note(answer)
        if note:
            lines.append(note)
        references = cited_references(answer)
        if references:
            # Markers are numbered per document: name the document when quotes come from several.
            several = len({q.doc_id for q in answer.quotes}) > 1
            lines.append("")
            lines.append("References:")
            for label, quote, citation in references:
                source = f" \u2014 {quote.doc_title}" if several else ""
                own = own_marker(label, citation, " ({})")
                lines.append(f"  [{label}] {reference_text(citation, quote)}{source}{own}")
        if any(q.inherited for q in answer.quotes):
            lines.append(f"  * {INHERITED_NOTE}")
        if show_passages and answer.hits:
            lines.append("")
            lines.append("Sources:")
    if show_passages or answer.abstained:
        for hit in answer.hits if not answer.prompt else ():
            score = f" score {hit.score:.3f}" if show_scores else ""
            lines.append(
                f"  {hit.rank}. {hit.passage.doc_title} \u203a {hit.passage.section} ({hit.passage.passage_id})"
                f"{_upload_text(hit.passage.doc_id, uploads)}{score}"
            )
            lines.append(_indent(shorten(hit.passage.text, 300), "     "))
    return "\n".join(lines)


def shorten(text: str, limit: int) -> str:
    """Return text on one line, cut to `limit` characters with an ellipsis when longer."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "\u2026"


def problems_to_text(problems: Sequence[Problem]) -> str:
    """Return one warning line per problem."""
    return "\n".join(f"warning: {p}" for p in problems)


# --- escaping for the browser -------------------------------------------------------------

# "/" too: Streamlit rewrites ":material/" in the raw source before parsing, escapes or not.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&/])")
# Streamlit turns ":streamlit:", ":material_name:" and the pairs "->", "<-", "--", ">=", "<=",
# "~=" into a logo, icons and arrows in the parsed text, where escapes are already undone; an
# invisible word joiner inside them keeps them as typed.
_TEXT_SHORTCODE = re.compile(r"(?<=:)(?=streamlit:|material_\w+:)")
_TEXT_TYPOGRAPHY = re.compile(r"(?<=[-<>~])(?=[-<>=])")
WORD_JOINER = "\u2060"


def escape_markdown(text: str) -> str:
    """Escape text so Streamlit Markdown shows it literally (no links, HTML, LaTeX or icons).

    Bare web addresses (https://..., www...) may still be shown as links to themselves.
    """
    text = _TEXT_TYPOGRAPHY.sub(WORD_JOINER, _TEXT_SHORTCODE.sub(WORD_JOINER, text))
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


# --- the browser: HTML built here from escaped text, and the Markdown download ----------------
#
# Streamlit shows these strings with `st.html`, which neither parses Markdown (so `$`, `:` and
# `*` in a document stay as typed) nor runs scripts. Every document string goes through
# `escape_html` first; the only markup is the one written below.
#
# The style also marks where the keyboard is, on every control of the page, Streamlit's own
# included (its page links show no focus at all, its buttons a faint ring). A document's title
# stays at the top of the window while it is read: opened at a passage far down, on a phone
# too, the reader still sees which document it is.

PAGE_STYLE = """<style>
[data-testid="stCaptionContainer"]{opacity:.8 !important}
.cb-answer p{margin:0}
.cb-note{font-size:.85em;opacity:.75;margin:0 0 .3rem 0}
.cb-quote{border-left:4px solid #4c7bd9;background:rgba(76,123,217,.08);margin:.5rem 0;
  padding:.45rem .8rem;border-radius:0 .4rem .4rem 0}
.cb-where{font-size:.85em;opacity:.75;margin-top:.2rem}
.cb-chip{display:inline-block;background:rgba(76,123,217,.18);border-radius:.7em;padding:0 .45em;
  font-size:.8em;font-weight:600;white-space:nowrap;cursor:help}
.cb-cite{position:relative;display:inline-block;border-radius:.7em}
.cb-tip{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap}
.cb-cite:hover .cb-tip,.cb-cite:focus .cb-tip{clip-path:none;width:max-content;max-width:min(24rem,80vw);
  height:auto;overflow:visible;white-space:normal;left:0;top:1.7em;z-index:20;background:#fff;
  color:#1f2937;border:1px solid #6b7280;border-radius:.3rem;padding:.35rem .55rem;font-size:.85rem;
  font-weight:400;line-height:1.4;box-shadow:0 2px 8px rgba(0,0,0,.2)}
.cb-refs{font-size:.85em;margin-top:.5rem}
.cb-refs div{margin:.1rem 0}
.cb-muted{opacity:.7}
.cb-upload{font-size:.8em;padding:0 .35em;border:1px solid #b45309;border-radius:.3em;color:#92400e}
.cb-abstain{border:1px dashed #c98a00;background:rgba(201,138,0,.08);border-radius:.4rem;
  padding:.6rem .8rem}
.cb-abstain ul{margin:.3rem 0 0 1.2rem;padding:0}
.cb-missing{background:rgba(201,138,0,.22);border-radius:.3em;padding:0 .3em}
.cb-prompt{border-left:4px solid rgba(128,128,128,.5);padding:.3rem .8rem}
.cb-source{border-top:1px solid rgba(128,128,128,.25);padding:.5rem 0 .2rem 0}
.cb-source-head{margin-bottom:.25rem}
.cb-text{white-space:pre-wrap}
mark.cb-hl{background:rgba(255,208,0,.45);color:inherit;padding:0 .1em;border-radius:.2em}
mark.cb-passage{background:rgba(255,208,0,.35);color:inherit;outline:2px solid rgba(255,170,0,.7);
  border-radius:.2em}
.cb-doc h3,.cb-doc h4,.cb-doc h5{margin:1rem 0 .3rem 0}
[data-testid="stElementContainer"]:has(.cb-doc-head){position:sticky;top:3.75rem;z-index:10;
  background:#fff;color:#31333f;box-shadow:0 6px 6px -6px rgba(0,0,0,.25)}
.cb-doc-head h2{padding:.25rem 0}
.cb-doc-head p{margin:0 0 .3rem 0}
.cb-doc ol{padding-left:1.2rem}
:is(a,button,summary,input,textarea,select,[tabindex]):focus-visible{
  outline:2px solid #1d4ed8 !important;outline-offset:2px !important}
label:has(input[type="checkbox"]:focus-visible){outline:2px solid #1d4ed8;outline-offset:2px}
</style>"""

_DOT = " \u00b7 "


def _text(text: str) -> str:
    return escape_html(text).replace("\n", "<br>")


def _where(title: str, section: str) -> str:
    return _text(title) if section == title else f"{_text(title)} \u203a {_text(section)}"


def passage_anchor(passage_id: str) -> str:
    """Return an HTML id for a passage, safe whatever characters the passage id holds."""
    return "cb-p-" + hashlib.sha256(passage_id.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def document_query(doc_id: str, passage_id: str | None = None) -> dict[str, str]:
    """Return the query parameters of a document's page, opened at a passage when given."""
    return {"doc": doc_id, "passage": passage_id} if passage_id else {"doc": doc_id}


def _chip(citations: Sequence[Citation], quote: Quote | Hit, inherited: bool = False, label: str = "") -> str:
    if not citations:
        return ""
    tip = "\n".join(f"[{c.marker}] {reference_text(c, quote)}" for c in citations)
    label = (label or citation_label(citations)) + ("*" if inherited else "")
    if inherited:
        tip = f"{INHERITED_NOTE}\n" + tip
    # Not a title attribute, which only a mouse can read: the reference shows on hover and on
    # keyboard focus, and a screen reader reads it where it stands (the label, said again in
    # the reference, is hidden from it).
    return (
        f'<span class="cb-cite" tabindex="0"><span class="cb-chip" aria-hidden="true">{escape_html(label)}</span>'
        f'<span class="cb-tip" role="tooltip">{_text(tip)}</span></span>'
    )


def _notes_html(answer: Answer) -> str:
    return "".join(f'<p class="cb-note">{_text(note)}</p>' for note in understood_notes(answer))


def _upload_html(doc_id: str, uploads: Mapping[str, str] | None) -> str:
    note = (uploads or {}).get(doc_id)
    return f' <span class="cb-upload">{_text(note)}</span>' if note else ""


def _quotes_html(answer: Answer, uploads: Mapping[str, str] | None) -> str:
    parts = []
    for quote in answer.quotes:
        chip = _chip(quote.citations, quote, quote.inherited, quote_label(answer, quote))
        parts.append(
            f'<blockquote class="cb-quote"><p>\u201c{_text(quote.text)}\u201d {chip}</p>'
            f'<div class="cb-where">{_where(quote.doc_title, quote.section)}'
            f"{_upload_html(quote.doc_id, uploads)}</div></blockquote>"
        )
    note = ignored_note(answer)
    if note:
        parts.append(f'<p class="cb-note cb-ignored">{_text(note)}</p>')
    references = cited_references(answer)
    if references:
        parts.append('<div class="cb-refs"><strong>References</strong>')
        parts.extend(
            f'<div><span class="cb-chip">[{escape_html(label)}]</span> '
            f"{_text(reference_text(citation, quote))} "
            f'<span class="cb-muted">\u2014 {_text(quote.doc_title)}'
            f"{_text(own_marker(label, citation, ', {}'))}</span></div>"
            for label, quote, citation in references
        )
        if any(q.inherited for q in answer.quotes):
            parts.append(f'<div class="cb-muted">* {INHERITED_NOTE}</div>')
        parts.append("</div>")
    return "".join(parts)


def _abstention_html(answer: Answer) -> str:
    message = escape_html(abstention_message(answer))
    for word in answer.missing_terms:
        quoted = escape_html(f"\u201c{word}\u201d")
        message = message.replace(quoted, f'<span class="cb-missing">{quoted}</span>', 1)
    related = "".join(
        f"<li>{_where(h.passage.doc_title, h.passage.section)}: "
        f'<span class="cb-muted">{_text(shorten(h.passage.text, 160))}</span></li>'
        for h in answer.hits
    )
    if related:
        related = f"<div>Possibly related passages (see below):</div><ul>{related}</ul>"
    return f'<div class="cb-abstain" role="note"><p>{message}</p>{related}</div>'


def answer_to_html(answer: Answer, uploads: Mapping[str, str] | None = None) -> str:
    """Return an answer as HTML: notes, then quotes with citation chips and references.

    An abstention gets its own look, with the words found nowhere and the nearest passages;
    an empty or vague question gets the prompt. `uploads` marks the quotes of documents added
    in the browser (`bot.changes.upload_notes`).
    """
    if answer.prompt:
        choices = "".join(f"<li>{_text(choice)}</li>" for choice in answer.choices)
        listed = f"<ul>{choices}</ul>" if choices else ""
        return f'<div class="cb-answer"><div class="cb-prompt">{_text(answer.prompt)}{listed}</div></div>'
    body = _abstention_html(answer) if answer.abstained else _quotes_html(answer, uploads)
    return f'<div class="cb-answer">{_notes_html(answer)}{body}</div>'


def shown_hits(answer: Answer) -> tuple[Hit, ...]:
    """Return the passages to list under an answer (none under a prompt)."""
    return () if answer.prompt else answer.hits


def sources_label(answer: Answer) -> str:
    """Return the heading of the passages listed under an answer."""
    count = len(shown_hits(answer))
    return f"Possibly related passages ({count})" if answer.abstained else f"Sources ({count})"


def _references_html(markers: Sequence[str], hit: Hit, document: Document) -> str:
    known = {r.marker: r.text for r in document.references}
    lines = "".join(
        f'<div><span class="cb-chip">[{escape_html(m)}]</span> '
        f"{_text(reference_text(Citation(m, known.get(m)), hit))}</div>"
        for m in markers
    )
    return f'<div class="cb-refs">{lines}</div>' if lines else ""


def hit_to_html(
    hit: Hit,
    quotes: Sequence[Quote],
    document: Document,
    show_score: bool = True,
    uploads: Mapping[str, str] | None = None,
) -> str:
    """Return a ranked passage as HTML: where it is, its text with the quoted sentences marked,
    and the references its markers stand for in its document."""
    passage = hit.passage
    spans = [
        (q.start - passage.start, q.end - passage.start) for q in quotes if q.passage_id == passage.passage_id
    ]
    # The score and the passage id are for whoever tunes the ranking: shown together, on request.
    parts = [f"score {hit.score:.3f}", escape_html(passage.passage_id)] if show_score else []
    muted = f'<span class="cb-muted">\u00b7 {_DOT.join(parts)}</span>' if parts else ""
    text = highlight_html(passage.text, spans).replace("<mark>", '<mark class="cb-hl">')
    return (
        f'<div class="cb-source"><div class="cb-source-head">{hit.rank}. '
        f"<strong>{_text(passage.doc_title)}</strong> \u203a {_text(passage.section)}"
        f"{_upload_html(passage.doc_id, uploads)} "
        f"{muted}</div>"
        f"<div>{text}</div>{_references_html(passage.markers, hit, document)}</div>"
    )


def _titled(section: Section, document: Document) -> bool:
    """Return True for a section of its own, False for the lead under the document's title."""
    return section.heading != document.title or section.level > 1


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def document_summary_html(document: Document, passages: int, uploads: Mapping[str, str] | None = None) -> str:
    """Return one line about a document for the list: file, passages, sections, and whether it
    was added in the browser."""
    headings = [_text(s.heading) for s in document.sections if _titled(s, document)]
    sections = f"{_count(len(headings), 'section')}: {', '.join(headings)}" if headings else "no sections"
    return (
        f'<div class="cb-muted">{_text(document.path)}{_DOT}{_count(passages, "passage")}'
        f"{_DOT}{sections}{_upload_html(document.doc_id, uploads)}</div>"
    )


def document_header_html(document: Document, passages: int, uploads: Mapping[str, str] | None = None) -> str:
    """Return a document's title, file and metadata as HTML, marked when added in the browser."""
    details = [
        _text(document.path),
        _count(sum(1 for s in document.sections if _titled(s, document)), "section"),
        _count(passages, "passage"),
        _count(len(document.references), "reference"),
    ]
    details += [f"{_text(key)}: {_text(value)}" for key, value in document.metadata if key != "title"]
    return (
        f'<div class="cb-doc-head"><h2>{_text(document.title)}</h2>'
        f'<p class="cb-muted">{_DOT.join(details)}</p>{_upload_html(document.doc_id, uploads)}</div>'
    )


def _section_text(document: Document, start: int, end: int, passage: Passage | None) -> str:
    if passage is None or passage.end <= start or passage.start >= end:
        return escape_html(document.text[start:end])
    low, high = max(passage.start, start), min(passage.end, end)
    return (
        escape_html(document.text[start:low])
        + f'<mark class="cb-passage" id="{passage_anchor(passage.passage_id)}">'
        + escape_html(document.text[low:high])
        + "</mark>"
        + escape_html(document.text[high:end])
    )


def document_to_html(document: Document, passage: Passage | None = None) -> str:
    """Return a document's full text by section, then its references, as escaped HTML.

    The passage, when given, is marked and carries the id `passage_anchor` returns.
    """
    parts = ['<div class="cb-doc">']
    # Under the title's h2, the shallowest sections are h3 whatever their level in the file
    # ("## Dosing" under "# Title"): a heading never skips a level.
    top = min((max(s.level, 1) for s in document.sections if _titled(s, document)), default=1)
    for section in document.sections:
        if _titled(section, document):
            tag = f"h{min(3 + max(section.level, 1) - top, 5)}"
            parts.append(f"<{tag}>{_text(section.heading)}</{tag}>")
        if section.end > section.start:
            text = _section_text(document, section.start, section.end, passage)
            parts.append(f'<div class="cb-text">{text}</div>')
    if document.references:
        parts.append("<h3>References</h3><ol>")
        parts.extend(
            f'<li value="{int(r.marker)}">{_text(r.text)}</li>'
            if r.marker.isdecimal()
            else f"<li>[{escape_html(r.marker)}] {_text(r.text)}</li>"
            for r in document.references
        )
        parts.append("</ol>")
    parts.append("</div>")
    return "".join(parts)


def scroll_script(passage_id: str) -> str:
    """Return a script that scrolls the marked passage into view once it is shown."""
    anchor = passage_anchor(passage_id)
    # No "<" inside the script: the browser's HTML sanitizer drops a script whose text holds
    # "<" before a letter or digit.
    return (
        "<script>(function(){var tries=0;function go(){"
        f'var el=document.getElementById("{anchor}");'
        'if(el){el.scrollIntoView({block:"center"});}'
        "else if(50>tries++){setTimeout(go,100);}}go();})();</script>"
    )


def problems_to_html(problems: Sequence[Problem]) -> str:
    """Return the loading warnings as an HTML list."""
    items = "".join(f"<li>{_text(str(p))}</li>" for p in problems)
    return f'<ul class="cb-muted">{items}</ul>'


# In a Markdown file (the downloaded conversation), read by people and by any Markdown viewer,
# these are all that can start markup inside a line: a backslash, code, emphasis, links and
# images, HTML and entities, and math where a viewer renders it. Other punctuation stays as
# written ("2-10 mg", "U.S.").
_FILE_SPECIAL = re.compile(r"([\\`*_\[\]<>$&])")
# And at the start of a line: a heading, a list item, a table or a rule ("1." or "1)" too).
_FILE_LINE_START = re.compile(r"^([ \t]*)(?:([#+\-=|])|(\d+)([.)]))")


def escape_markdown_file(text: str) -> str:
    """Escape one line for a Markdown file: shown as written by a viewer, and still plain to read."""
    text = _FILE_SPECIAL.sub(r"\\\1", text)
    start = _FILE_LINE_START.match(text)
    if start is None:
        return text
    indent, mark, number, stop = start.groups()
    return indent + (f"\\{mark}" if mark else f"{number}\\{stop}") + text[start.end() :]


def _markdown_lines(text: str, prefix: str = "") -> list[str]:
    return [prefix + escape_markdown_file(line) for line in text.split("\n")]


def answer_to_markdown(answer: Answer, uploads: Mapping[str, str] | None = None) -> str:
    """Return an answer as escaped Markdown: block quotes, where they come from, references
    (`uploads`: see `answer_to_html`)."""
    lines: list[str] = []
    for note in understood_notes(answer):
        lines += _markdown_lines(note, "*") + [""]
        lines[-2] += "*"
    if answer.abstained:
        lines += _markdown_lines(abstention_message(answer))
        lines += [f"- {escape_markdown_file(choice)}" for choice in answer.choices]
        related = shown_hits(answer)
        if related:
            lines += ["", "Possibly related passages:", ""]
            lines += [
                f"- {escape_markdown_file(h.passage.doc_title)} \u203a {escape_markdown_file(h.passage.section)}"
                for h in related
            ]
        return "\n".join(lines)
    for quote in answer.quotes:
        label = quote_label(answer, quote) + ("*" if quote.inherited else "")
        body = _markdown_lines(f"\u201c{quote.text}\u201d {label}".rstrip(), "> ")
        lines += [line + "  " for line in body[:-1]] + body[-1:]
        lines += [
            f"> \u2014 {escape_markdown_file(quote.doc_title)} \u203a {escape_markdown_file(quote.section)}"
            f"{escape_markdown_file(_upload_text(quote.doc_id, uploads))}",
            "",
        ]
    note = ignored_note(answer)
    if note:
        lines += _markdown_lines(note) + [""]
    references = cited_references(answer)
    if references:
        lines += ["References:", ""] + [
            f"- \\[{escape_markdown_file(label)}\\] "
            f"{escape_markdown_file(reference_text(citation, quote))} "
            f"({escape_markdown_file(quote.doc_title)}{escape_markdown_file(own_marker(label, citation, ', {}'))})"
            for label, quote, citation in references
        ]
        if any(q.inherited for q in answer.quotes):
            lines += ["", f"\\* {INHERITED_NOTE}"]
    return "\n".join(lines).rstrip()


def day_text(moment: datetime) -> str:
    """Return a date as a reader writes it: "4 December 2026"."""
    return f"{moment.day} {moment:%B %Y}"


def indexed_ago(built_at: str, now: datetime) -> str:
    """Return when an index was built, as a reader says it: "just now", "5 minutes ago",
    "3 hours ago", "on 4 December 2026"; the text as given when it is no time."""
    try:
        built = datetime.fromisoformat(built_at)
    except ValueError:
        return built_at
    if built.tzinfo is None:
        built = built.replace(tzinfo=UTC)
    seconds = (now - built).total_seconds()
    if seconds < 60:
        return "just now"
    for below, length, unit in ((3600, 60, "minute"), (86400, 3600, "hour")):
        if seconds < below:
            amount = int(seconds // length)
            return f"{amount} {unit}{'s' if amount > 1 else ''} ago"
    return f"on {day_text(built)}"


def conversation_to_markdown(
    conversation: Conversation,
    corpus: str = "",
    uploads: Mapping[str, str] | None = None,
    saved: datetime | None = None,
    documents: int | None = None,
) -> str:
    """Return a conversation as a Markdown file, plain to read too: when it was saved, from which
    documents, then each question with its quotes, where they come from and their references."""
    lines = ["# citebot conversation", ""]
    where = []
    if saved is not None:
        stamp = saved.astimezone(UTC)
        where.append(f"Saved on {day_text(stamp)} at {stamp:%H:%M} UTC")
    if corpus:
        count = f"{documents} documents" if documents is not None else "the documents"
        where.append(f"answers from {count} in \u201c{escape_markdown_file(corpus)}\u201d")
    if where:
        lines += [", ".join(where)[:1].upper() + ", ".join(where)[1:] + ".", ""]
    lines += [f"*{NOT_ADVICE}*", ""]
    for number, turn in enumerate(conversation.turns, start=1):
        lines += [
            f"## {number}. {escape_markdown_file(turn.question)}",
            "",
            answer_to_markdown(turn.answer, uploads),
            "",
        ]
    return "\n".join(lines)


def changes_to_html(changes: Sequence[tuple[Change, str]]) -> str:
    """Return the change log's latest lines as an HTML list: when, what, which file, by whom."""
    items = []
    for change, state in changes:
        what = change.action.capitalize()
        title = f" \u201c{_text(change.title)}\u201d" if change.title else ""
        now = f'{_DOT}<span class="cb-muted">{_text(state)}</span>' if state else ""
        items.append(
            f"<li>{_text(change.time.replace('T', ' ').replace('+00:00', ' UTC'))}: {what} "
            f"{_text(change.path)}{title} by {_text(change.who)}{now}</li>"
        )
    return f"<ul>{''.join(items)}</ul>" if items else ""
