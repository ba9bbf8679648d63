"""The one way the window runs long work: progress, cancel, failures in one line, GUI-thread
calls, and a clean stop when the widget owning the jobs closes."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QTimer
from pytestqt.qtbot import QtBot

from desk.core.casefile import CaseFile, CaseFileError
from desk.ui.common.workers import Cancelled, Control, Job, Jobs, on_case

GUI = threading.get_ident()


@pytest.fixture
def jobs(qapp: object) -> Iterator[Jobs]:
    owner = Jobs()
    yield owner
    owner.shutdown(wait_s=5)


def flush(qtbot: QtBot, job: Job) -> None:
    """Until the job's end has been handled on the GUI thread (delivered or not)."""
    qtbot.waitUntil(lambda: job.over, timeout=5_000)
    QCoreApplication.processEvents()


def test_progress_then_the_result_reach_the_gui_thread_while_it_keeps_running(
        qtbot: QtBot, jobs: Jobs) -> None:
    release = threading.Event()
    seen: list[tuple[int, int, object, int]] = []
    ticks: list[int] = []

    def work(control: Control) -> str:
        for done in range(1, 4):
            control.progress(done, 3, f"file {done}")
        assert release.wait(5)  # the GUI thread must run meanwhile
        return "done"

    job = Job(work, name="three files")
    job.progressed.connect(lambda d, t, what: seen.append((d, t, what, threading.get_ident())))
    order: list[str] = []
    job.succeeded.connect(lambda result: order.append(f"succeeded {result}"))
    job.finished.connect(lambda: order.append("finished"))
    jobs.start(job)
    assert job.running and jobs.running == [job]

    timer = QTimer(interval=10)
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start()
    qtbot.waitUntil(lambda: len(seen) == 3 and len(ticks) >= 3, timeout=5_000)
    release.set()
    with qtbot.waitSignal(job.finished, timeout=5_000):
        pass
    timer.stop()
    assert [(d, t, what) for d, t, what, _ in seen] == [(1, 3, "file 1"), (2, 3, "file 2"),
                                                        (3, 3, "file 3")]
    assert {thread for *_, thread in seen} == {GUI}
    assert order == ["succeeded done", "finished"]
    assert job.outcome == "succeeded" and not jobs.running


def test_cancel_stops_the_work_at_its_next_check(qtbot: QtBot, jobs: Jobs) -> None:
    steps: list[int] = []

    def work(control: Control) -> None:
        while True:
            control.check()
            steps.append(1)
            threading.Event().wait(0.005)

    job = jobs.run(work, name="endless")
    succeeded: list[object] = []
    job.succeeded.connect(succeeded.append)
    qtbot.waitUntil(lambda: len(steps) > 2)
    with qtbot.waitSignal(job.cancelled, timeout=5_000):
        job.cancel()
    assert job.cancelling and job.outcome == "cancelled" and not succeeded


def test_a_job_cancelled_while_it_waits_its_turn_never_runs(qtbot: QtBot) -> None:
    lane = Jobs(max_threads=1)
    release = threading.Event()
    ran: list[str] = []
    first = lane.run(lambda c: ran.append("first") or release.wait(5), name="first")
    second = lane.run(lambda c: ran.append("second"), name="second")
    third = lane.run(lambda c: ran.append("third"), name="third")
    assert lane.running == [first, second, third]
    second.cancel()
    with qtbot.waitSignal(second.cancelled, timeout=5_000):
        release.set()
    flush(qtbot, third)
    assert ran == ["first", "third"]  # one at a time, in order, the cancelled one skipped
    assert third.outcome == "succeeded"


#: What the reviewer reads for an error desk did not foresee: a sentence, no class names.
UNEXPECTED = ("This stopped on a problem desk did not expect; nothing more was done. The"
              " details are in desk's log.")


@pytest.mark.parametrize(("error", "message"), [
    (ValueError("bad value\n  Traceback (most recent call last):\n  File x"), UNEXPECTED),
    (CaseFileError("The case file is read-only."), "The case file is read-only."),
    (FileNotFoundError(2, "No such file or directory", "/nowhere/x.jpg"),
     "/nowhere/x.jpg could not be used: no such file or directory."),
    (RuntimeError(), UNEXPECTED),
])
def test_a_failure_reaches_the_reviewer_as_one_plain_line(qtbot: QtBot, jobs: Jobs,
                                                          error: Exception,
                                                          message: str) -> None:
    def work(control: Control) -> None:
        raise error

    job = jobs.run(work)
    with qtbot.waitSignal(job.failed, timeout=5_000) as failed:
        pass
    assert failed.args == [message]
    assert "\n" not in failed.args[0]


