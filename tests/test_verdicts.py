"""No sentence of a lesson or a solution compares in words that its numbers contradict.

Timings move from run to run, and more on a shared machine; a verdict typed into a lesson
("float32 makes it faster", "Winograd never wins") is true for the run its author saw and
false for the next. So every comparison of measured times is generated from the numbers
beside it (:func:`convlab.jupyter.prose.versus`), and this test reads every committed lesson and
solution, their Markdown and every output, the outputs nbval ignores included:

- a ratio in words must point the way it says: "N times faster/slower/more/fewer" needs
  N > 1, and a ratio below 1 ("0.65 times as long as", "0.33 times the time of") is a verdict
  the reader has to decode, so it is refused too: say it with ``versus``;
- "about as fast (within X%)" needs X within :data:`convlab.jupyter.prose.SAME_SPEED`;
- a sentence that says one thing wins may not say, beside it, a ratio by which it loses
  ("N times slower ... wins", "N times faster ... never wins");
- fixed Markdown beside a cell that times something (after it, up to the next heading, or
  leading to it) states no verdict of its own (faster, slower, wins, keeps up, break-even, ...):
  the cell's output says it, from its numbers.

Questions and their worked answers (*Check your understanding*) set their own numbers and are
not read.
"""

import re
from pathlib import Path

import nbformat
import pytest

from convlab.jupyter.prose import SAME_SPEED

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb")) + sorted((ROOT / "solutions").glob("*.ipynb"))

NUMBER = r"(\d[\d,]*(?:\.\d+)?)"
COMPARATIVE = (r"faster|slower|quicker|longer|shorter|larger|smaller|bigger|fewer|more|less|higher|lower|"
               r"as fast|as slow|as long|as large|as much|as many|the time|the speed|the cost")
RATIO = re.compile(NUMBER + r"\s*\**\s*(?:times|×|x)\s*\**\s+(" + COMPARATIVE + r")\b", re.I)
WITHIN = re.compile(r"about as fast as[^()]*\(within " + NUMBER + r"\s*%\)", re.I)
WINS = re.compile(r"\b(?:wins?|beats?|pays? off|keeps? up|outperforms?)\b", re.I)
LOSES = re.compile(r"\b(?:never wins?|does not win|doesn't win|loses|no win|not faster|never faster)\b", re.I)
#: Verdicts that depend on the machine: fixed prose after a timing may not state them.
VERDICT = re.compile(
    r"\b(?:faster|slower|quicker|wins?|loses|beats?|keeps? up|competes?|on equal terms|break-even|"
    r"pays? off|paid off|neither helps? nor hurts?|costs? more than (?:it|they) saves?|outperforms?|"
    r"the cheap part|as fast as)\b", re.I)
#: What a cell that measures time looks like.
TIMES = re.compile(r"\b(?:compare|best_time|perf_counter|timeit|median_ms|seconds|best_of)\s*\(")
SKIP = [
    re.compile(r"```.*?```", re.S),
    re.compile(r"`[^`\n]+`"),
    re.compile(r"<details>.*?</details>", re.S),
    re.compile(r"## Check your understanding.*?(?=\n## |\Z)", re.S),
]


def texts(nb):
    """(cell index, kind, text) for every Markdown source and every output's text."""
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            yield index, "markdown", cell.source
            continue
        for output in cell.get("outputs", []):
            if output.output_type == "stream":
                yield index, "output", output.text
            for key in ("text/markdown", "text/plain"):
                if key in output.get("data", {}):
                    yield index, "output", str(output["data"][key])
                    break


def readable(text):
    for pattern in SKIP:
        text = pattern.sub(" ", text)
    return text


def sentences(text):
    return [s for s in re.split(r"(?<=[.!?;])\s+|\n\s*\n|\n- ", text) if s.strip()]


def value(number):
    return float(number.replace(",", ""))


def contradictions(nb):
    """(cell index, what is wrong, the sentence) for every comparison its numbers contradict."""
    found = []
    for index, _kind, text in texts(nb):
        for sentence in sentences(readable(text)):
            flat = " ".join(sentence.split())
            ratios = [(value(m.group(1)), m.group(2).lower()) for m in RATIO.finditer(flat)]
            for number, word in ratios:
                if number <= 1 and not word.startswith("as ") or number < 1:
                    found.append((index, f"'{number:g} times {word}': a ratio in words must be above 1", flat))
            for match in WITHIN.finditer(flat):
                if value(match.group(1)) > 100 * SAME_SPEED:
                    found.append((index, f"'about as fast' for a difference of {match.group(1)}%", flat))
            losing = [n for n, w in ratios if w in ("slower", "as long", "the time") and n > 1 + SAME_SPEED]
            winning = [n for n, w in ratios if w == "faster" and n > 1 + SAME_SPEED]
            if LOSES.search(flat) and winning:
                found.append((index, "a loss beside a ratio that wins", flat))
            elif WINS.search(flat) and not LOSES.search(flat) and losing and not winning:
                found.append((index, "a win beside a ratio that loses", flat))
    return found


