"""Atomic writes: one file, or a whole set of output files as one unit.

One file (:func:`atomic_write_text`) is written to a temporary file beside it and
renamed over it: a reader sees the old file or the whole new one, never half.

An output set (:func:`output_set`: ``report.html``, ``results.json``, ``report.pdf``,
``comparison.json``) is written so that a reader sees the old complete set or the new
complete set, never a mix of two audits:

1. The writer takes the folder's lock (:func:`~audit.report._folder.folder_lock`; a
   second writer fails at once) and finishes or removes what a killed writer left.
2. Every file is written into ``<out>/.rai-audit-staging-XXXX/`` (same filesystem) and
   flushed to disk; a failure here (full disk, a rendering error, SIGTERM) removes the
   staging folder and leaves the old set as it was.
3. The manifest ``outputs.json`` (each file's SHA-256 and size) is written last into the
   staging folder, atomically: from then on the new set is *committed*.
4. Each file is renamed into ``<out>``, files of the old set that the new one lacks are
   removed, and ``outputs.json`` is renamed last. SIGTERM and Ctrl-C wait until these
   renames (a few milliseconds, with step 3) are done.

Readers check a folder with :func:`check_outputs`: every file ``outputs.json`` lists
must be there with its hash. Only ``kill -9`` (or a power cut) during step 4 can leave
files of two sets side by side; ``check_outputs`` refuses such a folder, and the next
writer into it rolls the committed set forward from its staging folder (step 1).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from audit.errors import bad_input
from audit.report._atomic import atomic_target, atomic_write_text, write_file
from audit.report._folder import PROBE_PREFIX, folder_lock

__all__ = [
    "MANIFEST",
    "OUTPUT_NAMES",
    "StagedOutputs",
    "atomic_target",
    "atomic_write_text",
    "check_outputs",
    "output_set",
    "recover_outputs",
]

#: The manifest of an output set: each file's SHA-256 and size; written last.
MANIFEST = "outputs.json"
#: Files rai-audit writes into an output folder (their ``.NAME.*.tmp`` are its temporaries).
OUTPUT_NAMES = (
    "report.html", "results.json", "report.pdf", "comparison.json", MANIFEST, "crash.log"
)  # fmt: skip
STAGING_PREFIX = ".rai-audit-staging-"
#: The commit marker of a set staged without a manifest to publish (``manifest=False``).
_COMMIT = ".commit.json"
_FORMAT = "rai-audit outputs"


def _fsync_folder(folder: Path) -> None:
    """Flush a folder's entries (renames) to disk, where the platform allows it."""
    with contextlib.suppress(OSError):
        descriptor = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def _plain_name(name: object) -> bool:
    """Whether ``name`` is a plain file name (no folder, not hidden): safe to join."""
    return (
        isinstance(name, str)
        and bool(name)
        and not name.startswith(".")
        and "/" not in name
        and "\\" not in name
    )


@dataclass(frozen=True)
class StagedOutputs:
    """The staging folder of an output set being written; see :func:`output_set`.

    Attributes
    ----------
    folder : Path
        The staging folder, inside ``target``; write the outputs here.
    target : Path
        The output folder the set goes to when the ``with`` block ends without error.
    """

    folder: Path
    target: Path

    def path(self, name: str) -> Path:
        """The staging path of output ``name`` (a plain file name), e.g. for a PDF engine."""
        if not _plain_name(name) or name in (MANIFEST, _COMMIT):
            raise bad_input("name", "a plain file name other than outputs.json", repr(name))
        return self.folder / name

    def write_text(self, name: str, text: str) -> Path:
        """Write ``text`` (UTF-8) as output ``name``, flushed to disk; return its staging path."""
        path = self.path(name)
        write_file(path, text.encode("utf-8"))
        return path


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _manifest_of(folder: Path) -> dict[str, Any]:
    """The manifest of the files staged in ``folder`` (plain names only)."""
    files = {
        entry.name: {"sha256": _sha256(entry), "bytes": entry.stat().st_size}
        for entry in sorted(folder.iterdir())
        if entry.is_file() and _plain_name(entry.name)
    }
    return {
        "format": _FORMAT,
        "version": 1,
        "written_at": datetime.now(timezone.utc).isoformat(timespec="microseconds"),
        "files": files,
    }


def _read_json(path: Path) -> dict[str, Any] | None:
    """A manifest or commit marker, or ``None`` when missing or not one."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("format") != _FORMAT:
        return None
    if not isinstance(data.get("files"), dict):
        return None
    return data


@contextlib.contextmanager
def output_set(out_dir: str | Path, *, manifest: bool = True) -> Iterator[StagedOutputs]:
    """Write a set of output files into ``out_dir`` as one unit.

    Write each file into the yielded :class:`StagedOutputs`; when the ``with`` block
    ends without error, the set replaces the folder's previous set as described in the
    module's docstring. On an error (or SIGTERM) nothing in ``out_dir`` changes and
    the staging folder is removed.

    Parameters
    ----------
    out_dir : str or Path
        The output folder; created when missing.
    manifest : bool, default True
        Also publish ``outputs.json``, with which readers check the set
        (:func:`check_outputs`); without it an old ``outputs.json`` is removed.

    Yields
    ------
    StagedOutputs

    Raises
    ------
    FolderLockedError
        When another writer holds the folder's lock.
    OSError
        When a file cannot be written (full disk, read-only folder); the old set is
        left as it was.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> out = pathlib.Path(tempfile.mkdtemp())
    >>> with output_set(out) as staged:
    ...     _ = staged.write_text("report.html", "<p>new</p>")
    ...     _ = staged.write_text("results.json", "{}")
    >>> sorted(p.name for p in out.iterdir())
    ['outputs.json', 'report.html', 'results.json']
    >>> check_outputs(out)
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with folder_lock(out):
        recover_outputs(out)
        staging = Path(tempfile.mkdtemp(dir=out, prefix=STAGING_PREFIX))
        try:
            yield StagedOutputs(staging, out)
            marker = staging / (MANIFEST if manifest else _COMMIT)
            text = json.dumps(_manifest_of(staging), indent=2)
            with _signals_held():  # a SIGTERM from here on waits for the new set
                with atomic_target(marker) as temporary:  # the commit point
                    write_file(temporary, text.encode("utf-8"))
                _fsync_folder(staging)
                _publish(staging, out)
        finally:
            if staging.exists() and _committed(staging) is None:
                shutil.rmtree(staging, ignore_errors=True)


