"""Render the main window with a real library to docs/screenshot.png (offscreen).

    python tools/screenshot.py [--out docs/screenshot.png] [--tracks 2400]

The real part: a tmp copy of ../shared/data's audio (GTZAN excerpts, Creative Commons music
and speech), scanned by the scanner and classified by the default bundle, as the app does.
Generated rows (tools/demo_library.py) add volume behind it; the selected track is real.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from classifier.bundle import DEFAULT_BUNDLE, load_bundle  # noqa: E402  (torch before Qt)
from PySide6.QtCore import QItemSelectionModel, QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from library import folders  # noqa: E402
from library.db import create_db_engine, session_factory  # noqa: E402
from library.predictions import tracks_needing_prediction  # noqa: E402
from library.repository import get_track_by_path  # noqa: E402
from library.scanner import scan  # noqa: E402
from tools.demo_library import populate  # noqa: E402
from workflows.classify import classify_tracks  # noqa: E402

DATA = Path(os.environ.get("GENRELENS_TEST_DATA", REPO.parent / "shared" / "data"))
FEATURED = Path("gtzan-mini") / "jazz" / "jazz.00002.flac"


def real_library(db_path: Path, music: Path, clips: int) -> int:
    """Copy the shared audio to `music`, scan and classify it; returns the featured track id."""
    shutil.copytree(DATA / "gtzan-mini", music / "gtzan-mini")
    shutil.copytree(DATA / "cc-music", music / "cc-music",
                    ignore=shutil.ignore_patterns("*.txt"))
    sessions = session_factory(create_db_engine(db_path))
    with sessions() as session:
        folder = folders.add_folder(session, str(music))
    for _ in scan(sessions, [folder]):
        pass
    bundle = load_bundle(DEFAULT_BUNDLE)
    with sessions() as session:
        todo = tracks_needing_prediction(session, bundle.name, str(bundle.version), [music])
    start = time.monotonic()
    outcome = classify_tracks(sessions, todo, bundle, device="cpu", clips=clips)
    print(f"classified {outcome.stored} of {len(todo)} real tracks with {bundle.name} "
          f"({clips} clips) in {time.monotonic() - start:.0f} s")
    with sessions() as session:
        featured = get_track_by_path(session, str(music / FEATURED))
    assert featured is not None
    return featured.id


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
    parser.add_argument("--clips", type=int, default=5, help="clips per real track")
    args = parser.parse_args()
    from gui.main_window import MainWindow
    from gui.settings import AppSettings
    from gui.theme import apply_theme

    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "library.sqlite3"
        populate(db_path, args.tracks, seed=3)
        featured = real_library(db_path, Path(tmp) / "Music", args.clips)
        app = QApplication.instance() or QApplication(sys.argv[:1])
        apply_theme(app)  # type: ignore[arg-type]
        settings = AppSettings(QSettings(str(Path(tmp) / "s.ini"), QSettings.Format.IniFormat))
        window = MainWindow(db_path, settings, rescan_on_start=False)
        window.resize(1440, 860)
        window.show()
        _wait(app, lambda: window.table.rowCount() > args.tracks and not window.runner.running(), 60)
        _wait(app, lambda: False, 0.3)  # let the sidebar refresh
        row = window.proxy.row_of(featured) or 0
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
