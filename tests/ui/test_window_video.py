"""A video in the window: selecting it plays it where the frame was, its claims in the Video
tab; frames taken by key, button or Take Frames… become stills listed under their video,
with their provenance in the case; a cancelled take keeps what it stored."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from desk.core.casefile import CaseFile
from desk.core.credentials import OF_FRAME
from desk.core.intake import import_files
from desk.core.video_frames import FrameRequest
from desk.ui.evidence.evidence_model import Role
from desk.ui.shell.main_window import MainWindow
from tests.core import videos
from tests.ui.conftest import DialogRecorder
from tests.ui.images import make_jpeg

WAIT_MS = 20_000
FPS = 25


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("window_video")
    return videos.make_clip(folder / "aired <clip>.mp4", seconds=4, shots=1, gop=25, fps=FPS,
                            size=(320, 180),
                            metadata={"creation_time": "2025-12-29T14:05:00Z"})


@pytest.fixture(scope="module")
def reference(clip: Path) -> list[tuple[int, str, bytes]]:
    return videos.decode_all(clip)


@pytest.fixture
def video_case(tmp_path: Path, clip: Path) -> Path:
    path = tmp_path / "footage.deskcase"
    files = [make_jpeg(tmp_path / "before.jpg", 320, 240, seed=1), clip,
             make_jpeg(tmp_path / "after.jpg", 320, 240, seed=2)]
    with CaseFile.create(path, "Footage") as case:
        report = import_files(case, files)
        assert len(report.imported) == 3, report.to_json()
    return path


def open_case(qtbot: QtBot, window: MainWindow, path: Path) -> None:
    with qtbot.waitSignal(window.frame_view.frameShown, timeout=WAIT_MS):
        assert window.open_case(path)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)


def row_names(window: MainWindow) -> list[str]:
    model = window.model
    return [model.listed(r).name for r in range(model.rowCount())]


def video_id(window: MainWindow, clip: Path) -> int:
    model = window.model
    return next(int(model.evidence_id(r)) for r in range(model.rowCount())
                if model.listed(r).name == clip.name)


def show_video(qtbot: QtBot, window: MainWindow, clip: Path) -> int:
    vid = video_id(window, clip)
    with qtbot.waitSignal(window.video_view.frameShown, timeout=WAIT_MS):
        window.evidence_list.select_evidence(vid)
    return vid


def take(qtbot: QtBot, window: MainWindow, key: Qt.Key,
         modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    with qtbot.waitSignal(window.video_view.takeFinished, timeout=WAIT_MS):
        qtbot.keyClick(window.evidence_list, key, modifier)


def test_a_video_plays_in_the_frames_place_with_its_claims_in_the_video_tab(
        qtbot: QtBot, window: MainWindow, video_case: Path, clip: Path,
        reference: list[tuple[int, str, bytes]], dialogs: DialogRecorder) -> None:
    open_case(qtbot, window, video_case)
    assert window.centre_stack.currentWidget() is window.frame_view
    tabs = window.inspector.tabs
    video_tab = tabs.indexOf(window.video_info_panel)
    assert not tabs.isTabVisible(video_tab)
    vid = show_video(qtbot, window, clip)
    assert window.centre_stack.currentWidget() is window.video_view
    assert window.video_view.evidence_id == vid
    assert tabs.isTabVisible(video_tab)
    assert window.video_info_panel.fields["frames"].text() == "100"
    assert window.video_info_panel.fields["created"].text().startswith("2025-12-29 14:05")
    # The list has the focus; `.` steps the video all the same (a window key).
    assert window.evidence_list.hasFocus()
    qtbot.keyClick(window.evidence_list, Qt.Key.Key_Period)
    qtbot.waitUntil(lambda: window.video_view.shown_frame is not None
                    and window.video_view.shown_frame.frame_index == 1, timeout=WAIT_MS)
    assert window.video_view.shown_frame.pixels_sha256 == reference[1][1]
    assert window.video_view.time_label.text() == "00:00:00.040"
    # Out of sight (the Claims page), the video's keys are not the window's.
    from desk.ui.claims.claims_mode import CLAIMS, EVIDENCE

    assert window.video_view.take_frame_action.isEnabled()
    window.claims_mode.set_mode(CLAIMS)
    assert not window.video_view.take_frame_action.isEnabled()
    window.claims_mode.set_mode(EVIDENCE)
    assert window.video_view.take_frame_action.isEnabled()
    # A reverse image search sends stills: for a video it says to take the frame first.
    window.reverse_image_search()
    assert dialogs.infos and "Take the frame" in dialogs.infos[-1][1]
    model = window.model
    row = model.row_of(vid)
    assert row is not None and model.index(row).data(Role.KIND) == "video"
    assert "VIDEO" in [b.text for b in model.index(row).data(Role.BADGES)]
    # End in the list is the list's (the last item), not the video's last frame.
    window.evidence_list.setFocus()
    with qtbot.waitSignal(window.frame_view.frameShown, timeout=WAIT_MS):
        qtbot.keyClick(window.evidence_list, Qt.Key.Key_End)
    assert window.evidence_list.current_evidence_id() == model.evidence_id(
        model.rowCount() - 1)
    # Back to a still: the frame view returns, the Video tab goes.
    with qtbot.waitSignal(window.frame_view.frameShown, timeout=WAIT_MS):
        window.evidence_list.select_evidence(model.evidence_id(0))
    assert window.centre_stack.currentWidget() is window.frame_view
    assert not tabs.isTabVisible(video_tab)
    assert not window.video_view.forward_action.isEnabled()  # `.` does nothing now
    assert not dialogs.errors


def test_taking_frames_lists_them_under_their_video_with_their_provenance(
        qtbot: QtBot, window: MainWindow, video_case: Path, clip: Path,
        reference: list[tuple[int, str, bytes]], dialogs: DialogRecorder) -> None:
    open_case(qtbot, window, video_case)
    vid = show_video(qtbot, window, clip)
    window.video_view.show_frame(30)
    take(qtbot, window, Qt.Key.Key_T)
    assert window.case is not None
    frames = window.case.frames_of(vid)
    assert len(frames) == 1
    frame_of = frames[0].frame_of
    assert frame_of is not None
    assert (frame_of.video_id, frame_of.frame_index, frame_of.timecode) == (
        vid, 30, "00:00:01.200")
    assert frame_of.pixels_sha256 == reference[30][1]
    assert row_names(window) == ["before.jpg", clip.name, frames[0].name, "after.jpg"]
    model = window.model
    frame_row, video_row = model.row_of(frames[0].id), model.row_of(vid)
    assert frame_row is not None and video_row is not None and frame_row == video_row + 1
    index = model.index(frame_row)
    assert index.data(Role.KIND) == "frame"
    assert index.data(Role.FRAME_OF) == f"frame 30 · 00:00:01.200 of {clip.name}"
    tooltip = index.data(Qt.ItemDataRole.ToolTipRole)
    assert "&lt;clip&gt;" in tooltip and "<clip>" not in tooltip  # the name stays text
    # Many at once, in the background: every second gives frames 0, 25, 50 and 75, listed
    # in frame order under the video with the one taken before.
    job = window.video_view.take_frames(FrameRequest("every", every=1.0))
    assert job is not None
    with qtbot.waitSignal(window.video_view.takeFinished, timeout=WAIT_MS):
        pass
    taken = window.case.frames_of(vid)
    assert [f.frame_of.frame_index for f in taken if f.frame_of] == [0, 25, 30, 50, 75]
    names = row_names(window)
    assert names[:2] == ["before.jpg", clip.name] and names[-1] == "after.jpg"
    assert names[2:-1] == [f.name for f in taken]
    assert "Took 4 frames" in window.statusBar().currentMessage()
    # Taking frame 30 again stores nothing twice.
    take(qtbot, window, Qt.Key.Key_T)
    assert len(window.case.frames_of(vid)) == 5
    assert "taken before" in window.statusBar().currentMessage()
    # A frame selected is a still: the frame view shows it.
    with qtbot.waitSignal(window.frame_view.frameShown, timeout=WAIT_MS):
        window.evidence_list.select_evidence(taken[0].id)
    assert window.centre_stack.currentWidget() is window.frame_view
    assert window.frame_view.image_size().width() == 320
    source = window.inspector.fields["from_video"]
    assert source.isVisibleTo(window.inspector)
    assert source.textFormat() == Qt.TextFormat.PlainText
    assert source.text().startswith(f"frame 0, 00:00:00.000, of {clip.name} (video")
    assert reference[0][1][:16] in source.text()
    # Its credentials are its video's: it says so, not that it was imported long ago.
    assert window.inspector.credentials_view.texts() == {"state": OF_FRAME}
    window.inspector.tabs.setCurrentIndex(0)
    window.grab().save("/tmp/video_view_frame_selected.png")
    assert not dialogs.errors


def test_cancelling_a_take_keeps_the_frames_stored_and_lists_them(
        qtbot: QtBot, window: MainWindow, video_case: Path, clip: Path,
        dialogs: DialogRecorder) -> None:
    open_case(qtbot, window, video_case)
    vid = show_video(qtbot, window, clip)
    view = window.video_view
    counts: list[int] = []
    job = view.take_frames(FrameRequest("every", every=0.04))  # all 100 frames
    assert job is not None
    job.progressed.connect(lambda done, _total, _detail: counts.append(done))
    qtbot.waitUntil(lambda: bool(counts), timeout=WAIT_MS)
    assert view.progress_row.isVisibleTo(view)
    with qtbot.waitSignal(view.takeFinished, timeout=WAIT_MS):
        qtbot.mouseClick(view.cancel_button, Qt.MouseButton.LeftButton)
    assert window.case is not None
    stored = window.case.frames_of(vid)
    assert 0 < len(stored) < 100
    listed = [window.model.row_of(f.id) for f in stored]
    assert None not in listed  # every stored frame is in the list, under its video
    assert view.progress_row.isHidden() and view.take_button.isEnabled()
    assert not dialogs.errors


def test_screenshot_of_the_window_with_a_video(
        qtbot: QtBot, window: MainWindow, video_case: Path, clip: Path) -> None:
    open_case(qtbot, window, video_case)
    show_video(qtbot, window, clip)
    window.video_view.show_frame(62)
    take(qtbot, window, Qt.Key.Key_T)
    qtbot.waitUntil(lambda: not window.video_view.finding_scenes, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: window.video_view.shown_frame is not None
                    and window.video_view.shown_frame.frame_index == 62, timeout=WAIT_MS)
    window.inspector.tabs.setCurrentWidget(window.video_info_panel)
    qtbot.wait(300)  # layouts settle and the new frame's thumbnail loads, as on screen
    window.grab().save("/tmp/video_view_window.png")
    assert window.video_view.filmstrip.count() == 4



def test_the_list_keeps_frames_under_their_video_when_read_and_when_more_come(
        qtbot: QtBot, qtmodeltester: ModelTester, video_case: Path, clip: Path) -> None:
    from desk.core.video_intake import take_frames
    from desk.ui.evidence.evidence_model import EvidenceModel

    with CaseFile.open(video_case) as case:
        vid = next(e.id for e in case.list_evidence() if e.kind == "video")
        take_frames(case, vid, FrameRequest("at", times=(2.01, 0.01)))
        late = import_files(case, [make_jpeg(video_case.parent / "late.jpg", 64, 48, seed=9)])
        assert len(late.imported) == 1
        model = EvidenceModel()
        model.set_case(case)
        qtmodeltester.check(model)
        names = [model.listed(r).name for r in range(model.rowCount())]
        frames = case.frames_of(vid)
        assert [f.frame_of.frame_index for f in frames if f.frame_of] == [0, 50]
        assert names == ["before.jpg", clip.name, *(f.name for f in frames), "after.jpg",
                         "late.jpg"]
        assert [model.index(r).data(Role.KIND) for r in range(model.rowCount())] == [
            "still", "video", "frame", "frame", "still", "still"]
        # A frame between the two taken later goes between them, not at the end.
        take_frames(case, vid, FrameRequest("at", times=(1.01,)))
        with qtbot.waitSignal(model.rowsInserted):
            new = model.sync()
        middle = case.frames_of(vid)[1]
        assert new == [middle.id] and model.row_of(middle.id) == 3
        assert model.index(3).data(Role.FRAME_OF) == f"frame 25 · 00:00:01.000 of {clip.name}"
        assert model.sync() == []


def test_a_video_that_cannot_be_played_says_why_and_the_window_goes_on(
        qtbot: QtBot, window: MainWindow, video_case: Path, clip: Path,
        dialogs: DialogRecorder) -> None:
    from desk.core.video_isolation import VideoSession
    from tests.core.test_video_attacks import crashing_worker

    open_case(qtbot, window, video_case)
    view = window.video_view
    # The player's video worker dies on this file (as a decoder crashing on crafted bytes).
    view._session_factory = lambda source, table: VideoSession(
        source, table=table, target=crashing_worker)
    vid = video_id(window, clip)
    with qtbot.waitSignal(view.failed, timeout=WAIT_MS) as failed:
        window.evidence_list.select_evidence(vid)
    assert "crashed" in failed.args[0]
    assert "cannot be played" in view.canvas.message and "crashed" in view.canvas.message
    assert not view.take_frame_action.isEnabled()
    assert window.inspector.evidence is not None and window.inspector.evidence.id == vid
    # The rest of the window works: a still shows, and the video plays once it can.
    with qtbot.waitSignal(window.frame_view.frameShown, timeout=WAIT_MS):
        window.evidence_list.select_evidence(window.model.evidence_id(0))
    from desk.ui.video.frame_fetcher import default_session

    view._session_factory = default_session
    with qtbot.waitSignal(view.frameShown, timeout=WAIT_MS):
        window.evidence_list.select_evidence(vid)
    assert view.take_frame_action.isEnabled()
    assert not dialogs.errors
