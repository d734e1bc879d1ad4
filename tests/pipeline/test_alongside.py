"""A stage run alongside the rest of the build (runtime/jobs.alongside): the EPUB while the archive is made."""

from __future__ import annotations

import os
import pickle

import pytest

from publish.model.diagnostics import Diagnostic, ManuscriptError, Severity
from publish.runtime.jobs import alongside, layout_jobs

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
