"""Work beside the stages (runtime/jobs.py): the EPUB while the archive is made, screen copies in idle time."""

from __future__ import annotations

import os
import pickle
import time
from pathlib import Path

import pytest

from publish.model.diagnostics import Diagnostic, ManuscriptError, Severity
from publish.runtime.jobs import alongside, in_idle_time, layout_jobs

PROBLEM = Diagnostic("story.md", 3, 1, Severity.ERROR, "a photo the text names is missing", "add photos/a.jpg")


def _pid_and_sum(a: int, b: int) -> tuple[int, int]:
    return os.getpid(), a + b


def _refuses() -> None:
    raise ManuscriptError([PROBLEM])


def test_runs_in_another_process_while_the_block_goes_on() -> None:
    with layout_jobs(2), alongside(_pid_and_sum, 2, 3) as result:
        here = os.getpid()
        pid, total = result()
    assert total == 5 and pid != here


def test_one_job_runs_it_here_with_the_same_result() -> None:
    with layout_jobs(1), alongside(_pid_and_sum, 2, 3) as result:
        assert result() == (os.getpid(), 5)


def test_a_manuscript_error_in_the_process_reaches_the_command_with_its_diagnostics() -> None:
    assert pickle.loads(pickle.dumps(ManuscriptError([PROBLEM]))).diagnostics == [PROBLEM]
    with layout_jobs(2), alongside(_refuses) as result, pytest.raises(ManuscriptError) as caught:
        result()
    assert caught.value.diagnostics == [PROBLEM]


# In idle time (runtime/jobs.in_idle_time): derivatives made ahead on a core nothing else wants -----


def _note(path: str, word: str) -> None:
    policy = os.sched_getscheduler(0) if hasattr(os, "sched_getscheduler") else -1
    with open(path, "a", encoding="utf-8") as note:
        note.write(f"{word} {os.getpid()} {policy}\n")


def _wait_for(path: str) -> None:
    while not os.path.exists(path):
        time.sleep(0.01)


def test_idle_time_runs_the_calls_in_order_in_another_process_at_idle_priority(tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    with layout_jobs(2), in_idle_time([(_note, (str(notes), "first")), (_note, (str(notes), "second")),
                                       (_note, (str(tmp_path / "done"), "done"))]) as ended:
        _wait_for(str(tmp_path / "done"))  # nothing else runs here, so the idle process gets a core
        ended()
    lines = [line.split() for line in notes.read_text(encoding="utf-8").splitlines()]
    assert [word for word, _, _ in lines] == ["first", "second"]
    assert {pid for _, pid, _ in lines} != {str(os.getpid())} and len({pid for _, pid, _ in lines}) == 1
    if hasattr(os, "SCHED_IDLE"):
        assert {int(policy) for _, _, policy in lines} == {os.SCHED_IDLE}


def test_the_stage_that_needs_them_ends_the_process_where_it_is(tmp_path: Path) -> None:
    notes, started, go = tmp_path / "notes", tmp_path / "started", tmp_path / "go"
    with layout_jobs(2), in_idle_time([(_note, (str(started), "started")), (_wait_for, (str(go),)),
                                       (_note, (str(notes), "after"))]) as ended:
        _wait_for(str(started))
        ended()  # the process is ended where it is: it never sees the go
        go.touch()
        time.sleep(0.5)  # a process still running would have noted "after" by now
    assert not notes.exists()


def test_one_job_makes_nothing_ahead(tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    with layout_jobs(1), in_idle_time([(_note, (str(notes), "first"))]) as ended:
        ended()
    assert not notes.exists()


def _ahead_in_a_daemon(notes: str) -> bool:
    with layout_jobs(2), in_idle_time([(_note, (notes, "first"))]) as ended:
        ended()
    return True


def test_a_daemon_process_makes_nothing_ahead_and_does_not_fail(tmp_path: Path) -> None:
    """A daemonic process (a Dask worker's, say) may not start children: the stage then makes everything."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    with context.Pool(1) as daemons:  # multiprocessing.Pool's workers are daemonic
        assert daemons.apply(_ahead_in_a_daemon, (str(tmp_path / "notes"),))
    assert not (tmp_path / "notes").exists()
