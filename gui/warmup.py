"""The model libraries come up after the window shows, on a worker thread, without GUI stalls.

The window shows the library first; then `start()` imports what the workers need (torch and
the classifier, the scanner, the tag writer) on a thread of its own. Jobs wait for it
(gui/workers.py) instead of importing those modules themselves, which froze the GUI for up to
0.6 s. Three things keep the GUI thread's event loop running meanwhile (bench/startup.py; the
figures and the designs measured against this one are in docs/app.md):

- libtorch's C++ libraries are mapped through libc's dlopen called via ctypes, which releases
  the interpreter lock; Python's own dlopen (`import torch._C`) holds it for the 170-190 ms
  libtorch_cpu's static constructors take, and the GUI froze that long.
- the garbage collector is off while the modules load: their ~220,000 objects set off full
  collections that walk every object with the lock held (70-170 ms each); at the end they are
  frozen (`gc.freeze()`), out of the sight of later full collections for good.
- everything else an import does is Python bytecode, which hands the lock over every 5 ms.
"""

from __future__ import annotations

import ctypes
import gc
import importlib
import importlib.util
import logging
import os
import threading
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from gui.interpreter import collector_paused

log = logging.getLogger(__name__)

# What the workers import: scan, classify, tag writing and the details pane's spectrogram.
WORKER_MODULES = ("workflows.classify", "classifier.bundle", "classifier.features",
                  "gui.colormap", "library.scanner", "library.tagwriter", "library.tag_history")
# torch._C's C++ dependencies, each after the ones it needs (libtorch_cpu: the 170-190 ms).
TORCH_LIBRARIES = ("libc10.so", "libtorch_cpu.so", "libtorch.so")


class _Notifier(QObject):
    ready = Signal()


_expected = threading.Event()  # the app will warm up: jobs wait rather than import
_started = threading.Event()
_ready = threading.Event()
notifier = _Notifier()  # .ready is emitted once the modules are in (from the warm-up thread)


def preload_torch_libraries() -> None:
    """Map libtorch's shared libraries with the interpreter lock released (see the module
    docstring); the later `import torch` finds them loaded. Does nothing where it cannot."""
    spec = importlib.util.find_spec("torch")  # a top-level package: torch is not imported
    if spec is None or spec.origin is None or os.name != "posix":
        return
    try:
        dlopen = ctypes.CDLL(None).dlopen  # a CDLL call releases the lock; PyDLL would not
    except (OSError, AttributeError):
        return
    dlopen.restype = ctypes.c_void_p
    dlopen.argtypes = (ctypes.c_char_p, ctypes.c_int)
    for name in TORCH_LIBRARIES:
        path = Path(spec.origin).parent / "lib" / name
        if path.exists():  # the flags of Python's own import; the handle stays open, as torch's
            dlopen(os.fsencode(path), os.RTLD_NOW | os.RTLD_LOCAL)


def load_worker_modules() -> None:
    """Import everything the scan, classify, tag and spectrogram workers need, on this thread,
    with no full garbage collection meanwhile, then freeze the objects made so far."""
    with collector_paused():
        try:
            preload_torch_libraries()
            for name in WORKER_MODULES:
                importlib.import_module(name)
        finally:
            # Those objects live as long as the app: frozen, a full collection (which any
            # thread's allocations can trigger, lock held) walks only what came later.
            gc.freeze()


def expect() -> None:
    """Say that start() will be called: from now on, jobs wait for it."""
    _expected.set()


def start() -> None:
    """Load the worker modules on a thread of their own (once); `notifier.ready` says when
    they are in."""
    expect()
    if _started.is_set():
        return
    _started.set()
    threading.Thread(target=_warm_up, name="genrelens-warm-up", daemon=True).start()


def _warm_up() -> None:
    try:
        load_worker_modules()
    except Exception:  # a job importing the same module will fail and say so in words
        log.exception("loading the model libraries failed")
    _ready.set()
    notifier.ready.emit()


def is_ready() -> bool:
    """Whether the worker modules are loaded (or no warm-up was announced)."""
    return _ready.is_set() or not _expected.is_set()


def wait(cancel: threading.Event | None = None) -> None:
    """Block until the announced warm-up is done or `cancel` is set; at once if none was
    announced (tests, tools): their jobs import what they need themselves."""
    if not _expected.is_set():
        return
    while not _ready.wait(0.1):  # a cancel (Esc) must not wait for the model libraries
        if cancel is not None and cancel.is_set():
            return
