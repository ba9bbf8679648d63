"""The video view as a reviewer scrubs it: frames stepped, scrubbed and sought by time are the
frames an independent decode gives at those places; keyframes marked where the stream has
them; scenes in the filmstrip; metadata as plain text; frames taken in the background with
progress and cancel; a video desk cannot read leaves a sentence, not a broken view."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from fractions import Fraction
from pathlib import Path

import av
import pytest
from PIL import Image
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor, QImage
from pytestqt.qtbot import QtBot

from desk.core.video_frames import FrameRequest
from desk.core.video_isolation import take_frames_isolated
from desk.ui.common import theme
from desk.ui.common.workers import Control
from desk.ui.video.take_frames_dialog import TakeFramesDialog, parse_times
from desk.ui.video.video_view import VideoView, frame_time
from tests.core import videos
from tests.core.test_video_attacks import crashing_opener

#: Frames per second and length of the clips (a cut every second: four scenes).
FPS, SECONDS = 25, 4
#: Every frame decoded from the start, or a keyframe found, within this (a worker start is
#: about a second; the machine is shared).
WAIT_MS = 20_000
#: A container's claim that would render as markup if the view took it for rich text.
HOSTILE_MAKE = "<b>Evil</b> <img src=x> & Co"


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("video_view")
    return {
        "cuts": videos.make_clip(folder / "cuts.mp4", seconds=SECONDS, shots=1, gop=12,
                                 bframes=2, fps=FPS,
                                 container_options={"movflags": "use_metadata_tags"},
                                 metadata={"creation_time": "2025-12-29T14:05:00Z",
                                           "location": "+49.7100+037.6000/",
                                           "make": HOSTILE_MAKE}),
        "phone": videos.make_clip(folder / "phone.mp4", rotation=-90, seconds=1),
    }


@pytest.fixture(scope="module")
def reference(clips: dict[str, Path]) -> dict[str, list[tuple[int, str, bytes]]]:
    """Every frame decoded from the start by plain PyAV (pts, pixel hash, RGB24)."""
    return {name: videos.decode_all(path) for name, path in clips.items()}


def rgb_of(image: QImage) -> bytes:
    """A QImage's pixels as packed RGB24 rows (as PyAV's `to_image().tobytes()` gives)."""
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    row = image.width() * 3
    data = bytes(image.constBits())
    return b"".join(data[y * image.bytesPerLine(): y * image.bytesPerLine() + row]
                    for y in range(image.height()))


def make_view(qtbot: QtBot, **kwargs: object) -> VideoView:
    view = VideoView(**kwargs)  # type: ignore[arg-type]
    qtbot.addWidget(view, before_close_func=lambda v: v.shutdown())
    view.resize(900, 560)
    view.show()
    qtbot.waitExposed(view)
    view.activateWindow()
    view.setFocus()
    return view


@pytest.fixture
def view(qtbot: QtBot, clips: dict[str, Path]) -> Iterator[VideoView]:
    view = make_view(qtbot)
    with qtbot.waitSignal(view.frameShown, timeout=WAIT_MS) as shown:
        view.open_video(clips["cuts"], name="cuts.mp4")
    assert shown.args == [0]
    yield view


def wait_for_frame(qtbot: QtBot, view: VideoView, index: int) -> None:
    qtbot.waitUntil(lambda: view.shown_frame is not None
                    and view.shown_frame.frame_index == index, timeout=WAIT_MS)


def test_opens_on_the_first_frame_with_its_time_and_count(
        view: VideoView, reference: dict[str, list[tuple[int, str, bytes]]]) -> None:
    frames = reference["cuts"]
    assert view.time_label.text() == "00:00:00.000"
    assert view.frame_label.text() == f"frame 0 of {len(frames)}"
    assert rgb_of(view.image()) == frames[0][2]
    assert view.shown_frame is not None and view.shown_frame.pixels_sha256 == frames[0][1]


def test_frame_steps_with_keys_and_buttons_show_the_next_and_previous_pixels(
        qtbot: QtBot, view: VideoView,
        reference: dict[str, list[tuple[int, str, bytes]]]) -> None:
    frames = reference["cuts"]
    qtbot.keyClick(view, Qt.Key.Key_Period)
    wait_for_frame(qtbot, view, 1)
    assert rgb_of(view.image()) == frames[1][2] != frames[0][2]
    assert view.time_label.text() == "00:00:00.040"
    for _ in range(3):
        qtbot.keyClick(view, Qt.Key.Key_Period)
    wait_for_frame(qtbot, view, 4)
    assert rgb_of(view.image()) == frames[4][2]
    qtbot.keyClick(view, Qt.Key.Key_Comma)
    wait_for_frame(qtbot, view, 3)
    assert rgb_of(view.image()) == frames[3][2]
    qtbot.keyClick(view, Qt.Key.Key_End)
    wait_for_frame(qtbot, view, len(frames) - 1)
    assert rgb_of(view.image()) == frames[-1][2]
    assert view.frame_label.text() == f"frame {len(frames) - 1} of {len(frames)}"
    qtbot.keyClick(view, Qt.Key.Key_Period)  # past the end: stays on the last frame
    assert view.current_index == len(frames) - 1
    qtbot.keyClick(view, Qt.Key.Key_Home)
    wait_for_frame(qtbot, view, 0)
    view.forward_action.trigger()  # the button's action
    wait_for_frame(qtbot, view, 1)
    view.back_action.trigger()
    wait_for_frame(qtbot, view, 0)
    assert rgb_of(view.image()) == frames[0][2]


def test_scrubbing_to_a_time_shows_the_frame_on_screen_then(
        qtbot: QtBot, view: VideoView,
        reference: dict[str, list[tuple[int, str, bytes]]]) -> None:
    frames = reference["cuts"]
    view.show_time(2.5)  # 2.5 s at 25 fps: frame 62 is on screen from 2.48 s to 2.52 s
    wait_for_frame(qtbot, view, 62)
    assert view.time_label.text() == "00:00:02.480"
    assert rgb_of(view.image()) == frames[62][2]
    # Dragging the slider: a click on the groove goes to the frame under it.
    scrubber = view.scrubber
    x = scrubber.mark_x(80)
    qtbot.mouseClick(scrubber, Qt.MouseButton.LeftButton, pos=QPoint(x, scrubber.height() // 2))
    assert abs(view.current_index - 80) <= 1
    wait_for_frame(qtbot, view, view.current_index)
    assert rgb_of(view.image()) == frames[view.current_index][2]


def test_rapid_scrubbing_decodes_only_the_latest_frame_asked_for(
        qtbot: QtBot, view: VideoView,
        reference: dict[str, list[tuple[int, str, bytes]]]) -> None:
    frames = reference["cuts"]
    fetcher = view._fetcher
    assert fetcher is not None
    before = fetcher.decoded
    for index in range(len(frames)):  # a drag across the whole video, faster than decoding
        view.scrubber.setValue(index)
    wait_for_frame(qtbot, view, len(frames) - 1)
    assert fetcher.decoded - before < len(frames) // 2  # the frames passed were skipped
    assert rgb_of(view.image()) == frames[-1][2]


def keyframe_pts(path: Path) -> list[int]:
    """The keyframes' presentation times, read from the packets by plain PyAV."""
    with av.open(str(path)) as container:
        return sorted(p.pts for p in container.demux(video=0)
                      if p.is_keyframe and p.pts is not None)


