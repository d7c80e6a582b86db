"""Committed lesson notebooks are complete, reproducible and well formed.

That each notebook still produces its stored outputs is proved where it runs once in
`make test` (a lesson: Run All in JupyterLab; a solution: graded with the class), by
``tests/outputs.py``'s nbval-style comparison, itself checked here; these tests catch what
that cannot: a cell committed without running, outputs stored where they must not be,
widget state, files not written by `make notebooks`, broken links, and lessons missing their
required sections.
"""

import copy
import os
import re
from pathlib import Path

import nbformat
import pytest

from outputs import differences

from convlab.jupyter import notebooks as nbtools

ROOT = Path(__file__).resolve().parent.parent
LESSONS = sorted((ROOT / "notebooks").glob("*.ipynb"))
STORED = LESSONS + sorted((ROOT / "solutions").glob("*.ipynb"))


def ids(paths):
    return [str(p.relative_to(ROOT)) for p in paths]


@pytest.mark.parametrize("path", STORED, ids=ids(STORED))
def test_every_code_cell_ran_once_in_order(path):
    nb = nbformat.read(path, as_version=4)
    counts = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or not cell.source.strip():
            continue
        assert cell.execution_count is not None, f"cell {index} was committed without being run"
        counts.append(cell.execution_count)
    assert counts == list(range(1, len(counts) + 1)), "cells were not run top to bottom in one kernel"


@pytest.mark.parametrize("path", STORED, ids=ids(STORED))
def test_no_errors_widget_state_or_stored_animations(path):
    nb = nbformat.read(path, as_version=4)
    assert "widgets" not in nb.metadata, "widget state is stored in the notebook metadata"
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        tags = cell.metadata.get("tags", [])
        if nbtools.STRIP_TAG in tags:
            assert not cell.outputs, f"cell {index} is tagged {nbtools.STRIP_TAG} but has stored output"
            assert "nbval-ignore-output" in tags, f"cell {index}: {nbtools.STRIP_TAG} needs nbval-ignore-output too"
        for output in cell.outputs:
            if "raises-exception" not in tags:
                assert output.output_type != "error", f"cell {index} stored an error: {output.get('ename')}"
            assert "application/vnd.jupyter.widget-view+json" not in output.get("data", {}), (
                f"cell {index} stores a widget view; tag it {nbtools.STRIP_TAG}"
            )
            text = output.get("text", "") + str(output.get("data", {}).get("text/plain", ""))
            assert not re.search(r"at 0x[0-9a-f]{6,}", text), f"cell {index} output shows a memory address"


@pytest.mark.parametrize("path", STORED, ids=ids(STORED))
def test_file_is_written_reproducibly(path):
    """The file is exactly what `make notebooks` writes: normalised, sorted JSON."""
    text = path.read_text(encoding="utf-8")
    nb = nbformat.reads(text, as_version=4)
    nbformat.validate(nb)
    assert nbformat.writes(nbtools.normalise(nb)) + "\n" == text, "run `make notebooks` to rewrite it"


