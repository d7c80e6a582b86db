"""Grade the class of ``tests/submissions.py`` once, the way an instructor does, and record what changed.

``python -m convlab grade --json --jobs 2`` runs on the whole folder with a
gradebook, a CSV and the executed notebooks; around it, this records what an
attack could have changed: the Python environment, the repository, the
grader's home folder, processes left running and control groups left behind.
"""

import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from submissions import MARKER, build

ROOT = Path(__file__).resolve().parents[1]

#: The limits of the run: a broken notebook's endless cell costs 6 s, not a minute (the longest cell
#: of any solution takes about 1 s on a quiet machine: 6 s leaves room for a loaded one), an
#: endless definition 3 s when its answer is asked; 2.5 GiB lets every solution run and stops a 3 GiB
#: allocation.  Three notebooks at a time on two cores: each run spends part of its time waiting for
#: its kernel to start.  The repository's solutions are the references copies are compared with.
ARGS = ["--jobs", "3", "--timeout", "6", "--call-timeout", "3", "--definition-timeout", "3", "--memory", "2.5",
        "--solutions", str(ROOT / "solutions")]


def tree_state(folder, skip=("__pycache__",)):
    """``{path: (size, mtime_ns)}`` of every file under ``folder``: a write anywhere changes it."""
    state = {}
    for base, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if d not in skip]
        for name in files:
            path = os.path.join(base, name)
            try:
                info = os.lstat(path)
            except OSError:
                continue
            state[path] = (info.st_size, info.st_mtime_ns)
    return state


def repository_state():
    """SHA-256 of every file git tracks, and the names of the untracked files in the course's folders."""
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    state = {}
    for name in tracked.decode().split("\0"):
        if name and (ROOT / name).is_file():
            state[name] = hashlib.sha256((ROOT / name).read_bytes()).hexdigest()
    for folder in ("convlab", "solutions", "exercises", "notebooks"):
        for path in (ROOT / folder).rglob("*"):
            relative = str(path.relative_to(ROOT))
            if path.is_file() and "__pycache__" not in relative and relative not in state:
                state[relative] = "untracked"
    return state


def environment_state():
    prefixes = sorted({os.path.realpath(p) for p in (sys.prefix, sys.base_prefix)})
    return {path: value for prefix in prefixes for path, value in tree_state(prefix).items()}


def marked_processes():
    """Command lines of running processes that an attack started."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                line = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if MARKER in line and "pytest" not in line:
                found.append(f"{entry.name}: {line[:200]}")
    return found


def control_groups(pid):
    """Control groups the grader with this process ID made and left behind (its name carries the ID)."""
    pattern = f"convlab-{pid}-*"
    return sorted(str(p) for p in Path("/sys/fs/cgroup").glob(f"*/{pattern}")) + sorted(
        str(p) for p in Path("/sys/fs/cgroup").glob(pattern))


def _by_stem(report, paths):
    """Each notebook's grade under the stem that names the submission (its file may be named otherwise)."""
    stems = {str(path): stem for stem, path in paths.items()}
    return {stems.get(g["path"], Path(g["path"]).stem): g for g in (report or {}).get("notebooks", [])}


def grade_class(folder):
    """The class graded (once; later calls read the saved result)."""
    folder = Path(folder)
    saved = folder / "result.json"
    if saved.exists():
        return json.loads(saved.read_text())
    submissions, home = folder / "submissions", folder / "home"
    submissions.mkdir(parents=True)
    home.mkdir()
    built = build(submissions)
    paths = built["paths"]
    before = {"environment": environment_state(), "repository": repository_state(), "home": tree_state(home),
              "submissions": tree_state(submissions)}
    command = [sys.executable, "-m", "convlab", "grade", "--json", *ARGS, "--results", str(folder / "grades.jsonl"),
               "--csv", str(folder / "grades.csv"), "--executed", str(folder / "executed"),
               "--roster", str(built["roster"]), "--gradebook", str(folder / "gradebook.csv"), str(submissions)]
    start = time.monotonic()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
                               env={**os.environ, "HOME": str(home)})
    stdout, stderr = process.communicate()
    result = subprocess.CompletedProcess(command, process.returncode, stdout, stderr)
    seconds = time.monotonic() - start
    after = {"environment": environment_state(), "repository": repository_state(), "home": tree_state(home),
             "submissions": tree_state(submissions)}
    changed = {
        key: sorted(set(before[key].items()) ^ set(after[key].items()))[:10] for key in before
    }
    report = json.loads(result.stdout) if result.stdout.strip().startswith("{") else None
    record = {
        "command": command, "returncode": result.returncode, "stderr": result.stderr[-5000:], "seconds": seconds,
        "report": report, "grades": _by_stem(report, paths),
        "paths": {stem: str(path) for stem, path in paths.items()}, "students": built["students"],
        "gradebook": str(folder / "gradebook.csv"), "roster": str(built["roster"]), "changed": changed,
        "survivors": marked_processes(), "control_groups": control_groups(process.pid),
        "folder": str(folder),
        "executed": {stem: str(folder / "executed" / f"{Path(path).stem}.ipynb") for stem, path in paths.items()},
        "csv": str(folder / "grades.csv"), "results": str(folder / "grades.jsonl"),
    }
    saved.write_text(json.dumps(record))
    return record
