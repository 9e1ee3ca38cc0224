"""Output folders in the CLI: checked before the work, written as one unit, read back checked.

Every command that writes (``run``, ``predictions``, ``render``, ``compare``) enters
:func:`prepared_out` before it does any work: ``--out`` must be (or become) a writable
folder, and the command holds its lock until the outputs are written, so a second
command writing into the same folder fails at once. The outputs then replace the
folder's previous set as one unit (:func:`audit.report.output_set`), with the
``outputs.json`` manifest that :func:`read_results` checks when it reads a result back.
"""

from __future__ import annotations

import contextlib
import errno
import json
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from audit.cli._common import console
from audit.cli._guard import set_stage
from audit.errors import AuditInputError, bad_input

if TYPE_CHECKING:
    from audit.results import AuditResult

__all__ = ["prepared_out", "read_results", "save_outputs", "write_comparison"]

#: Write errors that are the folder's or the disk's fault: exit 2, not an internal error.
OUTPUT_ERRNOS = frozenset(
    getattr(errno, name)
    for name in (
        "EACCES", "EPERM", "EROFS", "ENOSPC", "EDQUOT", "EFBIG", "ENOTDIR", "EISDIR",
        "ENAMETOOLONG", "EMLINK", "ENOENT",
    )
    if hasattr(errno, name)
)  # fmt: skip


@contextlib.contextmanager
def prepared_out(out: Path, *, pdf: bool = False) -> Iterator[Path]:
    """Check ``--out`` before any work, hold its lock for the command, clean up after.

    Refuses (one line, exit 2) a file, a path under a file, a folder that cannot be
    written or a full disk, a folder another rai-audit is writing to, and with
    ``pdf`` a machine without a PDF engine. Finishes or removes what a killed run left
    in the folder. A folder this created is removed again when nothing was written.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "out"
    >>> with prepared_out(out):
    ...     out.is_dir()
    True
    >>> out.exists()  # nothing was written: the folder is removed again
    False
    """
    from audit.report import recover_outputs
    from audit.report._folder import folder_lock, prepare_folder, remove_empty_folders

    set_stage("output folder")
    if pdf:
        from audit.report._pdf import available_engine

        available_engine()
    created = prepare_folder(out, argument="--out")
    try:
        with folder_lock(out, argument="--out"):
            for line in recover_outputs(out):
                console.print(f"✓ {line} (left by an interrupted run)", markup=False)
            yield out
    finally:
        remove_empty_folders(out, created)


def _write_failed(out: Path, error: OSError, kept: str | None) -> AuditInputError:
    """The one-line error of an output folder that could not take the new set."""
    reason = error.strerror or type(error).__name__
    got = f"{str(out)!r}: {reason}; its previous outputs are left as they were"
    if kept is not None:
        with contextlib.suppress(OSError):
            folder = Path(tempfile.mkdtemp(prefix="rai-audit-kept-"))
            (folder / "results.json").write_text(kept, encoding="utf-8")
            got += f", and this audit is kept in {folder / 'results.json'}"
    return bad_input("--out", "a folder rai-audit can write", got)


def save_outputs(result: AuditResult, out: Path, *, pdf: bool = False, keep: bool = False) -> Path:
    """Write report.html, results.json (and report.pdf) into ``out`` as one unit.

    Parameters
    ----------
    result : AuditResult
        The audit.
    out : Path
        The output folder, prepared by :func:`prepared_out`.
    pdf : bool, default False
        Also print ``report.pdf`` (from the staged HTML, so it joins the same set).
    keep : bool, default False
        When the folder cannot take the set (full disk), keep ``results.json`` in a new
        temp folder and name it in the error, so a long audit is not lost.

    Returns
    -------
    Path
        ``out/report.html``.

    Examples
    --------
    >>> save_outputs(result, Path("reports/out/credit"), pdf=True)  # doctest: +SKIP
    PosixPath('reports/out/credit/report.html')
    """
    from audit.report import output_set, render_html

    set_stage("render")
    started = time.perf_counter()
    html = render_html(result)
    text = result.to_json() + "\n"
    engine = pdf_seconds = None
    try:
        set_stage("write")
        with output_set(out) as staged:
            staged.write_text("results.json", text)
            report = staged.write_text("report.html", html)
            seconds = time.perf_counter() - started
            if pdf:
                from audit.report._pdf import write_pdf

                set_stage("pdf")
                started = time.perf_counter()
                engine = write_pdf(report, staged.path("report.pdf"))
                pdf_seconds = time.perf_counter() - started
            set_stage("write")
    except OSError as error:
        if error.errno not in OUTPUT_ERRNOS:
            raise
        raise _write_failed(out, error, text if keep else None) from None
    console.print(f"✓ wrote report in {seconds:.2f} s")
    if engine is not None:
        console.print(f"✓ wrote report.pdf with {engine} in {pdf_seconds:.1f} s")
    return out / "report.html"


def write_comparison(comparison_json: str, html: str, out: Path) -> Path:
    """Write comparison.json and report.html into ``out`` as one unit; return the report.

    Examples
    --------
    >>> write_comparison("{}", "<p>diff</p>", Path("reports/out/diff"))  # doctest: +SKIP
    PosixPath('reports/out/diff/report.html')
    """
    from audit.report import output_set

    set_stage("write")
    try:
        with output_set(out) as staged:
            staged.write_text("comparison.json", comparison_json)
            staged.write_text("report.html", html)
    except OSError as error:
        if error.errno not in OUTPUT_ERRNOS:
            raise
        raise _write_failed(out, error, None) from None
    return out / "report.html"


def read_results(path: Path, argument: str) -> AuditResult:
    """Read a results.json that rai-audit wrote, or refuse it in one line.

    Refused: a missing or unparsable file, one whose folder's ``outputs.json`` does
    not match (an interrupted or concurrent write), and one that breaks the shipped
    schema ``audit/results.schema.json`` (unknown figure kinds, verdicts, keys).

    Examples
    --------
    >>> read_results(Path("reports/out/credit/results.json"), "RESULTS")  # doctest: +SKIP
    AuditResult(...)
    """
    from audit.cli._schema import first_problem
    from audit.compare import load_result
    from audit.report import check_outputs
    from audit.results import results_schema

    set_stage(f"read {argument}")
    path = Path(path)
    if path.is_file():
        check_outputs(path.parent, argument=argument)
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise bad_input(
            argument, "a results.json file", f"{str(path)!r}, which does not exist"
        ) from None
    except (OSError, ValueError) as error:
        raise bad_input(
            argument, "a results.json written by rai-audit", f"{str(path)!r}: {error}"
        ) from None
    problem = first_problem(data, results_schema())
    if problem is not None:
        raise bad_input(
            argument,
            "a results.json written by rai-audit (see audit/results.schema.json)",
            f"{str(path)!r}, {problem}",
        )
    return load_result(path, argument)
