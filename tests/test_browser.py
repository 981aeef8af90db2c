"""The chat in a real browser: ask, see the quote and its citation, open the source at the
highlighted passage, and read a hostile document that runs nothing; and each page checked for
accessibility: axe-core's rules, a visible focus, references and the main flow by keyboard alone,
and a shared link on a phone.

Needs Chromium (Debian's `chromium`) and Playwright for Python; without them the tests skip,
unless CITEBOT_BROWSER_TESTS=1 (set in CI) makes them mandatory. Screenshots go to
test-output/browser/.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_support import CHROMIUM, CHROMIUM_ARGS, ROOT, require_browser, streamlit_server
from ui_fixtures import DOCUMENTS, EXTRAS, IMAGE, LINK, LONG_DOCUMENT, SCRIPT, write_documents

from bot import present

OUTPUT = ROOT / "test-output" / "browser"
EXAMPLE = "Where do I keep the tablets?"
WAIT_MS = 15_000
WORD_JOINER = "\u2060"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Small documents, one of them hostile, and a long one, with one test question."""
    folder = write_documents(tmp_path_factory.mktemp("browser") / "corpus", {**DOCUMENTS, **LONG_DOCUMENT})
    question = {"id": "storage", "question": EXAMPLE, "passages": ["storage#41"]}
    (folder / "questions.jsonl").write_text(json.dumps(question) + "\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def server(corpus: Path) -> Iterator[str]:
    """Serve the app on a free port over the test corpus."""
    require_browser()
    with streamlit_server(corpus, corpus.parent / "streamlit.log") as url:
        yield url


@pytest.fixture(scope="module")
def browser(server: str):
    from playwright.sync_api import sync_playwright

    OUTPUT.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import expect

    expect.set_options(timeout=WAIT_MS)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser, server: str):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=server)
    context.set_default_timeout(WAIT_MS)
    page = context.new_page()
    errors: list[str] = []
    outside: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "request", lambda request: None if request.url.startswith(server) else outside.append(request.url)
    )
    yield page
    context.close()
    assert not errors, f"errors in the page: {errors}"
    assert not outside, f"the page reached outside the app: {outside}"


def _ask(page, question: str) -> None:
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill(question)
    box.press("Enter")


def _visible_text(page) -> str:
    return page.locator("body").inner_text().replace(WORD_JOINER, "")


def test_ask_read_the_quote_and_open_it_in_its_document(page):
    from playwright.sync_api import expect

    page.set_viewport_size({"width": 1280, "height": 1500})  # the whole answer in the screenshot
    page.goto("/")
    _ask(page, "Where do I keep the tablets?")
    quote = page.locator(".cb-quote").first
    expect(quote).to_contain_text("Keep the tablets below 25 degrees in a dry cupboard")
    expect(quote.locator(".cb-chip")).to_have_text("[1]")
    expect(quote.locator(".cb-where")).to_have_text("Tablet storage guide \u203a Storage")
    expect(page.locator(".cb-refs").first).to_contain_text("Pharmacy E. Storage leaflet. 2022.")

    page.get_by_text("Sources (", exact=False).first.click()
    marked = page.locator(".cb-source mark.cb-hl").first
    expect(marked).to_have_text("Keep the tablets below 25 degrees in a dry cupboard")
    expect(page.locator(".cb-source").first).not_to_contain_text("score")  # off by default
    # The expander opens with an animation: wait until the last source is in view.
    expect(page.get_by_role("link", name="open in document").last).to_be_in_viewport()
    page.screenshot(path=OUTPUT / "answer-with-sources.png")

    with page.expect_download() as download:
        page.get_by_role("button", name="Download the conversation").click()
    saved = Path(download.value.path()).read_text(encoding="utf-8")
    assert "## 1. Where do I keep the tablets?" in saved
    assert "> \u201cKeep the tablets below 25 degrees in a dry cupboard\u201d \\[1\\]" in saved
    assert "Pharmacy E. Storage leaflet. 2022." in saved
    assert saved.splitlines()[2].startswith("Saved on ")

    page.get_by_role("link", name="open in document").first.click()
    page.wait_for_url("**/Documents?doc=storage&passage=storage*")
    passage = page.locator("mark.cb-passage")
    expect(passage).to_have_text("Keep the tablets below 25 degrees in a dry cupboard [1].")
    expect(passage).to_be_in_viewport()
    expect(page.locator(".cb-doc")).to_contain_text("Part 1 of the guide")
    page.screenshot(path=OUTPUT / "document-at-passage.png")


