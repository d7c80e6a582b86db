"""Numbers in a lesson's prose come from the code that runs beside them.

A number typed into a Markdown cell can disagree with the output next to it
("about 115 million" beside 116, "around 1e-16" beside 3.6e-15). The lessons
avoid the class of error: a number a cell computes reaches the text through
that cell's output, with :func:`convlab.jupyter.prose.say` or a print. This test finds
the numbers in Markdown cells that look computed (decimals, numbers with
thousands separators or exponents, and numbers followed by a unit of time,
memory, speed or ratio; and ratios in words, "hundreds of times") and requires each to appear in a neighbouring code
cell: in its source (then it is a definition, such as a kernel weight) or in
an output that nbval compares. Outputs of cells tagged nbval-ignore-output
do not count: a timing differs on every machine, so prose must not repeat it.

What is not checked: formulas in $...$, code spans (`...`, they show code),
link targets, and the questions of *Check your understanding* with their answers,
which set their own numbers and are worked by hand.
"""

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
LESSONS = sorted((ROOT / "notebooks").glob("*.ipynb"))
NEIGHBOURS = 3  # code cells on each side of a Markdown cell that may hold its numbers

UNITS = (r"%|ns|µs|us|ms|s\b|seconds?|minutes?|bytes?|B\b|[kKMG]i?B|GFLOP/s|FLOP/s|"
         r"×(?!\s*\d)|x\b|times\b|million|thousand|billion|GFLOP|MFLOP|multiply-adds")
NUMBER = re.compile(
    r"(?<![\w.\-/])"                                   # not inside a name, a longer number or a path
    r"(?:"
    r"\d{1,3}(?:[,\u202f\u00a0 ]\d{3})+(?:\.\d+)?"     # 1,859 or 390 000
    r"|\d+(?:\.\d+)?e[-+]?\d+"                         # 3.6e-15, 1e-16
    r"|\d+\.\d+"                                       # 8.4
    r"|\d+(?=\s?(?:" + UNITS + r"))"                   # 46×, 40 %, 16 MiB, 9 times
    r")"
)
# A measured ratio in words, which no output can confirm: say the number instead.
VAGUE = re.compile(r"\b(?:tens|hundreds|thousands|millions) of times\b")
SKIP = [
    re.compile(r"\$\$.*?\$\$", re.S),                  # display math
    re.compile(r"\$[^$\n]+\$"),                        # inline math
    re.compile(r"```.*?```", re.S),                    # code blocks
    re.compile(r"`[^`\n]+`"),                          # code spans
    re.compile(r"<details>.*?</details>", re.S),       # answers worked by hand
    re.compile(r"\]\([^)]*\)"),                        # link targets
    re.compile(r"Python \d+\.\d+"),                    # a version, not a result
    re.compile(r"CC BY(?:-[A-Z]{2})* \d+\.\d+"),          # a licence's version, too
    re.compile(r"## Check your understanding.*", re.S),  # questions set their own numbers
]


def normalise(text):
    """Drop thousands separators between digits: '1,859' -> '1859' (but '[1, 2]' stays)."""
    return re.sub(r"(?<=\d)[,\u202f\u00a0 ](?=\d{3}(?!\d))", "", text)


def cell_text(cell, sources=True):
    """The source of a code cell (if ``sources``) and the text of the outputs nbval compares."""
    parts = [cell.source] if sources else []
    if "nbval-ignore-output" in cell.metadata.get("tags", []):
        return "\n".join(parts)
    for output in cell.get("outputs", []):
        if output.output_type == "stream":
            parts.append(output.text)
        for key in ("text/plain", "text/markdown", "text/html"):
            parts.append(str(output.get("data", {}).get(key, "")))
    return "\n".join(parts)


def numbers_in(text):
    """Every computed-looking number of a text, normalised, with the text around it."""
    found = []
    for match in NUMBER.finditer(text):
        context = text[max(0, match.start() - 30):match.end() + 30].replace("\n", " ")
        found.append((normalise(match.group()), context))
    return found


def prose(markdown):
    for pattern in SKIP:
        markdown = pattern.sub(" ", markdown)
    return markdown


def unsupported(nb):
    """(cell index, number, context) for every number in prose that no neighbouring cell states.

    A decimal, an exponent or a number with thousands separators may come from a
    neighbouring cell's source (a definition) or output. A plain integer before a
    unit ("9 times", "128 bytes") must appear in an output: small integers are
    everywhere in code, as indices and sizes.
    """
    code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    problems = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown":
            continue
        near = [i for i in code if i < index][-NEIGHBOURS:] + [i for i in code if i > index][:NEIGHBOURS]
        everything = normalise("\n".join(cell_text(nb.cells[i]) for i in near))
        outputs = normalise("\n".join(cell_text(nb.cells[i], sources=False) for i in near))
        text = prose(cell.source)
        problems += [(index, match.group(), "a measured ratio in words") for match in VAGUE.finditer(text)]
        for number, context in numbers_in(text):
            support = outputs if number.isdigit() else everything
            if not re.search(r"(?<![\d.])" + re.escape(number) + r"(?!\d)", support):
                problems.append((index, number, context))
    return problems


@pytest.mark.parametrize("path", LESSONS, ids=[p.name for p in LESSONS])
def test_numbers_in_prose_come_from_neighbouring_cells(path):
    problems = unsupported(nbformat.read(path, as_version=4))
    assert not problems, (
        f"{path.name}: numbers in Markdown that no neighbouring cell's code or checked output states "
        "(show them with convlab.jupyter.prose.say or print them):\n"
        + "\n".join(f"  cell {i}: {n!r} in '…{c}…'" for i, n, c in problems)
    )


def test_the_check_finds_typed_numbers():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("print(layer / 1e6)", outputs=[
            nbformat.v4.new_output("stream", text="116\n")]),
        nbformat.v4.new_markdown_cell("about 115 million multiply-adds, around 1e-16, 2.5 times faster, "
                                      "hundreds of times more"),
        nbformat.v4.new_markdown_cell("a 3×3 kernel, lesson 06, stride 2, `x.nbytes == 1,024`, $2.5$"),
    ])
    found = {number for _, number, _ in unsupported(nb)}
    assert found == {"115", "1e-16", "2.5", "hundreds of times"}


def test_timings_do_not_support_prose():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("t = seconds(f)", metadata={"tags": ["nbval-ignore-output"]}, outputs=[
            nbformat.v4.new_output("stream", text="about 1,859 times slower\n")]),
        nbformat.v4.new_markdown_cell("the loops are 1,859 times slower"),
        nbformat.v4.new_code_cell("print(8.4)", outputs=[nbformat.v4.new_output("stream", text="8.4\n")]),
        nbformat.v4.new_markdown_cell("8.4 times the input"),
    ])
    assert [number for _, number, _ in unsupported(nb)] == ["1859"]
