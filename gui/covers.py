"""Cover art for the browser and the details pane: read from the files in a worker (a job
running workflows.albums.covers, one at a time), decoded here at the size shown, kept in an
LRU by file path. Nothing reads a file on the GUI thread."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence

from PySide6.QtCore import QBuffer, QByteArray, QObject, QSize, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QImageReader, QPixmap

from gui.workers import GeneratorWorker, Job, JobKind, JobRunner
from workflows import albums
from workflows.events import CoverRead, Event

COVERS = JobKind("covers", needs_model=False)
THUMB = 28  # the album list's icon size, in pixels: five albums in the lists' first height
LARGE = 160  # the details pane's cover: the player stays above the fold at 1024x640
KEEP = 1500  # covers kept decoded (two sizes each: ~12 MB at most)


def read_covers(paths: Sequence[str]) -> Job:
    """The covers embedded in these files, file by file."""
    return lambda ctx: albums.covers(paths, ctx.cancelled)


def decode(data: bytes, longest: int) -> QPixmap | None:
    """A picture scaled so its longer side is `longest` (JPEGs decode at that scale)."""
    buffer = QBuffer()
    buffer.setData(QByteArray(data))
    reader = QImageReader(buffer)
    size = reader.size()
    if size.isValid() and max(size.width(), size.height()) > longest:
        reader.setScaledSize(size.scaled(QSize(longest, longest),
                                         Qt.AspectRatioMode.KeepAspectRatio))
    image = reader.read()
    return None if image.isNull() else QPixmap.fromImage(image)


class CoverStore(QObject):
    """Thumbnails and large covers by file path; asks a worker for those not yet read."""

    cover_ready = Signal(str)  # a path whose cover (or lack of one) is now known

    def __init__(self, runner: JobRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self._covers: OrderedDict[str, tuple[QPixmap, QPixmap] | None] = OrderedDict()
        self._pending: dict[str, None] = {}  # asked for, in the order asked
        self._reading: set[str] = set()
        self._timer = QTimer(self, singleShot=True, interval=30)  # gathers a paint's asks
        self._timer.timeout.connect(self._read_pending)

    def known(self, path: str) -> bool:
        """Whether the file's cover (or its lack) is known."""
        return path in self._covers

    def thumbnail(self, path: str) -> QPixmap | None:
        """The file's small cover if read; asks for it otherwise (cover_ready follows)."""
        return self._get(path, 0)

    def large(self, path: str) -> QPixmap | None:
        """The file's cover at the details pane's size if read; asks for it otherwise."""
        return self._get(path, 1)

    def _get(self, path: str, size: int) -> QPixmap | None:
        if path in self._covers:
            self._covers.move_to_end(path)
            pair = self._covers[path]
            return None if pair is None else pair[size]
        if path not in self._reading:
            self._pending[path] = None
            self._timer.start()
        return None

    @Slot()
    def _read_pending(self) -> None:
        if self._reading or not self._pending:
            return  # one job at a time: the next starts when it ends
        paths = list(self._pending)[-200:]  # the latest asks: what is on screen now
        self._pending.clear()
        self._reading.update(paths)
        self.runner.start(COVERS, read_covers(paths), on_start=self._wire)

    def _wire(self, worker: GeneratorWorker) -> None:
        worker.batch.connect(self._on_batch, Qt.ConnectionType.QueuedConnection)
        worker.finished.connect(self._on_finished, Qt.ConnectionType.QueuedConnection)

    @Slot(list)
    def _on_batch(self, items: list[Event]) -> None:
        for item in items:
            if isinstance(item, CoverRead):
                self._reading.discard(item.path)
                self._keep(item.path, item.cover.data if item.cover else None)
                self.cover_ready.emit(item.path)

    def _keep(self, path: str, data: bytes | None) -> None:
        large = decode(data, LARGE) if data else None
        self._covers[path] = None if large is None else (
            large.scaled(THUMB, THUMB, Qt.AspectRatioMode.KeepAspectRatio,
                         Qt.TransformationMode.SmoothTransformation), large)
        while len(self._covers) > KEEP:
            self._covers.popitem(last=False)

    @Slot(object)
    def _on_finished(self, _outcome: object) -> None:
        self._reading.clear()  # a cancelled job's unread paths may be asked for again
        if self._pending:
            self._timer.start()