def _committed(staging: Path) -> dict[str, Any] | None:
    """The commit marker of a staging folder, or ``None`` when it was not committed."""
    return _read_json(staging / MANIFEST) or _read_json(staging / _COMMIT)


def _publish(staging: Path, out: Path) -> None:
    """Move a committed set into ``out``, manifest last; safe to run again after a kill."""
    marker = _committed(staging)
    if marker is None:
        return
    names = [name for name in marker["files"] if _plain_name(name)]
    for name in names:
        if (staging / name).exists():
            os.replace(staging / name, out / name)
    old = _read_json(out / MANIFEST)
    for name in old["files"] if old else ():
        if _plain_name(name) and name not in names:
            (out / name).unlink(missing_ok=True)
    if (staging / MANIFEST).exists():
        os.replace(staging / MANIFEST, out / MANIFEST)
    else:
        (out / MANIFEST).unlink(missing_ok=True)
    _fsync_folder(out)
    shutil.rmtree(staging, ignore_errors=True)


def _is_temporary(entry: Path) -> bool:
    """A staging folder or temporary file of rai-audit in an output folder."""
    name = entry.name
    if name.startswith(STAGING_PREFIX):
        return True
    if name.startswith(PROBE_PREFIX) and name.endswith(".tmp"):
        return True
    return name.endswith(".tmp") and any(name.startswith(f".{o}.") for o in OUTPUT_NAMES)


def recover_outputs(out_dir: str | Path) -> list[str]:
    """Finish or remove what a killed writer left in ``out_dir``; return what was done.

    Takes the folder's lock, so no live writer's files are touched. A committed
    staging folder is rolled forward (its set goes into place); an uncommitted one and
    stale temporary files (``.report.html.XXXX.tmp``) are removed.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> out = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (out / ".results.json.k2j4.tmp").write_text("half")
    >>> recover_outputs(out)
    ['removed .results.json.k2j4.tmp']
    """
    out = Path(out_dir)
    done: list[str] = []
    if not out.is_dir():
        return done
    with folder_lock(out):
        committed = []
        for entry in sorted(out.iterdir()):
            if not _is_temporary(entry):
                continue
            marker = _committed(entry) if entry.is_dir() else None
            if marker is not None:
                committed.append((str(marker.get("written_at", "")), entry))
            elif entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
                done.append(f"removed {entry.name}")
            else:
                entry.unlink(missing_ok=True)
                done.append(f"removed {entry.name}")
        for _, staging in sorted(committed):
            _publish(staging, out)
            done.append(f"finished {staging.name}")
    return done


def check_outputs(folder: str | Path, *, argument: str = "folder") -> None:
    """Check that the files ``outputs.json`` lists in ``folder`` are all there, unchanged.

    A folder without ``outputs.json`` (written by ``AuditResult.save``, or by an
    older rai-audit) passes.

    Raises
    ------
    AuditInputError
        One line naming ``argument`` and the first file that is missing or differs
        (the trace of an interrupted or concurrent write).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> out = pathlib.Path(tempfile.mkdtemp())
    >>> with output_set(out) as staged:
    ...     _ = staged.write_text("results.json", "{}")
    >>> _ = (out / "results.json").write_text('{"other": 1}')
    >>> try:
    ...     check_outputs(out, argument="RESULTS")
    ... except ValueError as error:
    ...     print(str(error).split(", got ")[1].split(" (")[0])
    'results.json', which differs from the one listed
    """
    folder = Path(folder)
    path = folder / MANIFEST
    if not path.exists():
        return
    expected = f"a complete output set as listed in {str(path)!r}"
    manifest = _read_json(path)
    if manifest is None:
        raise bad_input(argument, expected, "an outputs.json rai-audit cannot read")
    for name, entry in manifest["files"].items():
        if not _plain_name(name) or not isinstance(entry, dict):
            raise bad_input(argument, expected, f"an entry {name!r} that is not a file name")
        file = folder / name
        if not file.is_file():
            problem = "which is missing"
        elif _sha256(file) != entry.get("sha256"):
            problem = "which differs from the one listed"
        else:
            continue
        raise bad_input(
            argument,
            expected,
            f"{name!r}, {problem} (an interrupted or concurrent write: "
            "rerun the command that writes this folder)",
        )


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGTERM and SIGINT back during the block, then act on them as before."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous = {}
    for number in (signal.SIGTERM, signal.SIGINT):
        previous[number] = signal.getsignal(number)
        signal.signal(number, lambda received, _frame: caught.append(received))
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler if handler is not None else signal.SIG_DFL)
        if caught:
            handler = previous[caught[0]]
            if callable(handler):
                handler(caught[0], None)
            elif handler in (signal.SIG_DFL, None):
                os.kill(os.getpid(), caught[0])
