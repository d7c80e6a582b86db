"""Drive JupyterLab in Chromium the way a learner does: open, Run All, look.

The browser tests start one JupyterLab server the way a learner does, with
``make lab`` (on 127.0.0.1, with scratch config, runtime, data, settings and
workspace folders; its token is read from the address it prints), in a *copy* of the course (so nothing the
tests type or run is saved over the repository's notebooks, and the copy
holds what a fresh clone holds), and drive Debian's Chromium with Playwright.
JupyterLab keeps its default settings, the learner's, except those below.

Waiting is done through the server's REST API (the kernel's
``execution_state``, and its ``last_activity`` to know Run All has reached it)
together with the cell prompts (``[*]`` while a cell is queued or running),
which is sturdier than watching the status bar alone.
Playwright is imported only inside the functions that need it, so this
module can be imported where Playwright is not installed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("CONVLAB_CHROMIUM", "/usr/bin/chromium"))
SCREENSHOTS = Path(os.environ.get("CONVLAB_SCREENSHOTS", Path(__file__).resolve().parent / "screenshots"))

# The machine may have no network: Chromium must not try to reach any service.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",  # needed when the tests run as root, as CI does
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# JupyterLab settings for the scratch user-settings folder, where they differ from a learner's:
# - no blank space after the last cell (for the screenshots);
# - no autosave and no news or update checks (no network, no pop-ups);
# - the Terminal keeps its text in the page as well as drawing it (its screen-reader mode), so a
#   test can read what a learner reads there.
# Cells are windowed as for a learner: one out of view is not drawn until it is scrolled to.
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker": {"scrollPastEnd": False},
    "@jupyterlab/docmanager-extension/plugin": {"autosave": False},
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/terminal-extension/plugin": {"screenReaderMode": True},
}

# What the course copy leaves out: version control, environments, caches.
COPY_IGNORE = shutil.ignore_patterns(
    ".git", ".venv", "*.egg-info", "__pycache__", ".pytest_cache", ".hypothesis",
    ".ipynb_checkpoints", ".jupyter-scratch", "screenshots", "build",
)

STDERR = "application/vnd.jupyter.stderr"


def _course_files(folder, names):
    """What ``shutil.copytree`` leaves out of the course copy: ``COPY_IGNORE``, and the package itself.

    The package is linked, not copied: the environment's convlab (an editable install) is the
    repository's, and a grader's sandbox, which sees only the package it imported, must find
    the same one there.
    """
    ignored = set(COPY_IGNORE(folder, names))
    if Path(folder) == ROOT:
        ignored.add("convlab")
    return ignored


def missing_browser():
    """Why the browser tests cannot run here (no Playwright, no Chromium), or None when they can."""
    import importlib.util

    if importlib.util.find_spec("playwright") is None:
        return "Playwright is not installed (pip install -e '.[test]')"
    if not os.access(CHROMIUM, os.X_OK):
        return f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)"
    return None


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LabServer:
    """JupyterLab on 127.0.0.1, started by ``make lab`` in a scratch copy of the course.

    ``make lab`` runs with the Python environment of the tests (``VENV``),
    which it is told not to rebuild.

    Parameters
    ----------
    scratch : Path
        An empty folder; the course copy, Jupyter's folders and the server
        log go in it.
    """

    def __init__(self, scratch):
        self.scratch = Path(scratch)
        self.root = self.scratch / "course"
        self.port = free_port()
        self.token = None  # JupyterLab makes one and prints it in its address
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = self.scratch / "lab.log"
        self.process = None

    # -- lifecycle -------------------------------------------------------
    def start(self, timeout=120):
        shutil.copytree(ROOT, self.root, ignore=_course_files)
        (self.root / "convlab").symlink_to(ROOT / "convlab", target_is_directory=True)
        settings = self.scratch / "user-settings"
        for name, values in LAB_SETTINGS.items():
            path = settings / f"{name}.jupyterlab-settings"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values))
        env = dict(
            os.environ,
            JUPYTER_CONFIG_DIR=str(self.scratch / "config"),
            JUPYTER_RUNTIME_DIR=str(self.scratch / "runtime"),
            JUPYTER_DATA_DIR=str(self.scratch / "data"),
            IPYTHONDIR=str(self.scratch / "ipython"),
            MPLCONFIGDIR=str(self.scratch / "matplotlib"),
        )
        lab_args = " ".join([
            "--no-browser", "--ip=127.0.0.1", f"--port={self.port}", "--ServerApp.port_retries=0",
            f"--LabApp.user_settings_dir={settings}",
            f"--LabApp.workspaces_dir={self.scratch / 'workspaces'}",
        ])
        venv = Path(sys.prefix)
        args = ["make", "--no-print-directory", "-o", str(venv / ".installed"), "lab", f"VENV={venv}",
                f"LAB_ARGS={lab_args}"]
        self._log = open(self.log_path, "w")
        # its own session: make and JupyterLab are stopped together, by the group's id
        self.process = subprocess.Popen(args, cwd=self.root, env=env, stdout=self._log,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"JupyterLab exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                self.token = urllib.parse.parse_qs(urllib.parse.urlsplit(self.printed_url).query)["token"][0]
                self.api("status")
                return self
            except (OSError, LookupError):
                time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"JupyterLab did not answer within {timeout} s:\n{self.log_tail()}")

    def stop(self):
        """Stop make and the server by their process group (the server shuts its kernels down on SIGTERM)."""
        if self.process is None:
            return
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self._log.close()
        self.process = None

    @property
    def printed_url(self):
        """The address ``make lab`` printed for the learner to open (with its token); LookupError if none yet."""
        found = re.findall(r"http://127\.0\.0\.1:\d+/\S+token=\S+", self.log_path.read_text(errors="replace"))
        if not found:
            raise LookupError(f"make lab printed no address:\n{self.log_tail()}")
        return found[-1]

    def log_tail(self, chars=4000):
        return self.log_path.read_text(errors="replace")[-chars:] if self.log_path.exists() else ""

    # -- REST API --------------------------------------------------------
    def api(self, path, method="GET"):
        request = urllib.request.Request(f"{self.url}/api/{path}", method=method,
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read()
        return json.loads(body) if body else None

    def forget_layout(self):
        """Delete JupyterLab's saved layout (its default workspace): the next page opens as on first use."""
        request = urllib.request.Request(f"{self.url}/lab/api/workspaces/default", method="DELETE",
                                         headers={"Authorization": f"token {self.token}"})
        try:
            urllib.request.urlopen(request, timeout=10).close()
        except urllib.error.HTTPError as err:
            if err.code != 404:  # none saved yet
                raise

    def session_for(self, path):
        """The server's session for the notebook at ``path`` (relative to the course), or None."""
        for session in self.api("sessions"):
            if session.get("path") == path:
                return session
        return None

    def kernel(self, kernel_id):
        """The server's model of a kernel: its ``execution_state``, ``last_activity`` (its last message) and more."""
        return self.api(f"kernels/{kernel_id}")

    def kernel_state(self, kernel_id):
        return self.kernel(kernel_id)["execution_state"]

    def shutdown_sessions(self):
        for session in self.api("sessions"):
            self.api(f"sessions/{session['id']}", method="DELETE")

    def lab_url(self, path):
        """The URL that opens ``path`` in JupyterLab with a fresh layout."""
        return f"{self.url}/lab/tree/{urllib.parse.quote(path)}?reset&token={self.token}"