def test_shared_document_link_opens_at_the_passage(page, corpus: Path):
    from playwright.sync_api import expect

    from bot import load

    wanted = next(p for p in load(corpus, use_cache=False).passages if "dry cupboard" in p.text)
    page.goto("/Documents?" + urllib.parse.urlencode({"doc": "storage", "passage": wanted.passage_id}))
    passage = page.locator("mark.cb-passage")
    expect(passage).to_contain_text("Keep the tablets below 25 degrees")
    expect(passage).to_be_in_viewport()
    anchor = present.passage_anchor(wanted.passage_id)
    assert page.evaluate(f"document.getElementById('{anchor}').tagName") == "MARK"


def test_hostile_document_shows_as_text_and_runs_nothing(page):
    from playwright.sync_api import expect

    page.goto("/")
    _ask(page, "What does the zanzibar protocol write?")
    expect(page.locator(".cb-quote").first).to_contain_text(SCRIPT)
    page.get_by_text("Sources (", exact=False).first.click()
    expect(page.locator(".cb-source").first).to_contain_text(LINK)
    _ask(page, "Tell me about zanzibar prices $x$ :red[x] :material/home:")
    expect(page.locator(".cb-quote").last).to_contain_text(EXTRAS)
    expect(page.get_by_test_id("stChatMessage").nth(2)).to_contain_text(
        "Tell me about zanzibar prices $x$ :red[x] :material/home:"
    )
    page.screenshot(path=OUTPUT / "hostile-answer.png", full_page=True)
    text = _visible_text(page)
    for typed in (SCRIPT, IMAGE, EXTRAS):
        assert typed in text

    page.goto("/Documents?doc=hostile")
    expect(page.locator(".cb-doc")).to_contain_text(IMAGE)
    text = _visible_text(page)
    for typed in (SCRIPT, IMAGE, LINK, EXTRAS, "<b>Bold</b>", "$y$"):
        assert typed in text
    page.screenshot(path=OUTPUT / "hostile-document.png", full_page=True)

    page.goto("/Documents")
    page.get_by_label("Filter").fill("zanzibar")
    page.get_by_label("Filter").press("Enter")
    expect(page.get_by_test_id("stPageLink")).to_have_count(1)
    assert f"Zanzibar {IMAGE} {EXTRAS}" in _visible_text(page)
    page.get_by_test_id("stPageLink").click()
    page.wait_for_url("**/Documents?doc=hostile")
    expect(page.locator(".cb-doc")).to_contain_text(SCRIPT)

    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator(".katex").count() == 0
    assert page.locator("a[href^='javascript']").count() == 0
    assert page.locator("img[src='x']").count() == 0


def test_page_list_names_each_page_and_opens_it(page):
    from playwright.sync_api import expect

    page.goto("/")
    links = page.get_by_test_id("stSidebarNav").get_by_role("link")
    expect(links).to_have_text(["Chat", "Documents", "Evaluate"])
    links.nth(1).click()
    page.wait_for_url("**/Documents")
    expect(page.get_by_label("Filter")).to_be_visible()
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Chat").click()
    expect(page.get_by_test_id("stChatInputTextArea")).to_be_visible()


