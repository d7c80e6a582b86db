"""Whose notebook is this? Placing the files of a folder of submissions with their students.

A folder of submissions comes in one of the shapes learning platforms make:

- **a folder per student**, at any depth (``section-a/alice/01_loops.ipynb``,
  ``2026/alice/week1/ex.ipynb``): with a roster, the student is the path's
  part that the roster knows; without one, the folder that holds the notebook;
- **one folder of files named by the platform**: Canvas's
  ``smithjane_12345_67890_01_loops.ipynb``, Moodle's
  ``Jane Smith_12345_assignsubmission_file_01_loops.ipynb``, or a pattern of
  the instructor's own (``--student-pattern``, a regular expression with a
  group named ``student`` matched against the path inside the folder).

An optional roster (CSV, first column the student's ID, the other columns
names, logins or e-mail addresses they may appear under) turns whatever the
files say into IDs.  A file that cannot be placed is reported with the
reason, never skipped.

Examples
--------
>>> from pathlib import Path
>>> place(Path("subs/smithjane_12345_67890_01_loops.ipynb"), Path("subs"))
'smithjane'
>>> place(Path("subs/Jane Smith_4242_assignsubmission_file_01_loops.ipynb"), Path("subs"))
'Jane Smith'
>>> place(Path("subs/section-a/alice/01_loops.ipynb"), Path("subs"))
'alice'
>>> place(Path("subs/01_loops.ipynb"), Path("subs")) is None
True
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

__all__ = ["LMS_PATTERNS", "Roster", "place", "expand_folder"]

#: File names learning platforms give submissions, with the student in the group ``student``.
LMS_PATTERNS = (
    re.compile(r"^(?P<student>[^_/]+?)(?:_LATE)?_\d+_\d+_[^/]*$"),  # Canvas: name_userid_submissionid_file
    re.compile(r"^(?P<student>[^_/]+)_\d+_assignsubmission_file_[^/]*$"),  # Moodle
)


def _key(text):
    """A name as rosters and file names agree on it: lower case, letters and digits only."""
    return re.sub(r"[^0-9a-z@.]+", "", text.lower())


class Roster:
    """Students by ID, and every name each may appear under.

    Parameters
    ----------
    path : str or Path
        A CSV file with a header row: the first column is the student's ID; every
        other column is a name, login or e-mail address the student's files may show.

    Raises
    ------
    ValueError
        If the file has no rows, or two students share a name.
    """

    def __init__(self, path):
        with open(path, newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.reader(handle))
        if len(rows) < 2:
            raise ValueError(f"roster {path}: no students (a header row, then one row per student)")
        self.ids = []
        self.names = {}
        for row in rows[1:]:
            if not row or not row[0].strip():
                continue
            student = row[0].strip()
            self.ids.append(student)
            for alias in row:
                key = _key(alias)
                if not key:
                    continue
                if self.names.get(key, student) != student:
                    raise ValueError(f"roster {path}: {alias!r} names both {self.names[key]} and {student}")
                self.names[key] = student
                if "@" in alias:  # an e-mail address: its login too
                    self.names.setdefault(_key(alias.split("@")[0]), student)

    def find(self, text):
        """The ID of the student ``text`` names, or None."""
        return self.names.get(_key(text))


def place(path, root, roster=None, pattern=None):
    """The student a submitted file belongs to, or None when it cannot be placed.

    Parameters
    ----------
    path : Path
        The notebook.
    root : Path
        The folder of submissions it was found in.
    roster : Roster, optional
        When given, the answer is a roster ID.
    pattern : re.Pattern, optional
        Matched (``search``) against the path inside ``root``; its group ``student`` names the student.
    """
    try:
        relative = path.relative_to(root).as_posix()
    except ValueError:
        relative = path.name
    found = None
    if pattern is not None:
        match = pattern.search(relative)
        found = match.group("student") if match else None
    else:
        name = Path(relative).name
        for lms in LMS_PATTERNS:
            match = lms.match(name)
            if match:
                found = match.group("student")
                break
        if found is None and roster is not None:  # a folder per student, at any depth
            found = next((part for part in reversed(Path(relative).parts[:-1]) if roster.find(part)), None)
        if found is None and len(Path(relative).parts) > 1:
            found = Path(relative).parts[-2]
    if found is None or roster is None:
        return found
    return roster.find(found)


def expand_folder(folder):
    """Every notebook under ``folder``, at any depth, sorted (checkpoints and hidden folders left out)."""
    folder = Path(folder)
    return sorted(
        path for path in folder.rglob("*.ipynb")
        if not any(part.startswith(".") for part in path.relative_to(folder).parts)
    )