def test_keyframes_are_marked_on_the_scrubber_where_the_stream_has_them(
        view: VideoView, clips: dict[str, Path],
        reference: dict[str, list[tuple[int, str, bytes]]]) -> None:
    all_pts = [pts for pts, _, _ in reference["cuts"]]
    expected = [all_pts.index(pts) for pts in keyframe_pts(clips["cuts"])]
    assert list(view.scrubber.keyframes) == expected
    assert len(expected) >= SECONDS * FPS // 12  # a keyframe every 12 frames at least
    image = view.scrubber.grab().toImage()
    band = view.scrubber.marks_rect()
    accent = QColor(theme.ACCENT)

    def marked(x: int) -> bool:
        return any(image.pixelColor(x, y) == accent
                   for y in range(band.top(), band.bottom() + 1))

    assert all(marked(view.scrubber.mark_x(index)) for index in expected)
    between = (view.scrubber.mark_x(expected[1]) + view.scrubber.mark_x(expected[2])) // 2
    assert not marked(between)
    # Each keyframe's time, as the table keeps it, is its packet's time.
    table = view.table
    assert table is not None
    assert table.keyframe_times() == [float(table.seconds(i)) for i in expected]


def test_the_filmstrip_shows_each_scene_and_a_click_goes_there(
        qtbot: QtBot, view: VideoView,
        reference: dict[str, list[tuple[int, str, bytes]]]) -> None:
    qtbot.waitUntil(lambda: not view.finding_scenes, timeout=WAIT_MS)
    starts = [second * FPS for second in range(SECONDS)]  # a cut at every whole second
    assert view.filmstrip.frame_indices() == starts
    assert [view.filmstrip.item(i).text() for i in range(view.filmstrip.count())] == [
        f"00:00:0{second}.000" for second in range(SECONDS)]
    assert view.scenes_label.text().startswith("4 scenes")
    item = view.filmstrip.item(2)
    rect = view.filmstrip.visualItemRect(item)
    qtbot.mouseClick(view.filmstrip.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    wait_for_frame(qtbot, view, starts[2])
    assert rgb_of(view.image()) == reference["cuts"][starts[2]][2]
    assert view.time_label.text() == "00:00:02.000"


def test_the_containers_claims_are_shown_as_plain_text(view: VideoView) -> None:
    panel = view.info_panel
    assert panel.fields["duration"].text().startswith("00:00:04.000")
    assert panel.fields["fps"].text() == "25 fps"
    assert panel.fields["frames"].text() == "100"
    assert panel.fields["size"].text() == "160 × 120"
    assert panel.fields["created"].text().startswith("2025-12-29 14:05:00+00:00")
    assert panel.fields["location"].text().startswith("49.710000, 37.600000")
    assert panel.fields["device"].text() == HOSTILE_MAKE  # literally, tags and all
    assert all(label.textFormat() == Qt.TextFormat.PlainText
               for label in panel.fields.values())
    assert panel.flags.textFormat() == Qt.TextFormat.PlainText
    assert "Re-encoded" in panel.text()  # FFmpeg wrote the test clip


def test_a_rotated_phone_clip_is_shown_upright(
        qtbot: QtBot, clips: dict[str, Path],
        reference: dict[str, list[tuple[int, str, bytes]]]) -> None:
    view = make_view(qtbot, scenes=False)
    with qtbot.waitSignal(view.frameShown, timeout=WAIT_MS):
        view.open_video(clips["phone"])
    assert view.info is not None
    rotation = view.info.info.rotation
    assert rotation in (90, 270)
    stored = Image.frombytes("RGB", (160, 120), reference["phone"][0][2])
    upright = stored.rotate(-rotation, expand=True)
    assert (view.image().width(), view.image().height()) == (120, 160)
    assert rgb_of(view.image()) == upright.tobytes()
    assert view.info_panel.fields["rotation"].text() == f"{rotation}°"


def test_an_unreadable_video_says_why_and_the_view_stays_usable(
        qtbot: QtBot, tmp_path: Path, clips: dict[str, Path]) -> None:
    whole = clips["cuts"].read_bytes()
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(whole[: len(whole) // 2])  # cut off before its moov
    view = make_view(qtbot)
    with qtbot.waitSignal(view.failed, timeout=WAIT_MS) as failed:
        view.open_video(broken)
    assert "moov" in failed.args[0]
    assert "cannot be played" in view.canvas.message and "moov" in view.canvas.message
    assert view.image().isNull()
    assert not view.forward_action.isEnabled() and not view.scrubber.isEnabled()
    qtbot.keyClick(view, Qt.Key.Key_Period)  # nothing to step: nothing happens
    with qtbot.waitSignal(view.failed, timeout=WAIT_MS) as crashed:
        view.open_video(crashing_opener)  # a decoder that dies on the file
    assert "crashed" in crashed.args[0]
    with qtbot.waitSignal(view.frameShown, timeout=WAIT_MS):
        view.open_video(clips["cuts"])  # the next video plays
    assert view.forward_action.isEnabled() and not view.canvas.message


def frames_of(path: Path) -> Callable[[FrameRequest, Control], Sequence[object]]:
    """A taker that takes the frames from the file in a video worker (what the window's
    taker does before storing each as a still), reporting each."""

    def take(request: FrameRequest, control: Control) -> list[int]:
        taken: list[int] = []
        for frame in take_frames_isolated(path, request, cancel=control.cancelled):
            taken.append(frame.frame_index)
            control.progress(len(taken), 0, frame.frame_index)
        control.check()
        return taken

    return take


def test_take_this_frame_takes_the_frame_on_screen(
        qtbot: QtBot, view: VideoView, clips: dict[str, Path]) -> None:
    assert not view.take_frame_action.isEnabled()  # no taker: nothing to take into
    view.set_taker(frames_of(clips["cuts"]))
    assert view.take_button.isEnabled()
    view.show_frame(37)
    wait_for_frame(qtbot, view, 37)
    with qtbot.waitSignal(view.framesTaken, timeout=WAIT_MS) as taken:
        qtbot.keyClick(view, Qt.Key.Key_T)
        assert view.taking and not view.take_button.isEnabled()  # one take at a time
    assert taken.args == [[37]]
    qtbot.waitUntil(lambda: not view.taking)
    assert view.take_button.isEnabled() and view.progress_row.isHidden()


def test_taking_many_shows_progress_and_cancel_stops_it(
        qtbot: QtBot, view: VideoView, clips: dict[str, Path]) -> None:
    view.set_taker(frames_of(clips["cuts"]))
    counts: list[int] = []
    job = view.take_frames(FrameRequest("every", every=0.04))  # all 100 frames
    assert job is not None
    assert view.progress_row.isVisibleTo(view)
    job.progressed.connect(lambda done, _total, _detail: counts.append(done))
    qtbot.waitUntil(lambda: bool(counts), timeout=WAIT_MS)
    assert view.progress_label.text().startswith("Taking frames…")
    with qtbot.waitSignal(job.cancelled, timeout=WAIT_MS):
        qtbot.mouseClick(view.cancel_button, Qt.MouseButton.LeftButton)
    assert max(counts) < SECONDS * FPS
    qtbot.waitUntil(lambda: not view.taking)
    assert view.progress_row.isHidden() and view.take_button.isEnabled()


def test_frame_time_lands_inside_the_frame() -> None:
    from desk.core.video_frames import FrameTable

    table = FrameTable(Fraction(1, 30000), tuple(range(0, 1001 * 90, 1001)), (0,), (0,))
    assert all(table.index_at(frame_time(table, i)) == i for i in range(table.frames))


def test_the_take_frames_dialog_reads_the_ways_and_the_times(qtbot: QtBot) -> None:
    assert parse_times("12.5, 01:02.5 00:01:02.480;3") == (12.5, 62.5, 62.48, 3.0)
    with pytest.raises(ValueError, match="“soon” is not a time"):
        parse_times("1, soon")
    dialog = TakeFramesDialog(60.0)
    qtbot.addWidget(dialog)
    dialog.every_s.setValue(5)
    assert dialog.request() == FrameRequest("every", every=5.0)
    dialog.keyframes.setChecked(True)
    assert dialog.request() == FrameRequest("keyframes")
    dialog.scenes.setChecked(True)
    assert dialog.request().mode == "scenes"
    qtbot.keyClicks(dialog.at_times, "1.5, 00:00:30.000")
    assert dialog.at.isChecked()
    assert dialog.request() == FrameRequest("at", times=(1.5, 30.0))
    dialog.at_times.setText("later")
    dialog.accept()
    assert dialog.result() == 0 and "not a time" in dialog.error.text()


def test_scenes_found_once_are_shown_at_once_when_the_video_comes_back(
        qtbot: QtBot, clips: dict[str, Path]) -> None:
    view = make_view(qtbot)
    with qtbot.waitSignal(view.opened, timeout=WAIT_MS):
        view.open_video(clips["cuts"], key="cuts")
    qtbot.waitUntil(lambda: not view.finding_scenes, timeout=WAIT_MS)
    found = view.filmstrip.frame_indices()
    with qtbot.waitSignal(view.opened, timeout=WAIT_MS):
        view.open_video(clips["phone"], key="phone")
    assert view.filmstrip.count() == 0 or view.finding_scenes  # the other video's own
    with qtbot.waitSignal(view.opened, timeout=WAIT_MS):
        view.open_video(clips["cuts"], key="cuts")
    assert not view.finding_scenes  # not looked for again
    assert view.filmstrip.frame_indices() == found == [0, 25, 50, 75]
    assert view.scenes_label.text() == "4 scenes"


def test_a_worker_that_hangs_never_holds_up_the_window(
        qtbot: QtBot, clips: dict[str, Path]) -> None:
    from PySide6.QtCore import QTimer

    from desk.core.video_isolation import VideoSession
    from tests.core.test_video_attacks import hanging_worker

    view = make_view(qtbot, session_factory=lambda source, table: VideoSession(
        source, table=table, timeout=2.0, target=hanging_worker))
    ticks: list[int] = []
    timer = QTimer(view)
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(50)
    with qtbot.waitSignal(view.failed, timeout=WAIT_MS) as failed:
        view.open_video(clips["cuts"])
        assert view.canvas.message == "Opening the video…"  # open_video returned at once
    assert "longer than 2 s" in failed.args[0]
    assert len(ticks) >= 10  # the event loop ran all along (2 s at 50 ms a tick)
    assert "cannot be played" in view.canvas.message


def test_shift_t_asks_how_and_takes_those_frames(
        qtbot: QtBot, view: VideoView, clips: dict[str, Path]) -> None:
    from PySide6.QtCore import QTimer

    view.set_taker(frames_of(clips["cuts"]))

    def answer() -> None:
        dialog = view.findChild(TakeFramesDialog)
        assert dialog is not None and dialog.isModal()
        dialog.keyframes.setChecked(True)
        dialog.accept()

    QTimer.singleShot(0, answer)
    with qtbot.waitSignal(view.framesTaken, timeout=WAIT_MS) as taken:
        qtbot.keyClick(view, Qt.Key.Key_T, Qt.KeyboardModifier.ShiftModifier)
    assert taken.args == [list(view.scrubber.keyframes)]
    qtbot.waitUntil(lambda: view.findChild(TakeFramesDialog) is None)  # not kept around
