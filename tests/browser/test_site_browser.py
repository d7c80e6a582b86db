"""The course website in Chromium, as a reader opens it: no errors, the animation plays, search works.

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
from sitebuild import executed, is_animation, is_widget, outputs, page_of, sources, unique_word

from .labdriver import SCREENSHOTS

LESSONS = sources("notebooks")


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