def test_first_screen_offers_an_example_that_answers_and_no_developer_menu(page):
    from playwright.sync_api import expect

    page.goto("/")
    example = page.get_by_role("button", name=EXAMPLE)
    expect(example).to_be_visible()
    expect(page.get_by_text("[1]* means the sentence has no marker of its own", exact=False)).to_be_visible()
    expect(page.get_by_text("Indexed ", exact=False).first).to_be_visible()
    assert page.get_by_role("button", name="Deploy").count() == 0
    page.screenshot(path=OUTPUT / "first-screen.png")
    example.click()
    expect(page.locator(".cb-quote").first).to_contain_text(
        "Keep the tablets below 25 degrees in a dry cupboard"
    )
    expect(page.get_by_role("button", name=EXAMPLE)).to_have_count(0)
    page.screenshot(path=OUTPUT / "example-answered.png")


def test_a_reload_keeps_the_conversation_and_its_link_opens_it_elsewhere(page, browser, server):
    from playwright.sync_api import expect

    page.goto("/")
    _ask(page, EXAMPLE)
    expect(page.locator(".cb-quote").first).to_contain_text("Keep the tablets below 25 degrees")
    page.wait_for_url("**q=*")
    page.reload()
    expect(page.locator(".cb-quote").first).to_contain_text("Keep the tablets below 25 degrees")
    expect(page.get_by_test_id("stChatMessage")).to_have_count(2)  # the question and its answer
    link = page.url
    fresh = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        other = fresh.new_page()
        other.goto(link)
        expect(other.locator(".cb-quote").first).to_contain_text("Keep the tablets below 25 degrees")
        other.screenshot(path=OUTPUT / "shared-conversation.png")
    finally:
        fresh.close()


def _contrast(page, locator) -> float:
    """Return the WCAG contrast ratio of an element's text on the page's background."""
    return page.evaluate(
        """(element) => {
            const rgba = (text) => text.match(/[\\d.]+/g).map(Number);
            const style = getComputedStyle(element);
            let [r, g, b, a = 1] = rgba(style.color);
            for (let node = element; node; node = node.parentElement) {
                const o = Number(getComputedStyle(node).opacity);
                a *= o;
            }
            let back = [255, 255, 255];
            for (let node = element; node; node = node.parentElement) {
                const c = rgba(getComputedStyle(node).backgroundColor);
                if ((c[3] ?? 1) > 0) { back = c.slice(0, 3); break; }
            }
            const mix = [r, g, b].map((v, i) => v * a + back[i] * (1 - a));
            const lum = (c) => {
                const [x, y, z] = c.map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
                return 0.2126 * x + 0.7152 * y + 0.0722 * z;
            };
            const [l1, l2] = [lum(mix), lum(back)].sort((p, q) => q - p);
            return (l1 + 0.05) / (l2 + 0.05);
        }""",
        locator.element_handle(),
    )


def test_the_disclaimer_and_captions_meet_aa_contrast(page):
    from playwright.sync_api import expect

    page.goto("/")
    indexed = page.get_by_text("Indexed ", exact=False).first
    expect(indexed).to_be_visible()
    # The page's style arrives with the code of its first HTML element, fetched when first met.
    page.wait_for_function(
        "() => [...document.querySelectorAll('style')].some((s) => s.textContent.includes('.cb-answer'))"
    )
    caption = page.get_by_text(present.NOT_ADVICE, exact=False).first
    assert _contrast(page, caption) >= 4.5
    assert _contrast(page, indexed) >= 4.5


# --- accessibility ---------------------------------------------------------------------------


PHONE = {"width": 390, "height": 844}
# The most Tab presses a flow takes to reach a control (the page has about 30 stops).
MOST_TABS = 60


def _style_loaded(page) -> None:
    """Wait for the page's style, which arrives with the code of its first HTML element."""
    page.wait_for_function(
        "() => [...document.querySelectorAll('style')].some((s) => s.textContent.includes('.cb-answer'))"
    )