def test_a_long_message_is_cut_to_a_line(qtbot: QtBot, jobs: Jobs) -> None:
    def work(control: Control) -> None:
        raise CaseFileError("x" * 5000)

    job = jobs.run(work)
    with qtbot.waitSignal(job.failed, timeout=5_000) as failed:
        pass
    assert len(failed.args[0]) <= 300 and failed.args[0].endswith("…")


def test_work_of_the_case_opens_its_own_connection(qtbot: QtBot, jobs: Jobs,
                                                   case_path: Path) -> None:
    seen: dict[str, object] = {}

    def count(case: CaseFile, control: Control) -> int:
        seen["thread"] = threading.get_ident()
        seen["case"] = case
        return len(case.list_evidence())

    with CaseFile.open(case_path) as window_case:
        job = jobs.run(on_case(case_path, count))
        with qtbot.waitSignal(job.succeeded, timeout=5_000) as done:
            pass
        assert done.args == [6]
        assert seen["thread"] != GUI and seen["case"] is not window_case
        assert window_case.list_evidence()  # the window's connection is untouched

    missing = jobs.run(on_case(case_path.parent / "gone.deskcase", count))
    with qtbot.waitSignal(missing.failed, timeout=5_000) as failed:
        pass
    assert "There is no case file" in failed.args[0]


def test_a_call_on_the_gui_thread_returns_its_result_to_the_worker(qtbot: QtBot,
                                                                   jobs: Jobs) -> None:
    def work(control: Control) -> tuple[int, int]:
        return control.on_gui_thread(lambda a: (threading.get_ident(), a * 2), 21)

    job = jobs.run(work)
    with qtbot.waitSignal(job.succeeded, timeout=5_000) as done:
        pass
    assert done.args == [(GUI, 42)]


def test_cancel_abandons_a_gui_call_not_started_yet(qtbot: QtBot, jobs: Jobs) -> None:
    called: list[int] = []
    asked, abandoned = threading.Event(), threading.Event()

    def work(control: Control) -> None:
        asked.set()
        try:
            control.on_gui_thread(called.append, 1)
        except Cancelled:
            abandoned.set()
            raise

    job = jobs.run(work)
    assert asked.wait(5)
    job.cancel()
    assert abandoned.wait(5)  # the GUI thread, blocked here, never got to start the call
    with qtbot.waitSignal(job.cancelled, timeout=5_000):
        pass
    QCoreApplication.processEvents()
    assert called == []


def test_shutdown_cancels_waits_and_then_reports_nothing(qtbot: QtBot) -> None:
    owner = Jobs()
    started = threading.Event()
    stopped: list[str] = []

    def work(control: Control) -> None:
        started.set()
        while not control.cancelled():
            control.progress(0, 1)
            threading.Event().wait(0.01)
        stopped.append("stopped")
        raise Cancelled

    job = owner.run(work)
    heard: list[str] = []
    for signal in (job.succeeded, job.failed, job.cancelled, job.finished):
        signal.connect(lambda *_, name=signal: heard.append(str(name)))
    assert started.wait(5)
    assert owner.shutdown(wait_s=5)
    assert stopped == ["stopped"]  # the work had ended when shutdown returned
    assert not owner.running
    flush(qtbot, job)
    assert job.outcome == "cancelled"
    assert heard == []  # the closed widget hears nothing


def test_shutdown_inside_the_jobs_own_gui_call_does_not_hang(qtbot: QtBot) -> None:
    """The window closed while the PDF prints (a nested event loop on the GUI thread): the
    export cannot end before that call returns, so shutdown must not wait for it."""
    owner = Jobs()
    inside: list[bool] = []

    def close_from_inside() -> str:
        inside.append(owner.shutdown(wait_s=5))
        return "printed"

    def work(control: Control) -> str:
        control.on_gui_thread(close_from_inside)
        control.check()
        return "exported"

    job = owner.run(work)
    heard: list[object] = []
    job.finished.connect(lambda: heard.append("finished"))
    qtbot.waitUntil(lambda: bool(inside), timeout=5_000)
    assert inside == [False]  # it could not wait, and said so
    flush(qtbot, job)
    assert job.outcome == "cancelled" and heard == []
