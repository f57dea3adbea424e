"""File-level steps of a safe tag write: a private working copy, its metadata, the swap.

The working copy is `.gl-<pid>-<n>.tmp` in the file's own folder: created with O_EXCL (two
processes, or two threads, can never share one), short whatever the original's name (a
250-byte name would otherwise overflow NAME_MAX), and without an audio extension, so a scan
never picks a leftover up. The copy gets the original's mode, owner, extended attributes
(ACLs and SELinux labels are xattrs too) and, when asked to, its mtime, before it
replaces the original atomically.
"""

from __future__ import annotations

import contextlib
import errno
import itertools
import os
import re
import shutil
import stat
from collections.abc import Callable, Sequence

TEMP_PREFIX = ".gl-"
TEMP_SUFFIX = ".tmp"
_OLD_SUFFIX = ".genrelens-tmp"  # what versions before 2026-11 named their working copies
_TEMP_NAME = re.compile(r"^\.gl-(\d+)-\d+\.tmp$")
_counter = itertools.count()

_ERRNO_WORDS = {
    errno.ENOSPC: "disk full", errno.EDQUOT: "disk quota exceeded",
    errno.EROFS: "read-only file system", errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted", errno.ENOENT: "file no longer exists",
    errno.ETXTBSY: "file is busy", errno.EBUSY: "file is busy",
    errno.ENAMETOOLONG: "file name too long for this file system",
    errno.EIO: "input/output error (the disk may be failing)",
}


class Skip(Exception):
    """A file left alone on purpose; the message says why."""


class Refused(Exception):
    """A file that cannot be written as it is (read-only, hard links): a per-file error."""


def describe_os_error(exc: OSError) -> str:
    """A short, readable reason for an OSError."""
    return _ERRNO_WORDS.get(exc.errno or 0, exc.strerror or str(exc))


def fsync_path(path: str, flags: int = os.O_RDONLY) -> None:
    """fsync a file or folder by path."""
    fd = os.open(path, flags)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def create_temp(folder: str) -> tuple[str, int]:
    """A new, empty working copy in `folder` that no one else can have: (path, open fd)."""
    while True:
        path = os.path.join(folder, f"{TEMP_PREFIX}{os.getpid()}-{next(_counter)}{TEMP_SUFFIX}")
        try:
            return path, os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            continue  # left by a process that had our pid before; the next number is free


def copy_to_temp(path: str, write: Callable[[int], None] | None = None) -> str:
    """A private copy of `path` (or what `write(fd)` puts there) beside it; the caller syncs
    it once its metadata is set too."""
    temp, fd = create_temp(os.path.dirname(path))
    try:
        if write is None:
            with open(path, "rb") as source, os.fdopen(os.dup(fd), "wb") as target:
                shutil.copyfileobj(source, target, 1 << 20)
        else:
            write(fd)
    except BaseException:
        os.close(fd)
        discard(temp)
        raise
    os.close(fd)
    return temp


def discard(temp: str | None) -> None:
    """Remove a working copy; never raises (a read-only folder could not hold one anyway)."""
    if temp is None:
        return
    with contextlib.suppress(OSError):
        os.unlink(temp)


def copy_xattrs(source: str, target: str) -> None:
    """Give `target` every extended attribute of `source`; Refused when one cannot be kept."""
    if not hasattr(os, "listxattr"):
        return  # no xattr API on this platform (macOS keeps them on rename differently)
    try:
        names = os.listxattr(source)
    except OSError as exc:
        if exc.errno in (errno.ENOTSUP, errno.EOPNOTSUPP):
            return  # a file system without xattrs: there is nothing to lose
        raise
    for name in names:
        try:
            os.setxattr(target, name, os.getxattr(source, name))
        except OSError as exc:
            raise Refused(f"cannot keep the extended attribute {name} "
                          f"({describe_os_error(exc)}); file left untouched") from exc


def keep_metadata(source: str, target: str, before: os.stat_result,
                  mtime_ns: int | None) -> None:
    """Mode, owner, xattrs of `source` on `target`; its mtime set to `mtime_ns` unless None."""
    os.chmod(target, stat.S_IMODE(before.st_mode))
    if hasattr(os, "chown"):
        with contextlib.suppress(PermissionError):  # only root may give a file away
            os.chown(target, before.st_uid, before.st_gid)
    copy_xattrs(source, target)
    if mtime_ns is not None:
        os.utime(target, ns=(before.st_atime_ns, mtime_ns))


def same_file(before: os.stat_result, now: os.stat_result) -> bool:
    """True when nothing suggests the file changed between the two stats."""
    return (before.st_size, before.st_mtime_ns, before.st_ino, before.st_ctime_ns) == (
        now.st_size, now.st_mtime_ns, now.st_ino, now.st_ctime_ns)


def commit_copy(temp: str, path: str, before: os.stat_result) -> os.stat_result:
    """Replace `path` by `temp` atomically unless the original changed meanwhile."""
    try:
        now = os.stat(path)
    except FileNotFoundError:
        raise Skip("file vanished while writing") from None
    if not same_file(before, now):
        raise Skip("file changed on disk while writing; left untouched")
    os.replace(temp, path)
    return os.stat(path)  # the folder is synced once per batch (sync_folders)


def sync_folders(paths: Sequence[str]) -> None:
    """fsync the folders of the files replaced, so the renames outlive a power cut."""
    for folder in {os.path.dirname(p) for p in paths}:
        with contextlib.suppress(OSError):  # some file systems refuse to sync a folder;
            fsync_path(folder)  # the rename happened anyway


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _stale(name: str) -> bool:
    if name.startswith(".") and name.endswith(_OLD_SUFFIX):
        return True
    match = _TEMP_NAME.match(name)
    if match is None:
        return False
    pid = int(match.group(1))
    return pid != os.getpid() and not _pid_alive(pid)


def clean_stale_temps(paths: Sequence[str]) -> None:
    """Remove working copies that dead processes left in the folders of `paths`."""
    for folder in {os.path.dirname(os.path.realpath(p)) for p in paths}:
        try:
            names = [n for n in os.listdir(folder) if _stale(n)]
        except OSError:
            continue  # an unlistable folder: its files will report their own errors
        for name in names:
            discard(os.path.join(folder, name))