@pytest.mark.parametrize("path", STORED, ids=ids(STORED))
def test_relative_links_resolve(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", cell.source):
            if re.match(r"[a-z]+:", target):
                continue  # an external address
            assert (path.parent / target).exists(), f"{path.name} links to missing {target}"


REQUIRED = ["What you'll do", "What you'll learn", "What you'll need", "Key points",
            "Check your understanding", "<details>", "## Next"]


@pytest.mark.parametrize("path", [p for p in LESSONS if not p.name.startswith("00")],
                         ids=ids([p for p in LESSONS if not p.name.startswith("00")]))
def test_lesson_structure(path):
    nb = nbformat.read(path, as_version=4)
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    missing = [item for item in REQUIRED if item not in text]
    assert not missing, f"{path.name} lacks {missing} (see CONTRIBUTING.md, 'How a lesson is built')"
    assert nb.cells[0].source.startswith(f"# {path.name[:2]} · "), "a lesson opens with '# NN · Title'"
    assert f"../exercises/{path.name}" in text, "a lesson links to its exercise notebook"


#: A lesson is one sitting, about 1.5 at most: words of prose (Markdown) and lines of code.
MAX_WORDS, MAX_CODE_LINES = 2600, 250


def sitting(nb):
    """(words of prose, lines of code) of a notebook: its Markdown cells' words, its code cells' lines."""
    prose = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    lines = sum(len(c.source.splitlines()) for c in nb.cells if c.cell_type == "code")
    return len(re.findall(r"[A-Za-z0-9']+", prose)), lines


@pytest.mark.parametrize("path", LESSONS, ids=ids(LESSONS))
def test_a_lesson_fits_one_sitting(path):
    words, lines = sitting(nbformat.read(path, as_version=4))
    assert words <= MAX_WORDS and lines <= MAX_CODE_LINES, (
        f"{path.name}: {words} words of prose and {lines} lines of code, over the budget of one sitting "
        f"({MAX_WORDS} words, {MAX_CODE_LINES} lines): split it (CONTRIBUTING.md, 'How a lesson is built')")


def test_the_sitting_budget_counts_words_and_lines():
    v4 = nbformat.v4
    nb = v4.new_notebook(cells=[v4.new_markdown_cell("# 06 · Performance\n\nIt's `conv2d`, 3×3."),
                                v4.new_code_cell("a = 1\n\nb = 2")])
    assert sitting(nb) == (6, 3)  # 06, Performance, It's, conv2d, 3, 3
    nb.cells.append(v4.new_markdown_cell("word " * MAX_WORDS))
    assert sitting(nb)[0] > MAX_WORDS


@pytest.mark.parametrize("path", LESSONS, ids=ids(LESSONS))
def test_lesson_shows_its_committed_outputs_where_no_browser_runs_it(path, tmp_path):
    """Without a browser, the lessons run here instead, so their outputs are still compared (not under CI)."""
    from browser.labdriver import missing_browser

    missing = missing_browser()
    if missing is None or os.environ.get("CI"):
        pytest.skip("the lesson runs in JupyterLab and is compared there (tests/browser/test_browser_lessons.py)")
    found = differences(nbformat.read(path, as_version=4), nbtools.execute(path, timeout=600))
    assert not found, f"{path.name} does not show its committed outputs:\n" + "\n".join(found)


def test_the_output_comparison_finds_what_nbval_would():
    """A notebook compared with itself passes; each kind of change nbval reports is reported, and only those."""
    v4 = nbformat.v4

    def cell(source, outputs, tags=()):
        return v4.new_code_cell(source, outputs=outputs, execution_count=1, metadata={"tags": list(tags)})

    committed = v4.new_notebook(cells=[
        v4.new_markdown_cell("# a lesson"),
        cell("print('a'); print('b')", [v4.new_output("stream", name="stdout", text="a\nb\n")]),
        cell("timing()", [v4.new_output("stream", name="stdout", text="3.2 ms\n")], ["nbval-ignore-output"]),
        cell("thing", [v4.new_output("execute_result", data={"text/plain": "<Thing at 0x55aa00>"})]),
        cell("1 / 0", [v4.new_output("error", ename="ZeroDivisionError", evalue="division by zero")],
             ["raises-exception"]),
    ])
    assert differences(committed, copy.deepcopy(committed)) == []

    def changed(index, *outputs):
        nb = copy.deepcopy(committed)
        nb.cells[index].outputs = list(outputs)
        return nb

    other = differences(committed, changed(1, v4.new_output("stream", name="stdout", text="a\nc\n")))
    assert len(other) == 1 and other[0].startswith("code cell 0 (print('a'); print('b')) shows other outputs")
    split = changed(1, *(v4.new_output("stream", name="stdout", text=t) for t in ("a\n", "b\n")))
    assert differences(committed, split) == []  # streams merged first, as nbval does
    assert differences(committed, changed(2, v4.new_output("stream", name="stdout", text="9.9 ms\n"))) == []
    error = v4.new_output("error", ename="ValueError", evalue="deliberate", traceback=["..."])
    assert differences(committed, changed(2, error)) == ["code cell 1 (timing()) raised ValueError: deliberate"]
    moved = changed(3, v4.new_output("execute_result", data={"text/plain": "<Thing at 0x7f00deadbeef>"}))
    assert differences(committed, moved) == []  # memory addresses sanitised by tests/sanitize.cfg
    assert len(differences(committed, changed(3))) == 1  # an output gone
    assert len(differences(committed, changed(4, v4.new_output("error", ename="TypeError", evalue="no")))) == 1
    edited = copy.deepcopy(committed)
    edited.cells[3].source = "other_thing"
    assert differences(committed, edited) == ["the notebook that ran is not the committed one: its code cells differ"]
