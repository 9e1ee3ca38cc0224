"""The output folder: checked before an audit runs, locked while rai-audit writes into it.

:func:`prepare_folder` finds the problems of an output path (a file, a path under a
file, a folder that cannot be written, a full disk) before any work is done, so that
a long audit is never lost to a bad ``--out``. :func:`folder_lock` is an advisory,
exclusive lock (``flock``) on the folder itself: one writer at a time, and a second
one fails at once instead of mixing its files with the first one's. The kernel drops
the lock when its process dies (even by ``kill -9``), so a lock is never stale, and
locking the folder's own descriptor leaves no lock file behind.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from audit.errors import AuditInputError, bad_input

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no advisory locks, one writer assumed
    fcntl = None  # type: ignore[assignment]

__all__ = [
    "MIN_FREE_BYTES",
    "PROBE_PREFIX",
    "FolderLockedError",
    "folder_lock",
    "prepare_folder",
    "remove_empty_folders",
]

#: Below this many free bytes an output folder is refused before the audit runs.
MIN_FREE_BYTES = 1 << 20
#: Prefix of the empty file that proves a folder writable (removed at once).
PROBE_PREFIX = ".rai-audit-probe-"
#: What a locked folder was expected to be, in the error message.
LOCKED_EXPECTED = "a folder that no other rai-audit process is writing to"


class FolderLockedError(AuditInputError):
    """Another process (or thread) holds the lock of the output folder."""


@dataclass
class _Held:
    descriptor: int
    thread: int
    count: int


_held: dict[tuple[int, int], _Held] = {}
_held_guard = threading.Lock()


@contextlib.contextmanager
def folder_lock(folder: str | Path, *, argument: str = "out_dir") -> Iterator[Path]:
    """Hold the exclusive writer's lock of an existing ``folder``; fail at once if taken.

    The lock is re-entrant within one thread (the CLI takes it before the audit and
    the writer takes it again), and exclusive between processes and threads.

    Parameters
    ----------
    folder : str or Path
        An existing folder.
    argument : str, default "out_dir"
        The argument's name in the error message.

    Yields
    ------
    Path
        ``folder``.

    Raises
    ------
    FolderLockedError
        When another process or thread holds the lock.

    Examples
    --------
    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> with folder_lock(folder):
    ...     with folder_lock(folder):  # the same thread may take it again
    ...         pass
    """
    path = Path(folder)
    if fcntl is None:  # no advisory locks on this platform: one writer is assumed
        yield path
        return
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    status = os.fstat(descriptor)
    key = (status.st_dev, status.st_ino)
    with _held_guard:
        held = _held.get(key)
        if held is not None and held.thread == threading.get_ident():
            held.count += 1
            os.close(descriptor)
        else:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as error:
                os.close(descriptor)
                if error.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                    raise
                raise FolderLockedError(
                    str(
                        bad_input(
                            argument,
                            LOCKED_EXPECTED,
                            f"{str(path)!r}, which another one is writing now (wait for it, "
                            "or choose another folder)",
                        )
                    )
                ) from None
            held = _held[key] = _Held(descriptor, threading.get_ident(), 1)
    try:
        yield path
    finally:
        with _held_guard:
            held.count -= 1
            if held.count == 0:
                del _held[key]
                os.close(held.descriptor)  # closing the descriptor releases the flock


def _nearest_existing(path: Path) -> Path:
    """``path`` or its closest ancestor that exists."""
    for candidate in (path, *path.parents):
        if candidate.exists() or candidate.is_symlink():
            return candidate
    return Path(path.anchor or ".")


def _problem(path: Path) -> str | None:
    """Why ``path`` cannot be (or become) an output folder, or ``None``."""
    if path.is_symlink() and not path.exists():
        return f"{str(path)!r}, a link to nothing"
    if path.exists():
        return None if path.is_dir() else f"{str(path)!r}, which is a file"
    existing = _nearest_existing(path.parent)
    if not existing.is_dir():
        return f"{str(path)!r}, which is under the file {str(existing)!r}"
    return None


def prepare_folder(path: str | Path, *, argument: str = "--out") -> Path | None:
    """Make sure ``path`` is a folder rai-audit can write; create it when missing.

    Checks, in this order: not a file, not under a file, creatable, writable (an empty
    probe file is created and removed) and at least :data:`MIN_FREE_BYTES` free.

    Parameters
    ----------
    path : str or Path
        The output folder.
    argument : str, default "--out"
        The argument's name in the error message.

    Returns
    -------
    Path or None
        The topmost folder this call created (for :func:`remove_empty_folders`), or
        ``None`` when ``path`` existed.

    Raises
    ------
    AuditInputError
        One line naming ``argument``, what was expected and what came.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> base = pathlib.Path(tempfile.mkdtemp())
    >>> prepare_folder(base / "a" / "b") == base / "a"
    True
    >>> _ = (base / "file").write_text("x")
    >>> try:
    ...     prepare_folder(base / "file" / "out")
    ... except ValueError as error:
    ...     print(str(error).replace(str(base), "BASE"))
    --out: expected a folder, got 'BASE/file/out', which is under the file 'BASE/file'.
    """
    path = Path(path)
    problem = _problem(path)
    if problem is not None:
        raise bad_input(argument, "a folder", problem)
    created = None
    if not path.exists():
        existing = _nearest_existing(path.parent)
        try:
            path.mkdir(parents=True)
        except OSError as error:
            raise bad_input(
                argument, "a folder that can be created", f"{str(path)!r}: {_reason(error)}"
            ) from None
        created = next(p for p in (path, *path.parents) if p.parent == existing)
    try:
        _probe(path, argument)
    except AuditInputError:
        remove_empty_folders(path, created)
        raise
    return created


def _probe(path: Path, argument: str) -> None:
    """Create and remove an empty file in ``path``; check the free space."""
    try:
        handle, name = tempfile.mkstemp(dir=path, prefix=PROBE_PREFIX, suffix=".tmp")
        os.close(handle)
        Path(name).unlink(missing_ok=True)
    except OSError as error:
        raise bad_input(argument, "a writable folder", f"{str(path)!r}: {_reason(error)}") from None
    if hasattr(os, "statvfs"):
        stats = os.statvfs(path)
        free = stats.f_bavail * stats.f_frsize
        if free < MIN_FREE_BYTES:
            raise bad_input(
                argument,
                f"a folder on a disk with at least {MIN_FREE_BYTES // (1 << 20)} MiB free",
                f"{str(path)!r}, with {free:,} bytes free",
            )


def _reason(error: OSError) -> str:
    """An OSError in words, without the path it repeats."""
    return error.strerror or type(error).__name__


def remove_empty_folders(path: str | Path, created: Path | None) -> None:
    """Remove ``path`` and its parents up to ``created`` while they are empty.

    Undoes :func:`prepare_folder` after a command that wrote nothing; a folder that
    holds anything is kept.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> base = pathlib.Path(tempfile.mkdtemp())
    >>> created = prepare_folder(base / "a" / "b")
    >>> remove_empty_folders(base / "a" / "b", created)
    >>> (base / "a").exists()
    False
    """
    if created is None:
        return
    path, created = Path(path), Path(created)
    for folder in (path, *path.parents):
        try:
            folder.rmdir()
        except OSError:
            return
        if folder == created:
            return
