"""Grades that cannot be faked, and a grader no submission can reach.

Every notebook here is a real submission (``tests/submissions.py``), graded
with the rest of the class in one run of ``python -m convlab grade --jobs 2``
(``graded_class`` in ``tests/conftest.py``): honest solutions sort before the
attacks, untouched exercises beside them, and honest notebooks again after
them.  The attacks forge check records, patch NumPy's comparisons, take every
shortcut a rule forbids (plainly, and roundabout: through a container, a private
module, a helper no rule lists, gc, another library's filter), tamper with how
the grader reads an answer, write into the installation and the home folder,
leave processes behind to reach other kernels, kill their parent, look for other
submissions and the network, flood the display, choke the parser, and take over
the questions.  None of it may earn a point, reach another submission, change
the machine or outlive the run.
"""


import pytest
from classrun import ARGS
from submissions import FORGED, IMPOSTORS, ROUNDABOUT, TAMPERING, UNUSUAL

from convlab.grading import EXERCISES, TASKS

# Grades the class (tests/classrun.py) when it runs first: about 150 s on two cores.
pytestmark = pytest.mark.long(150)


def tasks_of(grade):
    return {t["task"]: t for t in grade["tasks"]}


def grade_of(graded_class, stem):
    return graded_class["grades"][stem]


# --- the machine, the installation and later runs --------------------------------------------------


def test_nothing_outside_the_sandboxes_changed(graded_class):
    changed = graded_class["changed"]
    assert changed["environment"] == [], changed["environment"]
    assert changed["repository"] == [], changed["repository"]
    assert changed["home"] == [], changed["home"]
    assert changed["submissions"] == [], "the grader changed a submission"


def test_no_process_of_a_submission_outlives_the_run(graded_class):
    assert graded_class["survivors"] == []
    assert graded_class["control_groups"] == []


def test_honest_notebooks_before_beside_and_after_keep_full_marks(graded_class):
    for stem, g in graded_class["grades"].items():
        if stem.startswith(("a_honest_", "zz_after_", "unusual_")):
            assert g["graded"] and g["points"] == g["max_points"], (stem, g["error"], g["tasks"])
            assert all("reference solution's" in f for f in g["flags"]), (stem, g["flags"])


def test_honest_but_unusual_answers_keep_full_marks(graded_class):
    for name, table in UNUSUAL.items():
        for task in table:
            result = tasks_of(grade_of(graded_class, f"unusual_{name}"))[task]
            assert result["points"] == result["max_points"], (name, task, result)


def test_weights_trained_beforehand_earn_nothing_and_the_rest_keeps_full_marks(graded_class):
    """A train that returns weights trained on every bundled digit (true labels, upright images), as numbers in its
    source: the grader's digits are turned and relabelled, so each of its three checks fails."""
    for task, result in tasks_of(grade_of(graded_class, "precomputed_09_make_it_learn")).items():
        if task == "train":
            assert result["points"] == 0, result
            assert result["subchecks"][0]["hint_id"] == "initial-loss", result
        else:
            assert result["points"] == result["max_points"], (task, result)


@pytest.mark.parametrize("stem", ["persist", "outlive", "processes", "look_around", "parser_bomb", "display_flood",
                                  "bad_metadata"])
def test_attacks_on_the_machine_keep_only_their_own_honest_marks(graded_class, stem):
    g = grade_of(graded_class, f"{stem}_01_loops")
    assert g["graded"], g["error"]
    assert g["exercise"] == "01_loops"
    assert g["points"] == g["max_points"], g["tasks"]  # the answers are the solution's


def test_writes_stay_inside_the_sandbox(graded_class):
    errors = grade_of(graded_class, "persist_01_loops")["cell_errors"]
    assert any("wrote outside the sandbox's own folders: []" in e for e in errors), errors


def test_no_other_submission_no_network(graded_class):
    errors = grade_of(graded_class, "look_around_01_loops")["cell_errors"]
    assert any("found [], connected []" in e for e in errors), errors


def test_a_submission_that_kills_its_parent_is_reported_and_the_run_goes_on(graded_class):
    g = grade_of(graded_class, "kill_parent_01_loops")
    assert not g["graded"] and g["error"]


def test_taking_over_the_questions_earns_nothing(graded_class):
    for name in ("01_loops", "09_make_it_learn"):
        g = grade_of(graded_class, f"takeover_{name}")
        assert g["graded"] and g["points"] == 0, g["tasks"]
        assert {t["status"] for t in g["tasks"]} == {"not attempted"}


def test_a_definition_that_never_ends_costs_its_task_only(graded_class):
    g = tasks_of(grade_of(graded_class, "definition_loop_01_loops"))
    assert g["convolve2d_loops"]["points"] == 0
    limit = float(ARGS[ARGS.index("--definition-timeout") + 1])
    assert f"stopped after {limit:g} s while defining it" in g["convolve2d_loops"]["note"]
    assert all(t["points"] == t["max_points"] for name, t in g.items() if name != "convolve2d_loops")