def _axe_problems(page) -> list[str]:
    """Return axe-core's serious and critical violations on the page, and any of contrast."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']}: {[n['target'] for n in v['nodes']]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical") or v["id"] == "color-contrast"
    ]


def _answer_with_sources(page, question: str = EXAMPLE) -> None:
    from playwright.sync_api import expect

    _ask(page, question)
    expect(page.locator(".cb-quote").first).to_be_visible()
    page.get_by_text("Sources (", exact=False).first.click()
    expect(page.get_by_role("link", name="open in document").last).to_be_in_viewport()


def test_axe_finds_nothing_serious_on_the_chat_the_documents_and_the_evaluation(page):
    from playwright.sync_api import expect

    page.goto("/")
    _answer_with_sources(page)
    _style_loaded(page)
    assert _axe_problems(page) == []

    page.goto("/Documents")
    expect(page.get_by_label("Filter")).to_be_visible()
    expect(page.locator(".cb-muted").first).to_be_visible()
    assert _axe_problems(page) == []
    page.goto("/Documents?doc=storage")
    expect(page.locator(".cb-doc")).to_contain_text("Part 1 of the guide")
    assert _axe_problems(page) == []

    page.set_viewport_size({"width": 1280, "height": 2400})  # the whole run in the screenshot
    page.goto("/Evaluate")
    page.get_by_role("button", name="Run").click()
    expect(page.get_by_text("What the measures mean")).to_be_visible()
    expect(page.locator(".cb-source").first).to_be_visible()
    # The tables are drawn on canvases, each with a table of its cells for assistive technology.
    page.wait_for_function(
        """() => [...document.querySelectorAll('[data-testid="stDataFrame"]')]
            .every((grid) => grid.querySelector('table'))"""
    )
    expect(page.get_by_test_id("stVegaLiteChart").locator("canvas, svg").first).to_be_visible()
    assert _axe_problems(page) == []
    page.screenshot(path=OUTPUT / "evaluate-after-run.png")


_FOCUS_RING = """() => {
    // The outline that shows where the focus is: the element's own, or, for an input drawn by
    // its label (the toggle's checkbox), its label's.
    const element = document.activeElement;
    for (const node of [element, element.closest('label')]) {
        if (!node) continue;
        const style = getComputedStyle(node);
        if (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2) {
            return {ring: style.outlineStyle + ' ' + style.outlineWidth + ' ' + style.outlineColor};
        }
    }
    return {ring: null, what: element.outerHTML.slice(0, 160)};
}"""


def _focused(page) -> dict:
    return page.evaluate(
        """() => {
            const e = document.activeElement;
            return {tag: e.tagName, testid: e.getAttribute('data-testid') || '',
                    text: (e.innerText || e.getAttribute('aria-label') || '').trim()};
        }"""
    )


def _tab_to(page, wanted) -> dict:
    """Press Tab until wanted(focused) holds; return what has the focus then."""
    for _ in range(MOST_TABS):
        page.keyboard.press("Tab")
        focused = _focused(page)
        if wanted(focused):
            return focused
    pytest.fail(f"not reached in {MOST_TABS} presses of Tab")


def test_every_control_shows_a_focus_outline(page):
    page.goto("/")
    _answer_with_sources(page)
    page.evaluate("document.activeElement.blur()")
    seen, unmarked = [], []
    for _ in range(MOST_TABS):
        page.keyboard.press("Tab")
        focused = _focused(page)
        if focused["tag"] == "BODY":
            continue
        ring = page.evaluate(_FOCUS_RING)
        seen.append(focused["testid"] or focused["tag"])
        if ring["ring"] is None:
            unmarked.append(ring["what"])
    assert not unmarked, unmarked
    for control in (
        "stPageLink-NavLink",
        "stChatInputTextArea",
        "stBaseButton-secondary",
        "stSidebarNavLink",
    ):
        assert control in seen, seen


def test_a_citations_reference_reads_by_keyboard_and_by_screen_reader(page):
    from playwright.sync_api import expect

    page.goto("/")
    _ask(page, EXAMPLE)
    quote = page.locator(".cb-quote").first
    expect(quote).to_contain_text("Keep the tablets below 25 degrees")
    # In the accessibility tree where the chip stands, before any focus or hover...
    tip = quote.get_by_role("tooltip")
    expect(tip).to_have_text("[1] Pharmacy E. Storage leaflet. 2022.")
    assert quote.locator(".cb-chip").get_attribute("aria-hidden") == "true"  # read once, in the tip
    assert tip.bounding_box()["width"] <= 1  # ...and out of sight until asked for
    page.evaluate("document.activeElement.blur()")
    _tab_to(page, lambda focused: focused["tag"] == "SPAN" and focused["text"].startswith("[1]"))
    assert page.evaluate("document.activeElement.classList.contains('cb-cite')")
    box = tip.bounding_box()
    assert box["width"] > 100 and box["height"] > 10
    expect(tip).to_be_in_viewport()
    assert page.evaluate(_FOCUS_RING)["ring"] is not None
    page.screenshot(path=OUTPUT / "reference-on-focus.png")


def test_open_in_document_says_it_opens_here_and_does(page):
    page.goto("/")
    _answer_with_sources(page)
    link = page.get_by_role("link", name="open in document").first
    assert link.get_attribute("target") in (None, "", "_self")
    assert link.get_by_test_id("stIconMaterial").inner_text() == "description"  # not open_in_new
    link.click()
    page.wait_for_url("**/Documents?doc=storage&passage=storage*")
    assert len(page.context.pages) == 1


def test_ask_and_open_the_source_by_keyboard_alone(page):
    from playwright.sync_api import expect

    page.goto("/")
    expect(page.get_by_test_id("stChatInputTextArea")).to_be_visible()
    _tab_to(page, lambda focused: focused["testid"] == "stChatInputTextArea")
    page.keyboard.type(EXAMPLE)
    page.keyboard.press("Enter")
    expect(page.locator(".cb-quote").first).to_contain_text("Keep the tablets below 25 degrees")
    _tab_to(page, lambda focused: focused["tag"] == "SUMMARY" and "Sources" in focused["text"])
    page.keyboard.press("Enter")
    _tab_to(page, lambda focused: focused["testid"] == "stPageLink-NavLink")
    ring = page.evaluate(_FOCUS_RING)["ring"]
    assert ring and ring.startswith("solid 2px"), ring
    page.screenshot(path=OUTPUT / "keyboard-focus-on-source-link.png")
    page.keyboard.press("Enter")
    page.wait_for_url("**/Documents?doc=storage&passage=storage*")
    passage = page.locator("mark.cb-passage")
    expect(passage).to_have_text("Keep the tablets below 25 degrees in a dry cupboard [1].")
    expect(passage).to_be_in_viewport()


def test_a_shared_document_link_on_a_phone_shows_the_title_and_the_passage(page, corpus: Path):
    from playwright.sync_api import expect

    from bot import load

    page.set_viewport_size(PHONE)
    wanted = next(p for p in load(corpus, use_cache=False).passages if "dry cupboard" in p.text)
    page.goto("/Documents?" + urllib.parse.urlencode(present.document_query("storage", wanted.passage_id)))
    passage = page.locator("mark.cb-passage")
    expect(passage).to_be_in_viewport()
    title = page.locator(".cb-doc-head h2")
    expect(title).to_have_text("Tablet storage guide")
    expect(title).to_be_in_viewport()
    page.wait_for_timeout(500)  # the passage is scrolled to the middle once shown
    heading, marked = title.bounding_box(), passage.bounding_box()
    for box in (heading, marked):
        right, bottom = box["x"] + box["width"], box["y"] + box["height"]
        assert box["x"] >= 0 and box["y"] >= 0, box
        assert right <= PHONE["width"] + 1 and bottom <= PHONE["height"], box
    assert heading["y"] + heading["height"] <= marked["y"]  # the title stays above, not over it
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=OUTPUT / "phone-shared-document.png")
