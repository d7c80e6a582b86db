"""`make lab` serves JupyterLab with the course (checked through its REST API), and a course
command run by another Python says which Python to use instead of failing with a traceback.

What a learner does in that JupyterLab (Run All, an exercise, the grade command in its
Terminal) is driven in a browser by ``tests/browser/``.
"""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get_json(url):
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.load(response)


@pytest.mark.skipif(not (ROOT / ".venv" / "bin" / "jupyter").exists(), reason="make lab needs .venv (make venv)")
def test_make_lab_serves_the_course(tmp_path):
    port, token = free_port(), "convlab-test-token"
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(tmp_path / "config"), JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"))
    lab_args = f"--no-browser --ip=127.0.0.1 --port={port} --ServerApp.port_retries=0 --IdentityProvider.token={token}"
    log = open(tmp_path / "lab.log", "w")
    server = subprocess.Popen(["make", "--no-print-directory", "lab", f"LAB_ARGS={lab_args}"], cwd=ROOT, env=env,
                              stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        status = None
        while time.monotonic() < deadline and server.poll() is None:
            try:
                status = get_json(f"http://127.0.0.1:{port}/api/status?token={token}")
                break
            except OSError:
                time.sleep(0.5)
        assert status is not None, "JupyterLab did not answer:\n" + (tmp_path / "lab.log").read_text()[-3000:]
        assert "started" in status
        lesson = get_json(f"http://127.0.0.1:{port}/api/contents/notebooks/00_start_here.ipynb?token={token}&content=0")
        assert lesson["type"] == "notebook"
        # the address it prints (for --no-browser) opens lesson 00, not the Launcher
        printed = re.findall(rf"http://127\.0\.0\.1:{port}/\S+", (tmp_path / "lab.log").read_text())
        assert printed and urllib.parse.urlsplit(printed[-1]).path == "/lab/tree/notebooks/00_start_here.ipynb"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/lab/tree/notebooks/00_start_here.ipynb?token={token}",
                                    timeout=10) as page:
            assert b"JupyterLab" in page.read()
        # the file browser shows the course, not what pip and Python leave in it
        listing = {item["name"] for item in get_json(f"http://127.0.0.1:{port}/api/contents/?token={token}")["content"]}
        assert {"notebooks", "exercises", "README.md"} <= listing
        assert not [name for name in listing if name.endswith(".egg-info") or name == "__pycache__"], listing
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        log.close()


def run_convlab(code):
    """Run ``code`` in a fresh interpreter in the repository (where ``python -m convlab`` finds the package)."""
    return subprocess.run([sys.executable, *code], cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_a_command_run_by_another_python_says_which_python_to_use():
    # A Python in which convlab is not installed: it finds the package (and pip's convlab.egg-info)
    # only because it runs in the repository's folder. Its site-packages are hidden here.
    elsewhere = ("import site, sys, sysconfig; site.getsitepackages = lambda: []; "
                 "site.getusersitepackages = lambda: '/nonexistent'; "
                 "sysconfig.get_paths = lambda: {'purelib': '/nonexistent', 'platlib': '/nonexistent'}; "
                 "from convlab.__main__ import main; sys.exit(main(['grade', 'exercises/00_start_here.ipynb']))")
    result = run_convlab(["-c", elsewhere])
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr and not result.stdout
    assert "python -m convlab grade ran with a Python that is not the course's" in result.stderr
    assert sys.executable in result.stderr and "make grade" in result.stderr and "Terminal" in result.stderr
    # convlab installed, a package a command needs missing
    missing_nbformat = ("import sys; sys.modules['nbformat'] = None; "
                        "from convlab.__main__ import main; sys.exit(main(['exercises', '--check']))")
    result = run_convlab(["-c", missing_nbformat])
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert "(it has no module named nbformat)" in result.stderr and "make exercises" in result.stderr
    # no NumPy at all (-S: no site-packages): the package names the Python that lacks it
    result = run_convlab(["-S", "-m", "convlab", "grade", "exercises/00_start_here.ipynb"])
    assert result.returncode == 1
    assert "ModuleNotFoundError: convlab needs NumPy, which this Python" in result.stderr
    assert "not the course's environment" in result.stderr


def test_help_is_plain_text():
    result = run_convlab(["-m", "convlab", "--help"])
    assert result.returncode == 0
    assert "``" not in result.stdout and ":func:" not in result.stdout
    assert "make grade" in result.stdout