# --- forged records, patched comparisons, shortcuts -------------------------------------------------


@pytest.mark.parametrize("name", FORGED)
def test_forged_records_and_patched_comparisons_earn_nothing(graded_class, name):
    g = grade_of(graded_class, f"forged_{name}")
    assert g["graded"] and g["points"] == 0 and g["max_points"] > 0
    assert any("check record" in flag for flag in g["flags"]), g["flags"]
    assert "replaces numpy.allclose" in g["flags"]
    assert all(t["status"] in ("failed", "not attempted") for t in g["tasks"])


@pytest.mark.parametrize("name", list(EXERCISES))
def test_a_shortcut_scores_zero_and_honest_tasks_keep_full_marks(graded_class, name):
    g = grade_of(graded_class, f"shortcuts_{name}")
    assert g["graded"]
    for task, result in tasks_of(g).items():
        if TASKS[task].rule is not None:  # every rule of the registry, broken
            assert result["points"] == 0, (task, result)
            assert result["hint_id"] in ("rule", "copy-not-view", "sandbox"), (task, result)
            first = result["subchecks"][0]
            assert first["status"] == "failed" and (first["hint"] or "").startswith(
                ("Rule:", "A copy", "Graded code")), first
        else:
            assert result["points"] == result["max_points"], (task, result)


def test_messages_name_the_rule_and_the_call(graded_class):
    loops = tasks_of(grade_of(graded_class, "shortcuts_01_loops"))["conv2d_loops"]["subchecks"][0]
    assert loops["message"] == "breaks the rule of this task: it uses scipy.signal.correlate2d"
    assert loops["hint"] == "Rule: " + TASKS["conv2d_loops"].rule.text
    einsum = tasks_of(grade_of(graded_class, "shortcuts_03_one_contraction"))["conv2d_hwc"]["subchecks"][0]
    assert einsum["message"] == "breaks the rule of this task: it uses np.einsum", einsum


@pytest.mark.parametrize("name", list(ROUNDABOUT))
def test_what_a_rule_forbids_scores_zero_however_it_is_reached(graded_class, name):
    g = grade_of(graded_class, f"roundabout_{name}")
    for task, result in tasks_of(g).items():
        if task in ROUNDABOUT[name]:
            assert result["points"] == 0, (task, result)
            assert result["hint_id"] in ("rule", "sandbox"), (task, result)
        else:
            assert result["points"] == result["max_points"], (task, result)


@pytest.mark.parametrize("name", list(TAMPERING))
def test_tampering_with_how_an_answer_is_read_scores_zero(graded_class, name):
    g = grade_of(graded_class, f"tampering_{name}")
    for task, result in tasks_of(g).items():
        if task in TAMPERING[name]:
            assert result["points"] == 0, (task, result)
        else:
            assert result["points"] == result["max_points"], (task, result)


def test_a_file_written_by_an_answer_is_refused_while_it_runs(graded_class):
    first = tasks_of(grade_of(graded_class, "tampering_01_loops"))["conv2d_loops"]["subchecks"][0]
    assert first["hint_id"] == "sandbox"
    assert first["message"] == "stopped by the grader's sandbox: Refused: the grader does not let an answer open a file"
    assert "np.save('/tmp/leak.npy', x)" in first["where"]


def test_no_chain_of_attributes_leads_out_of_numpy(graded_class):
    first = tasks_of(grade_of(graded_class, "tampering_01_loops"))["conv2d_loops_channels"]["subchecks"][0]
    assert first["message"] == (
        "breaks the rule of this task: it calls numpy.ma.core.builtins"), first


def test_an_error_message_cannot_forge_a_report_line(graded_class):
    result = tasks_of(grade_of(graded_class, "tampering_01_loops"))["count_multiplies"]
    assert "\x1b" not in result["first_failure"] and "\n" not in result["first_failure"]
    assert "\\n  conv2d_loops" in result["first_failure"]


def test_answers_hard_coded_or_not_plain_score_zero(graded_class):
    g = tasks_of(grade_of(graded_class, "impostors_01_loops"))
    for task in IMPOSTORS["01_loops"]:
        assert g[task]["points"] == 0, g[task]
    assert g["conv2d_loops_channels"]["hint_id"] == "not-plain-data"
    assert "not plain data" in g["count_multiplies"]["subchecks"][0]["message"]
    assert any("internals" in flag for flag in grade_of(graded_class, "impostors_01_loops")["flags"])


def test_the_report_lists_every_submission(graded_class):
    assert set(graded_class["grades"]) == set(graded_class["paths"])