def launch_chromium(playwright, user_data_dir):
    """Debian's Chromium, headless, with a fresh profile and no network chatter."""
    return playwright.chromium.launch_persistent_context(
        str(user_data_dir), executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS,
        viewport={"width": 1280, "height": 900}, device_scale_factor=1,
    )


class NotebookPage:
    """One notebook open in JupyterLab in one browser tab.

    Parameters
    ----------
    lab : LabServer
    page : playwright.sync_api.Page
    path : str
        The notebook, relative to the course root, e.g. ``"notebooks/01_loops.ipynb"``.
    """

    def __init__(self, lab, page, path):
        self.lab, self.page, self.path = lab, page, path
        self.page_errors = []
        self.console_errors = []
        self.remote_requests = []  # what the page asked of another host than JupyterLab's
        page.on("pageerror", lambda exc: self.page_errors.append(str(exc)))
        page.on("console", lambda msg: msg.type == "error" and self.console_errors.append(msg.text))
        page.on("request", lambda request: urllib.parse.urlsplit(request.url).hostname not in (None, "", "127.0.0.1")
                and self.remote_requests.append(request.url))
        self.kernel_id = None

    @property
    def notebook(self):
        return self.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook")

    @property
    def cells(self):
        return self.notebook.locator(".jp-Cell")

    def open(self, timeout=120, url=None, here=False):
        """Load JupyterLab on the notebook (at ``url``, if given) and wait until its kernel is idle.

        With ``here``, the notebook is opened in the JupyterLab this page already shows, as a
        learner opens another file (File > Open from Path…), without loading JupyterLab again.
        """
        if here:
            self.menu("File", "Open from Path…")
            field = self.page.locator(".jp-Dialog input").first
            field.fill(self.path)
            field.press("Enter")
            self._tab(current=True).wait_for(timeout=timeout * 1000)
        else:
            self.page.goto(url or self.lab.lab_url(self.path), timeout=timeout * 1000)
        self.cells.first.wait_for(timeout=timeout * 1000)
        deadline = time.monotonic() + timeout
        while True:
            session = self.lab.session_for(self.path)
            if session and session["kernel"]["execution_state"] == "idle":
                self.kernel_id = session["kernel"]["id"]
                break
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.path}: no idle kernel after {timeout} s "
                                     f"(session: {session})\n{self.lab.log_tail()}")
            time.sleep(0.5)
        self.page.locator("#jp-main-statusbar").get_by_text("Idle").wait_for(timeout=timeout * 1000)
        # Fold the file browser away (if open): the notebook gets the whole width, as in the screenshots.
        browser_tab = self.page.locator(".jp-SideBar.jp-mod-left .lm-TabBar-tab.lm-mod-current")
        if browser_tab.count():
            browser_tab.first.click()
        return self

    def _tab(self, current=False):
        """This notebook's tab in JupyterLab's main area (only if it is the one in front, with ``current``)."""
        tab = ".lm-DockPanel-tabBar .lm-TabBar-tab" + (".lm-mod-current" if current else "")
        return self.page.locator(tab, has_text=self.path.rsplit("/", 1)[-1]).first

    def activate(self):
        """Bring this notebook's tab to the front (where several share one JupyterLab page)."""
        self._tab().click()
        self._tab(current=True).wait_for()
        return self

    def menu(self, *labels):
        """Click through the menu bar, e.g. ``menu("Run", "Run All Cells")``."""
        self.page.locator(".lm-MenuBar-itemLabel", has_text=labels[0]).first.click()
        for label in labels[1:]:
            self.page.locator(".lm-Menu-itemLabel").get_by_text(label, exact=True).first.click()

    def busy_prompts(self):
        """How many cells show ``[*]`` (queued or running)."""
        return self.notebook.locator(".jp-InputPrompt").filter(has_text="[*]").count()

    def wait_until_idle(self, timeout=600, settle=0.5):
        """Wait until the kernel is idle and no cell is queued, for ``settle`` seconds running."""
        deadline = time.monotonic() + timeout
        quiet_since = None
        while True:
            idle = self.lab.kernel_state(self.kernel_id) == "idle" and self.busy_prompts() == 0
            now = time.monotonic()
            if idle:
                quiet_since = quiet_since or now
                if now - quiet_since >= settle:
                    return
            else:
                quiet_since = None
            if now > deadline:
                raise AssertionError(f"{self.path}: kernel still busy after {timeout} s")
            self.page.wait_for_timeout(250)

    def run_all(self, timeout=600):
        # Polling for idle before the kernel has the first cell would end at once, so wait until the
        # kernel has said something since Run All: the server keeps the time of its last message.
        # (Waiting for a [*] prompt instead waited 10 s for a notebook that ends before it shows.)
        before = self.lab.kernel(self.kernel_id)["last_activity"]
        self.menu("Run", "Run All Cells")
        deadline = time.monotonic() + 30
        while self.lab.kernel(self.kernel_id)["last_activity"] == before:
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.path}: the kernel said nothing within 30 s of Run All")
            self.page.wait_for_timeout(50)
        self.wait_until_idle(timeout)

    def save(self, timeout=60):
        """Save the notebook as a learner does (Ctrl+S) and return it as JupyterLab wrote it to disk."""
        import nbformat

        contents = f"contents/{urllib.parse.quote(self.path)}?content=0"
        before = self.lab.api(contents)["last_modified"]
        self.notebook.click(position={"x": 5, "y": 5})  # focus the notebook, not a cell's editor
        self.page.keyboard.press("Escape")
        self.page.keyboard.press("Control+s")
        deadline = time.monotonic() + timeout
        while True:  # saved once the server says so and the file on disk is whole
            if self.lab.api(contents)["last_modified"] != before:
                try:
                    return nbformat.read(self.lab.root / self.path, as_version=4)
                except (nbformat.reader.NotJSONError, ValueError):
                    pass  # still being written
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.path}: JupyterLab did not save it within {timeout} s")
            self.page.wait_for_timeout(250)

    def cell_reports(self):
        """For each cell on the page: its type, prompt and the text of its error outputs."""
        return self.cells.evaluate_all(
            """(cells, stderr) => cells.map(cell => ({
                code: cell.classList.contains('jp-CodeCell'),
                prompt: (cell.querySelector('.jp-InputPrompt') || {}).textContent || '',
                errors: [...cell.querySelectorAll(`.jp-OutputArea-output[data-mime-type="${stderr}"]`)]
                    .map(el => el.textContent.trim()),
                widgetErrors: [...cell.querySelectorAll('.jp-OutputArea-output')]
                    .map(el => el.textContent)
                    .filter(t => t.includes('Error displaying widget')),
            }))""",
            STDERR,
        )

    def problems(self, cells):
        """What a learner would see go wrong after Run All, one line per problem.

        Parameters
        ----------
        cells : list of dict
            The notebook file's cells, in order (their tags and sources are used).
        """
        reports = self.cell_reports()
        if len(reports) != len(cells):
            return [f"the page shows {len(reports)} cells, the file has {len(cells)}"]
        found = [f"uncaught error in the page: {error}" for error in self.page_errors]
        found += [f"a request left the machine: {url}" for url in self.remote_requests]
        for index, (report, cell) in enumerate(zip(reports, cells)):
            source = "".join(cell.get("source", ""))
            if not report["code"] or not source.strip():  # JupyterLab skips empty cells
                continue
            prompt = report["prompt"].strip()
            if prompt in ("", "[ ]:", "[*]:"):
                found.append(f"cell {index} did not run (prompt {prompt!r})")
            for error in report["widgetErrors"]:
                found.append(f"cell {index} could not display its widget: {error[:300]}")
            if report["errors"] and "raises-exception" not in cell.get("metadata", {}).get("tags", []):
                found.append(f"cell {index} shows an error:\n{report['errors'][0][-1500:]}")
        return found

    def screenshot(self, name, max_height=16000):
        """Photograph the whole notebook (the window grows to fit it); return the file.

        A JPEG: a lesson is up to 16,000 pixels tall, and Chromium encodes a page that size as
        JPEG in half the time PNG takes (0.6 s against 1.3 s for lesson 06's website page);
        it reads as well.
        """
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        scroller = self.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-WindowedPanel-outer").first
        scroller.evaluate("el => { el.scrollTop = 0; }")
        content = scroller.evaluate("el => el.scrollHeight")
        visible = scroller.evaluate("el => el.clientHeight")
        size = self.page.viewport_size
        height = min(max_height, size["height"] + max(0, content - visible))
        self.page.set_viewport_size({"width": size["width"], "height": height})
        self.page.wait_for_timeout(500)  # let the layout and images settle
        out = SCREENSHOTS / f"{name}.jpg"
        self.page.screenshot(path=str(out), quality=85)
        self.page.set_viewport_size(size)
        return out

    def shoot(self, locator, name):
        """Photograph one element whole (the window grows to fit it); return the file."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        size = self.page.viewport_size
        needed = int(locator.bounding_box()["height"]) + 250  # room for JupyterLab's bars
        if needed > size["height"]:
            self.page.set_viewport_size({"width": size["width"], "height": needed})
        locator.scroll_into_view_if_needed()
        self.page.wait_for_timeout(300)
        out = SCREENSHOTS / f"{name}.png"
        locator.screenshot(path=str(out))
        self.page.set_viewport_size(size)
        return out

    # -- animations --------------------------------------------------------
    def animation_reports(self, name):
        """Scroll to each animation player in turn and measure its picture and buttons.

        Returns one dict per player: ``drawn`` (the picture has loaded and is
        shown at the width its first frame has, not squeezed or 0×0),
        ``fits`` (its buttons end inside the output area), the sizes measured,
        and the screenshot taken of it (``name`` and the player's number).
        """
        reports = []
        players = self.notebook.locator(".jp-OutputArea-output").filter(has=self.page.locator(".animation"))
        for number in range(players.count()):
            player = players.nth(number)
            player.scroll_into_view_if_needed()
            picture = player.locator("img[id^='_anim_img']")
            picture.evaluate("img => img.decode ? img.decode().catch(() => null) : null")
            self.page.wait_for_timeout(300)
            size = player.evaluate("""out => {
                const img = out.querySelector("img[id^='_anim_img']"), box = img.getBoundingClientRect();
                const buttons = [...out.querySelectorAll('.anim-buttons button')].map(b => b.getBoundingClientRect());
                return {src: (img.getAttribute('src') || '').slice(0, 22), complete: img.complete,
                        natural: [img.naturalWidth, img.naturalHeight], shown: [box.width, box.height],
                        declared: [+img.getAttribute('width'), +img.getAttribute('height')],
                        buttons: buttons.length, rightmost: Math.max(...buttons.map(b => b.right)),
                        edge: out.getBoundingClientRect().right};
            }""")
            size["drawn"] = (size["src"] == "data:image/png;base64," and size["complete"]
                             and size["natural"] == size["declared"] and size["natural"][0] > 0
                             and all(abs(a - b) <= 1 for a, b in zip(size["shown"], size["natural"])))
            size["fits"] = size["buttons"] == 9 and size["rightmost"] <= size["edge"] + 1
            size["shot"] = self.shoot(player, f"{name}-animation-{number}")
            reports.append(size)
        return reports

    def at_width(self, width):
        """Resize the window to ``width`` CSS pixels (a phone: 390); returns the size to restore."""
        size = self.page.viewport_size
        self.page.set_viewport_size({"width": width, "height": size["height"]})
        self.page.wait_for_timeout(500)  # JupyterLab lays itself out again
        return size

    def shut_down(self):
        """Shut the notebook's kernel down (its session ends)."""
        if self.kernel_id:
            session = self.lab.session_for(self.path)
            if session:
                self.lab.api(f"sessions/{session['id']}", method="DELETE")

    def close(self, keep_page=False):
        """Shut the notebook's kernel down and close the browser's tab (with ``keep_page``, only JupyterLab's:
        the notebook must be saved, or JupyterLab asks)."""
        self.shut_down()
        if keep_page:
            self.activate()
            self.menu("File", "Close Tab")
        else:
            self.page.close()


class Terminal:
    """A JupyterLab Terminal (File > New > Terminal), typed into and read as a learner does.

    Its text is read from the page, where the Terminal's screen-reader mode
    keeps it (``LAB_SETTINGS``).

    Parameters
    ----------
    notebook : NotebookPage
        The JupyterLab tab to open it in.
    """

    def __init__(self, notebook):
        self.nb, self.page = notebook, notebook.page
        notebook.menu("File", "New", "Terminal")
        self.widget = self.page.locator(".jp-Terminal:visible").last
        self.widget.wait_for()
        self.rows = self.widget.locator(".xterm-accessibility-tree")
        self.wait_for(r"[$#]$", "prompt")

    def text(self):
        lines = self.rows.evaluate("el => [...el.children].map(row => row.textContent)")
        return "\n".join(line.rstrip() for line in lines).strip()

    def wait_for(self, pattern, what, timeout=120):
        """Wait until the Terminal's text matches ``pattern`` (a regular expression); return the text."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.text()
            if re.search(pattern, text, re.M):
                return text
            self.page.wait_for_timeout(500)
        raise AssertionError(f"the Terminal shows no {what} after {timeout} s:\n{self.text()[-2000:]}")

    def run(self, command, until, what, timeout=300):
        """Type ``command`` and Enter; wait until the text matches ``until``; return the text."""
        self.widget.click()
        self.page.keyboard.type(command)
        self.page.keyboard.press("Enter")
        return self.wait_for(until, what, timeout)