def fixed_verdicts(nb):
    """(cell index, verdict, sentence) for verdicts typed into Markdown beside a cell that times.

    Beside: the Markdown cells between that cell and the code cells before and after it, up to a
    new section. A question ("Which is faster?") states no verdict.
    """
    code = [i for i, cell in enumerate(nb.cells) if cell.cell_type == "code"]
    timing = {i for i in code if TIMES.search(nb.cells[i].source)}
    found = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown":
            continue
        before = max((i for i in code if i < index), default=None)
        after = min((i for i in code if i > index), default=None)
        parts = re.split(r"(?m)^#+ .*$", readable(cell.source))
        beside = []
        if before in timing:
            beside.append(parts[0])  # what follows the timing, up to the next heading
        if after in timing:
            beside.append(parts[-1])  # what leads to it, from the last heading
        for text in dict.fromkeys(beside):
            for sentence in sentences(text):
                match = VERDICT.search(sentence)
                if match and not sentence.rstrip().endswith("?"):
                    found.append((index, match.group(), " ".join(sentence.split())))
    return found


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[str(p.relative_to(ROOT)) for p in NOTEBOOKS])
def test_no_comparison_contradicts_its_numbers(path):
    nb = nbformat.read(path, as_version=4)
    problems = contradictions(nb)
    assert not problems, f"{path.name}: comparisons that contradict their numbers:\n" + "\n".join(
        f"  cell {i}: {what}: {sentence!r}" for i, what, sentence in problems)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[str(p.relative_to(ROOT)) for p in NOTEBOOKS])
def test_no_fixed_verdict_beside_a_timing(path):
    nb = nbformat.read(path, as_version=4)
    problems = fixed_verdicts(nb)
    assert not problems, (
        f"{path.name}: Markdown after a timing states a verdict the next run may contradict "
        "(generate it with convlab.jupyter.prose.versus from the numbers instead):\n"
        + "\n".join(f"  cell {i}: {verdict!r} in {sentence!r}" for i, verdict, sentence in problems))


def notebook(*cells):
    v4 = nbformat.v4
    made = []
    for cell in cells:
        if isinstance(cell, tuple):  # (source, output text)
            made.append(v4.new_code_cell(cell[0], outputs=[
                v4.new_output("display_data", data={"text/markdown": cell[1], "text/plain": cell[1]})]))
        else:
            made.append(v4.new_markdown_cell(cell))
    return v4.new_notebook(cells=made)


def test_planted_contradictions_are_found():
    planted = notebook(
        ("say(...)", "float32 makes `conv2d` **0.65 times** faster and the bare product 1.3 times faster."),
        ("t = compare(calls)", "The whole is **0.33 times** the time of `conv2d(method=\"auto\")`."),
        "NumPy keeps up with PyTorch here, and Winograd never wins.",
        ("say(...)", "Winograd is about as fast as `auto` (within 40%)."),
        ("say(...)", "Winograd wins: it is **3.0 times slower** than `auto`."),
        ("say(...)", "Winograd never wins, being **3.0 times faster** than `auto`."),
    )
    found = contradictions(planted)
    assert [(i, what.split(":")[0]) for i, what, _ in found] == [
        (0, "'0.65 times faster'"), (1, "'0.33 times the time'"), (3, "'about as fast' for a difference of 40%"),
        (4, "a win beside a ratio that loses"), (5, "a loss beside a ratio that wins")]
    assert [(i, verdict) for i, verdict, _ in fixed_verdicts(planted)] == [(2, "keeps up")]


def test_sentences_from_versus_pass():
    from convlab.jupyter.prose import versus

    cells = [("t = compare(calls)", f"float32 `conv2d` is {versus(a, b, 'float64')}.")
             for a, b in [(0.016, 0.0274), (0.0274, 0.016), (1.0, 1.06), (1.0, 1.0)]]
    good = notebook(*cells, "## Next section\n\nWhich is faster depends on the machine.")
    assert contradictions(good) == [] and fixed_verdicts(good) == []
