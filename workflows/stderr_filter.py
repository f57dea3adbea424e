"""Keep decoder chatter off the terminal: C libraries' lines on fd 2 pass through a filter.

libsndfile decodes MP3 with a bundled libmpg123, which prints lines such as
`[src/libmpg123/layer3.c:INT123_do_layer3():1774] error: part2_3_length (1152) too large for
available bit count (1144)` straight to file descriptor 2 after a seek, on files that decode
fine (the bit reservoir of the first frame after a seek is missing, so that frame is skipped).
libsndfile offers no switch for it, and redirecting fd 2 around each read would also swallow
whatever another thread prints meanwhile. So, once per process, fd 2 becomes a pipe that a
thread reads: lines of the known chatter go to the log at DEBUG, one summary line per file
(the decoder marks the end of each file it read in the pipe: classifier/decoder_hook.py; with
several decoding threads, a line from one may be counted with another's file), everything
else is written on to the real stderr unchanged. Python's own `sys.stderr` (tqdm's bars,
the CLI's messages, tracebacks) writes to the real stderr directly, so it stays a terminal
when it is one.
"""

from __future__ import annotations

import atexit
import logging
import os
import re
import sys
import threading

from classifier import decoder_hook

log = logging.getLogger("decoder")

CHATTER = re.compile(
    rb"^\[[^\]]*libmpg123[^\]]*\] (error|warning|note): "  # libmpg123's own messages
    rb"|^Note: (Illegal Audio-MPEG-Header|Trying to resync|Hit end of \(available\) data)"
)

# The decoder's "done with this file" line in the pipe; no C library starts a line with RS.
MARK = b"\x1egenrelens decoded "
MAX_HELD = 1000  # lines held for a file whose end never comes (a decoder without the hook)

_installed: _Filter | None = None


def summary(chatter: list[bytes], path: str | None) -> str:
    """One log line for a file's decoder chatter: how many lines, the first and the last."""
    about = f" about {path}" if path else ""
    first, last = (line.decode("utf-8", "replace") for line in (chatter[0], chatter[-1]))
    if len(chatter) == 1:
        return f"decoder said 1 line{about}: {first}"
    return f"decoder said {len(chatter)} lines{about}, first: {first} … last: {last}"


class _Filter:
    """The pipe behind fd 2, the real stderr, and the thread between them."""

    def __init__(self) -> None:
        self.real = os.dup(2)
        read, write = os.pipe()
        os.dup2(write, 2)
        os.close(write)
        self.reader = os.fdopen(read, "rb", buffering=0)
        self.held: list[bytes] = []  # chatter since the last file's end (pump thread only)
        self.thread = threading.Thread(target=self._pump, name="stderr-filter", daemon=True)
        self.thread.start()

    def _pump(self) -> None:
        pending = b""
        while chunk := self.reader.read(65536):
            lines = (pending + chunk).split(b"\n")
            pending = lines.pop()  # an unfinished line waits for its end
            self._pass_on(lines)
        if pending:
            self._pass_on([pending])
        self._summarise(None)

    def _pass_on(self, lines: list[bytes]) -> None:
        kept: list[bytes] = []
        for line in lines:
            if line.startswith(MARK):
                self._summarise(os.fsdecode(line[len(MARK):]))
            elif CHATTER.match(line):
                self.held.append(line)
                if len(self.held) >= MAX_HELD:
                    self._summarise(None)
            else:
                kept.append(line)
        if kept:
            os.write(self.real, b"".join(line + b"\n" for line in kept))

    def _summarise(self, path: str | None) -> None:
        if self.held:
            log.debug("%s", summary(self.held, path))
            self.held = []

    def mark(self, path: str) -> None:
        """The decoder is done with `path` (any thread): its lines so far are about it."""
        os.write(2, MARK + os.fsencode(path) + b"\n")  # one write: whole in the pipe

    def close(self) -> None:
        """Give fd 2 back to the real stderr and pass on what is still in the pipe."""
        decoder_hook.after_read = None  # no marks on the real stderr
        os.dup2(self.real, 2)  # the last writer of the pipe closes: the thread reads its end
        self.thread.join(timeout=2)


def install() -> bool:
    """Filter fd 2 for the rest of the process (once); False where it cannot (no fd 2)."""
    global _installed
    if _installed is not None:
        return True
    try:
        os.fstat(2)
        _installed = _Filter()
    except OSError:
        return False
    encoding = getattr(sys.stderr, "encoding", None) or "utf-8"
    # line-buffered on the real stderr: progress bars and messages keep their order and isatty
    sys.stderr = open(os.dup(_installed.real), "w", buffering=1, encoding=encoding,  # noqa: SIM115
                      errors="backslashreplace")
    atexit.register(_installed.close)
    decoder_hook.after_read = _installed.mark
    return True
