"""python -m convlab demo: plain text through a pipe, an animation on a terminal."""

import os
import re
import select
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import convlab
from convlab.viz.terminal import PAD, demo_steps, render_frame

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_demo(*args):
    return subprocess.run(
        [sys.executable, "-m", "convlab", "demo", *args],
        capture_output=True, text=True, cwd=ROOT, timeout=60, env={**os.environ, "COLUMNS": "100"},
    )


def parse_frames(text):
    """Split the plain output into frames; read each frame's blocks of cells."""
    frames = []
    for chunk in re.split(r"\n\n(?=step )", text.strip()):
        lines = chunk.splitlines()
        head, arithmetic = lines[0], lines[1]
        blocks = {}
        for n, line in enumerate(lines[3:], start=3):
            # a row of block titles: titles start where their columns start
            for m in re.finditer(r"(input|kernel|output)[^ ]*( [^ ]+)*", line):
                if m.group(1) and (n == 3 or lines[n - 1] == ""):
                    blocks[m.group(0)] = (n, m.start())
        frames.append(dict(head=head, arithmetic=arithmetic, lines=lines, blocks=blocks))
    return frames


def read_block(frame, title, width, rows, cols):
    """The cells of one block as (text, bracketed) pairs, rows x cols."""
    n, start = frame["blocks"][title]
    grid = []
    for line in frame["lines"][n + 1 : n + 1 + rows]:
        row = []
        for c in range(cols):
            piece = line[start + c * (width + 2) : start + (c + 1) * (width + 2)].ljust(width + 2)
            row.append((piece[1:-1].strip(), piece[0] == "[" and piece[-1] == "]"))
        grid.append(row)
    return grid


def test_plain_text_frames_for_a_small_case():
    result = run_demo("--shape", "2", "3", "4", "--kernel", "2", "2", "--stride", "1", "2", "--padding", "0", "1")
    assert result.returncode == 0, result.stderr
    assert "\x1b[" not in result.stdout  # no escape codes through a pipe
    x = np.arange(24).reshape(2, 3, 4) % 10
    k = np.ones((2, 2, 2), dtype=int)
    out = convlab.conv2d(x, k, stride=(1, 2), padding=(0, 1))
    ho, wo = out.shape
    frames = parse_frames(result.stdout)
    assert len(frames) == ho * wo == 6
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1)))
    windows = convlab.sliding_windows(np.arange(xp[0].size).reshape(xp[0].shape), (2, 2), stride=(1, 2))
    width = 2  # the widest number, e.g. "36"
    for t, frame in enumerate(frames):
        i, j = divmod(t, wo)
        assert frame["head"].startswith(f"step {t + 1} of 6 · conv2d · stride (1, 2) · padding (0, 1)")
        assert frame["arithmetic"].endswith(f" = {out[i, j]}")
        expected = {divmod(int(v), xp.shape[2]) for v in windows[i, j].ravel()}
        for ch in range(2):
            grid = read_block(frame, f"input, channel {ch}", width, *xp.shape[1:])
            assert [[text for text, _ in row] for row in grid] == [
                [PAD if (c == 0 or c == xp.shape[2] - 1) else str(v) for c, v in enumerate(row)]
                for row in xp[ch]
            ]
            marked = {(r, c) for r, row in enumerate(grid) for c, (_, m) in enumerate(row) if m}
            assert marked == expected, f"frame {t}, channel {ch}"
        grid = read_block(frame, "output", width, ho, wo)
        shown = {(a, b): text for a, row in enumerate(grid) for b, (text, _) in enumerate(row) if text}
        assert shown == {divmod(n, wo): str(out.flat[n]) for n in range(t + 1)}
        assert [(a, b) for a, row in enumerate(grid) for b, (_, m) in enumerate(row) if m] == [(i, j)]


def test_render_frame_fits_the_width_it_is_given():
    steps = demo_steps((3, 6, 6), (3, 3), stride=2, padding=1)
    for columns in (40, 80, 200):
        text = render_frame(steps, 4, columns=columns)
        longest = max(len(line) for line in text.splitlines())
        assert longest <= max(columns, 40)  # one block (8 cells of 5 characters) is never split
    wide, narrow = render_frame(steps, 4, columns=200), render_frame(steps, 4, columns=40)
    assert len(narrow.splitlines()) > len(wide.splitlines())


def test_colours_never_replace_the_brackets():
    steps = demo_steps()
    plain = render_frame(steps, 3)
    coloured = render_frame(steps, 3, color=True)
    assert "\x1b[30;43m" in coloured
    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured) == plain


def test_bad_arguments_exit_with_a_message():
    result = run_demo("--kernel", "9", "9")
    assert result.returncode == 2 and "kernel too large" in result.stderr and "Traceback" not in result.stderr
    result = run_demo("--stride", "0", "1")
    assert result.returncode == 2 and "stride must be >= 1" in result.stderr
    result = run_demo("--shape", "2", "-4", "5")
    assert result.returncode == 2 and "--shape sizes must be >= 1, got 2 -4 5" in result.stderr
    result = run_demo("--shape", "5", "4", "4")
    assert result.returncode == 2 and "at most 4" in result.stderr
    result = run_demo("--delay", "-1")
    assert result.returncode == 2 and "--delay" in result.stderr


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_terminal_animation_and_ctrl_c():
    import fcntl
    import struct
    import termios

    main, child = os.openpty()
    fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 70, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "COLUMNS", "LINES")}
    # 12 frames half a second apart, so Ctrl-C after the third lands mid-animation even on a busy
    # machine; and Ctrl-C as a terminal delivers it, even where the test process ignores SIGINT.
    ignored = signal.getsignal(signal.SIGINT) == signal.SIG_IGN
    proc = subprocess.Popen([sys.executable, "-m", "convlab", "demo", "--delay", "0.5"],
                            stdin=child, stdout=child, stderr=child, cwd=ROOT, env=env,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    os.close(child)
    seen = b""

    def read_for(seconds):
        nonlocal seen
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            if select.select([main], [], [], 0.05)[0]:
                try:
                    seen += os.read(main, 65536)
                except OSError:
                    return

    try:
        deadline = time.monotonic() + 30
        while seen.count(b"step ") < 3 and time.monotonic() < deadline:  # a few frames in
            read_for(0.1)
        proc.send_signal(signal.SIGINT)
        read_for(1.0)
        code = proc.wait(timeout=10)
        read_for(0.2)
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(main)
    text = seen.decode("utf-8", "replace")
    assert code == 130, (f"exit status {code} after Ctrl-C (SIGINT ignored by the test process: {ignored}); "
                         f"{text.count('step ')} frames seen, the last: {text[-400:]!r}")
    assert "Traceback" not in text and "interrupted" in text
    assert "\x1b[?1049h" in text and text.rindex("\x1b[?1049l") > text.rindex("\x1b[?1049h")  # screen restored
    assert "\x1b[?25h" in text  # cursor shown again
    assert "\x1b[30;43m[" in text  # coloured on a terminal
    assert text.count("\x1b[H\x1b[J") >= 3  # each frame redrawn from the top
