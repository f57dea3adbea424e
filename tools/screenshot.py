"""Render the main window with a populated library to docs/screenshot.png (offscreen).

    python tools/screenshot.py [--out docs/screenshot.png] [--tracks 2400]

The library is generated (tools/demo_library.py); the selected track points at a real clip of
../shared/data so the details pane shows a real mel spectrogram.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from PySide6.QtCore import QItemSelectionModel, QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402
from sqlalchemy import update  # noqa: E402

from library.db import create_db_engine  # noqa: E402
from library.models import Prediction, Track  # noqa: E402
from tools.demo_library import populate  # noqa: E402

DATA = Path(os.environ.get("GENRELENS_TEST_DATA", REPO.parent / "shared" / "data"))
AUDIO = DATA / "gtzan-mini" / "jazz" / "jazz.00002.flac"


def _feature_real_track(db_path: Path, track_id: int, audio: Path) -> None:
    """Point one generated track at a real file, with a plausible per-clip prediction."""
    import soundfile

    duration = soundfile.info(str(audio)).duration
    engine = create_db_engine(db_path)
    with engine.begin() as conn:
        conn.execute(update(Track).where(Track.id == track_id).values(
            path=str(audio), title="So Blue It Hurts", artist="Midnight Owls",
            album="Quiet Avenue", duration=duration, sample_rate=22050, channels=1,
            genres=["Jazz"], status="ok", error=None))
        clips = [[0.05, 0.71, 0.04, 0.02, 0.01, 0.03, 0.0, 0.12, 0.0, 0.0, 0.01, 0.01]] * 6
        clips[2] = [0.04, 0.31, 0.03, 0.02, 0.01, 0.03, 0.0, 0.52, 0.0, 0.0, 0.03, 0.01]
        probs = {"rock": 0.05, "jazz": 0.64, "classical": 0.04, "hiphop": 0.02,
                 "electronic": 0.01, "pop": 0.03, "metal": 0.0, "blues": 0.19, "country": 0.0,
                 "reggae": 0.0, "folk": 0.01, "disco": 0.01}
        conn.execute(update(Prediction).where(Prediction.track_id == track_id).values(
            probabilities=probs, top_genres=["jazz"], confidence=0.64, uncertain=False,
            clip_probabilities=clips, clip_starts=[i * duration / 6 for i in range(6)],
            track_size=5_000_000 + track_id,
            track_mtime_ns=1_700_000_000_000_000_000 + track_id))
    engine.dispose()


def _wait(app: QApplication, done: object, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not done():  # type: ignore[operator]
        app.processEvents()
        time.sleep(0.01)


def main() -> int:
    """Build the library, show the window, select a track, save the picture."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshot.png")
    parser.add_argument("--tracks", type=int, default=2400)
    parser.add_argument("--audio", type=Path, default=AUDIO, help="a real clip for the details")
    args = parser.parse_args()
    from gui.main_window import MainWindow
    from gui.settings import AppSettings
    from gui.theme import apply_theme

    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "library.sqlite3"
        populate(db_path, args.tracks, seed=3)
        featured = 40
        _feature_real_track(db_path, featured, args.audio)
        app = QApplication.instance() or QApplication(sys.argv[:1])
        apply_theme(app)  # type: ignore[arg-type]
        settings = AppSettings(QSettings(str(Path(tmp) / "s.ini"), QSettings.Format.IniFormat))
        window = MainWindow(db_path, settings, rescan_on_start=False)
        window.resize(1440, 860)
        window.show()
        _wait(app, lambda: window.table.rowCount() == args.tracks and not window.runner.running(), 60)
        _wait(app, lambda: False, 0.3)  # let the sidebar refresh
        row = window.proxy.mapFromSource(window.table.index(window.table.row_of(featured), 0)).row()
        window.track_view.selectRow(row)
        window.track_view.selectionModel().select(
            window.proxy.index(row + 2, 0),
            QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows)
        window.track_view.scrollTo(window.proxy.index(max(row - 8, 0), 0))
        _wait(app, lambda: window.details.mel.pixmap() is not None
              and not window.details.mel.pixmap().isNull(), 30)
        _wait(app, lambda: False, 0.3)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        window.grab().save(str(args.out))
        window.close()
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
