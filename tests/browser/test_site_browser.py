"""The course website in Chromium, as a reader opens it: no errors, the animation plays, search works,
and every page reads on a phone.

The site (built once per run, see ``tests/sitebuild.py``) is served on
127.0.0.1; every request elsewhere is refused and counted as a failure, so
these tests also prove that a page needs nothing from the network.
Screenshots go to the browser tests' screenshot folder as ``site-*.png``.
"""

import functools
import http.server
import threading
from urllib.parse import quote, urlsplit

import pytest
from sitebuild import content_pages, executed, is_animation, is_widget, outputs, page_of, sources, unique_word

from .labdriver import SCREENSHOTS

pytestmark = pytest.mark.long(30)  # seconds on two cores

LESSONS = sources("notebooks")
PHONE = {"width": 390, "height": 844}  # CSS pixels: a phone held upright


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def served(site):
    """The built site on http://127.0.0.1:PORT/, for as long as the module's tests run."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    thread.join()


class Reader:
    """A browser tab that records everything that goes wrong while a page loads and runs."""

    def __init__(self, chromium, base):
        self.page = chromium.new_page()
        self.base = base
        self.problems = []
        self.page.on("console", lambda m: m.type == "error" and self.problems.append(f"console: {m.text}"))
        self.page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        self.page.on("requestfailed", lambda r: self.problems.append(f"request failed: {r.url}"))
        self.page.on("response", lambda r: r.status >= 400 and self.problems.append(f"HTTP {r.status}: {r.url}"))
        self.page.route("**/*", self._only_local)

    def _only_local(self, route):
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            self.problems.append(f"request to elsewhere: {route.request.url}")
            route.abort()

    def open(self, path):
        self.page.goto(f"{self.base}/{path}", wait_until="load")
        self.page.wait_for_load_state("networkidle")
        return self.page

    def broken_images(self):
        return self.page.eval_on_selector_all(
            "img", "imgs => imgs.filter(i => i.getAttribute('src') && !(i.complete && i.naturalWidth > 0))"
                   ".map(i => i.getAttribute('src').slice(0, 80))")

    def shoot(self, name, full_page=False):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"site-{name}.png"), full_page=full_page)

    def close(self):
        self.page.close()


@pytest.fixture
def reader(chromium, served):
    tab = Reader(chromium, served)
    yield tab
    tab.close()


def _lesson_to_watch(site):
    """The lesson with an animation (and, best, a widget too) whose page the test opens."""
    def score(source):
        kinds = [(is_animation(o), is_widget(o)) for _, o in outputs(executed(site, source))]
        return (any(a for a, _ in kinds), any(w for _, w in kinds))

    scored = [(score(source), source) for source in LESSONS]
    with_animation = [(s, source) for s, source in scored if s[0]]
    assert with_animation, "no lesson shows an animation"
    return max(with_animation, key=lambda item: (item[0][1], -LESSONS.index(item[1])))[1]


def test_start_page_opens_cleanly(reader):
    page = reader.open("index.html")
    reader.shoot("start")
    assert not reader.problems, "\n".join(reader.problems)
    assert not reader.broken_images()
    # the course map leads to every lesson
    for source in LESSONS:
        assert page.locator(f'article a[href="{page_of(source)}"]').count() >= 1, source


def test_a_lesson_plays_its_animation(reader, site):
    source = _lesson_to_watch(site)
    page = reader.open(page_of(source))
    reader.shoot("lesson")
    player = page.locator("div.animation").first
    player.scroll_into_view_if_needed()
    reader.shoot("animation")
    assert not reader.problems, "\n".join(reader.problems)
    assert not reader.broken_images()
    # the player's controls are there and its script runs: the first frame shows, "next" moves on
    slider = player.locator("input.anim-slider")
    for title in ("Play", "Pause", "Next frame", "Previous frame", "First frame", "Last frame"):
        assert player.locator(f'button[title="{title}"]').is_visible(), title
    assert slider.is_visible()
    frame = player.locator("img[id^='_anim_img']")
    first = frame.get_attribute("src")
    assert first and first.startswith("data:image/")
    player.locator('button[title="Next frame"]').click()
    page.wait_for_function("s => s.value !== '0'", arg=slider.element_handle())
    assert frame.get_attribute("src") != first
    # the buttons draw their icons with the theme's icon font, not a remote one
    player.locator('button[title="Play"] svg').wait_for()
    if page.locator(".widget-still").count():
        still = page.locator(".widget-still").first
        still.scroll_into_view_if_needed()
        reader.shoot("widget")
        assert "kernel" in still.inner_text()
    assert not reader.problems, "\n".join(reader.problems)


def test_search_ranks_the_lesson_that_teaches_a_word_first(reader):
    """Lesson 02 teaches as_strided; its exercises and later lessons use it."""
    lesson = next(s for s in LESSONS if s.startswith("notebooks/02_"))
    page = reader.open("search.html?q=as_strided")
    results = page.locator("#search-results ul.search li a")
    results.first.wait_for(timeout=30_000)
    first = urlsplit(results.first.get_attribute("href")).path
    assert first.endswith(page_of(lesson)), results.evaluate_all("as => as.map(a => a.getAttribute('href'))")


# What a page looks like on a phone: how wide it is against the window, dollar signs left in its text
# (outside code), each animation's picture and buttons, and every other picture a cell drew (a figure,
# a widget's still).
PHONE_CHECK = """() => {
    const prose = [...document.querySelectorAll('article p, article li, article td, article dd')]
        .filter(el => !el.closest('pre, code, .highlight'));
    const pictures = sel => [...document.querySelectorAll(sel)].map(img => {
        const box = img.getBoundingClientRect();
        // the width it is meant to be shown at: its width attribute, or style (a widget's layout), or its own
        const meant = +(img.getAttribute('width') || 0) || parseFloat(img.style.width) || img.naturalWidth;
        return {natural: img.naturalWidth, shown: Math.round(box.width), meant: Math.round(meant)};
    });
    return {
        width: document.documentElement.scrollWidth, window: document.documentElement.clientWidth,
        dollars: prose.filter(el => el.textContent.includes('$')).map(el => el.textContent.trim().slice(0, 80)),
        players: [...document.querySelectorAll('div.animation')].map(player => ({
            buttons: Math.max(...[...player.querySelectorAll('button')].map(b => b.getBoundingClientRect().right)),
            picture: pictures.call(null, '#' + player.querySelector('img').id)[0]})),
        pictures: pictures('.widget-still-body img, .cell_output > img'),
    };
}"""


def test_every_page_reads_on_a_phone(chromium, served, site):
    """At 390 px: no page is wider than the window (formulas, tables and pictures scroll in their own
    box), no formula is left between dollar signs, animations, figures and widget stills keep their
    pictures at their own size (the numbers in them stay legible; they pan) and the players' buttons fit."""
    pages = [p.relative_to(site).as_posix() for p in content_pages(site)]
    pages = [p for p in pages if p not in ("genindex.html", "search.html")]
    tab = Reader(chromium, served)
    tab.page.set_viewport_size(PHONE)
    problems = []
    try:
        for path in pages:
            tab.open(path)
            found = tab.page.evaluate(PHONE_CHECK)
            if found["width"] > found["window"]:
                problems.append(f"{path}: {found['width']} px wide in a {found['window']} px window")
            problems += [f"{path}: dollar signs left in {text!r}" for text in found["dollars"]]
            for number, player in enumerate(found["players"]):
                picture = player["picture"]
                if not (picture["natural"] > 0 and picture["shown"] == picture["natural"] == picture["meant"]):
                    problems.append(f"{path}: animation {number} is drawn at {picture}, not its own size")
                if player["buttons"] > found["window"]:
                    problems.append(f"{path}: animation {number}'s buttons reach {player['buttons']} px")
            for number, picture in enumerate(found["pictures"]):
                if not (picture["natural"] > 0 and picture["shown"] == picture["meant"]):
                    problems.append(f"{path}: picture {number} is shrunk to {picture}")
            if found["players"] or found["pictures"]:
                first = tab.page.locator("div.animation, .widget-still-body, .cell_output > img").first
                first.scroll_into_view_if_needed()
                tab.shoot(f"phone-{path.replace('/', '_').removesuffix('.html')}")
        problems += tab.problems
    finally:
        tab.close()
    assert not problems, "\n".join(problems)


def test_search_finds_a_word_of_lesson_02(reader):
    lesson = next(s for s in LESSONS if s.startswith("notebooks/02_"))
    others = [s for s in LESSONS + sources("exercises") if s != lesson and not s.startswith("exercises/02_")]
    word = unique_word(lesson, others + ["README.md"])
    page = reader.open(f"search.html?q={quote(word)}")
    results = page.locator("#search-results ul.search li a")
    results.first.wait_for(timeout=30_000)
    reader.shoot("search")
    hrefs = results.evaluate_all("as => as.map(a => a.getAttribute('href'))")
    found = [urlsplit(href).path.lstrip("/") for href in hrefs]
    assert any(path.endswith(page_of(lesson)) for path in found), (word, found)
    assert not reader.problems, "\n".join(reader.problems)
