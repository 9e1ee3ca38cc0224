"""Export a saved HTML report to PDF with headless Chromium or weasyprint.

Both engines lay the page out with the report's print CSS (``@media print`` in
``style.css.j2``): the table of contents is hidden, folded ``<details>`` are shown
and sections avoid page breaks inside them.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path
from typing import Literal

from audit.errors import AuditInputError, bad_input
from audit.report._write import atomic_target

__all__ = [
    "PdfExportError",
    "PdfUnavailableError",
    "available_engine",
    "find_chromium",
    "write_pdf",
]

#: Program names tried, in order, by :func:`find_chromium`.
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")

#: Flags for a quiet, offline headless Chromium (also used by the browser tests and
#: ``docs/screenshots.py``).
HEADLESS_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
)
#: Flags for a quiet, offline, one-shot headless print.
CHROMIUM_FLAGS = (*HEADLESS_FLAGS, "--no-pdf-header-footer")

NO_ENGINE_MESSAGE = (
    "No PDF engine found: install Chromium (for example Debian's `chromium` package) "
    "or run `pip install 'rai-audit[pdf]'` for weasyprint."
)

_STDERR_TAIL_CHARS = 2000
_ENGINES = ("auto", "chromium", "weasyprint")


class PdfUnavailableError(AuditInputError):
    """No PDF engine is available: neither Chromium on ``PATH`` nor weasyprint installed."""


class PdfExportError(RuntimeError):
    """The PDF engine ran but did not produce a PDF (crash, timeout or no output file)."""


def find_chromium() -> str | None:
    """Return the path of a Chromium-based browser on ``PATH``, or ``None``.

    Tries ``chromium``, ``chromium-browser`` and ``google-chrome``, in that order.

    Examples
    --------
    >>> path = find_chromium()
    >>> path is None or path.endswith(("chromium", "chromium-browser", "google-chrome"))
    True
    """
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


def _stderr_tail(stderr: bytes | str | None) -> str:
    """The end of a browser's stderr, without the D-Bus noise of a headless session."""
    if not stderr:
        return "(no output on stderr)"
    text = stderr.decode("utf-8", "replace") if isinstance(stderr, bytes) else stderr
    lines = [line for line in text.splitlines() if line.strip()]
    useful = [line for line in lines if ":ERROR:dbus/" not in line] or lines
    return "\n".join(useful)[-_STDERR_TAIL_CHARS:]


def _run_chromium(chromium: str, html: Path, target: Path, timeout: float) -> None:
    """Print ``html`` to ``target`` with headless Chromium; raise if no PDF came out."""
    with tempfile.TemporaryDirectory(
        prefix="rai-audit-chromium-", ignore_cleanup_errors=True
    ) as profile:
        command = [
            chromium,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            f"--print-to-pdf={target}",
            html.as_uri(),
        ]
        # A session of its own, so that a timeout ends the browser's child processes too.
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        try:
            _, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired as error:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
            _, stderr = process.communicate()
            raise PdfExportError(
                f"Chromium ({chromium}) did not finish printing {html} within {timeout:g} s; "
                f"end of its stderr:\n{_stderr_tail(stderr)}"
            ) from error
    if process.returncode != 0:
        raise PdfExportError(
            f"Chromium ({chromium}) exited with status {process.returncode} while printing "
            f"{html}; end of its stderr:\n{_stderr_tail(stderr)}"
        )
    if not target.is_file() or target.stat().st_size == 0:
        raise PdfExportError(
            f"Chromium ({chromium}) wrote no PDF for {html}; end of its stderr:\n"
            f"{_stderr_tail(stderr)}"
        )
    with target.open("rb") as stream:
        if stream.read(5) != b"%PDF-":
            raise PdfExportError(
                f"Chromium ({chromium}) wrote a file that is not a PDF for {html}; "
                f"end of its stderr:\n{_stderr_tail(stderr)}"
            )


def _run_weasyprint(html: Path, target: Path) -> None:
    import weasyprint

    weasyprint.HTML(filename=str(html)).write_pdf(str(target))
    if not target.is_file() or target.stat().st_size == 0:
        raise PdfExportError(f"weasyprint wrote no PDF for {html}")


def _weasyprint_available() -> bool:
    try:
        import weasyprint  # noqa: F401
    except ImportError:
        return False
    return True


def _choose_engine(engine: str) -> tuple[str, str | None]:
    """Return ``(engine, chromium_path)`` for the engine asked for, or raise."""
    if engine not in _ENGINES:
        raise bad_input("engine", "'auto', 'chromium' or 'weasyprint'", engine)
    if engine in ("auto", "chromium"):
        chromium = find_chromium()
        if chromium is not None:
            return "chromium", chromium
        if engine == "chromium":
            raise PdfUnavailableError(
                "engine='chromium' was asked for, but none of "
                f"{', '.join(CHROMIUM_NAMES)} is on PATH: install Chromium (for example "
                "Debian's `chromium` package) or pass engine='auto'."
            )
    if _weasyprint_available():
        return "weasyprint", None
    if engine == "weasyprint":
        raise PdfUnavailableError(
            "engine='weasyprint' was asked for, but weasyprint is not importable: run "
            "`pip install 'rai-audit[pdf]'` (it also needs the system pango library)."
        )
    raise PdfUnavailableError(NO_ENGINE_MESSAGE)


def available_engine(engine: Literal["auto", "chromium", "weasyprint"] = "auto") -> str:
    """The PDF engine :func:`write_pdf` would use, or the error it would raise.

    Cheap (a look at ``PATH`` and one import), so the CLI asks before a long audit
    rather than after it.

    Parameters
    ----------
    engine : {"auto", "chromium", "weasyprint"}, default "auto"
        As for :func:`write_pdf`.

    Returns
    -------
    str
        ``"chromium"`` or ``"weasyprint"``.

    Raises
    ------
    PdfUnavailableError
        If the engine asked for (or, with ``"auto"``, every engine) is unavailable.

    Examples
    --------
    >>> try:
    ...     available_engine() in ("chromium", "weasyprint")
    ... except PdfUnavailableError:
    ...     True
    True
    """
    return _choose_engine(engine)[0]


def write_pdf(
    html_path: str | Path,
    pdf_path: str | Path,
    *,
    engine: Literal["auto", "chromium", "weasyprint"] = "auto",
    timeout: float = 120.0,
) -> str:
    """Render a saved HTML report to a PDF with the report's print CSS.

    The PDF is written to a temporary file in the folder of ``pdf_path`` and then
    renamed over it, so a reader sees the old file or the whole new one; on any
    failure no partial file is left behind.

    Parameters
    ----------
    html_path : str or Path
        The HTML report, for example the path returned by ``AuditResult.save``.
    pdf_path : str or Path
        Where to write the PDF; missing parent folders are created.
    engine : {"auto", "chromium", "weasyprint"}, default "auto"
        ``"auto"`` uses headless Chromium when :func:`find_chromium` finds one,
        else weasyprint when it is importable.
    timeout : float, default 120.0
        Seconds Chromium may take before it is stopped (weasyprint runs in-process).

    Returns
    -------
    str
        The engine used: ``"chromium"`` or ``"weasyprint"``.

    Raises
    ------
    PdfUnavailableError
        If the engine asked for (or, with ``"auto"``, every engine) is unavailable.
    PdfExportError
        If Chromium fails, times out or writes no PDF; the message ends with the end of
        its stderr.
    AuditInputError
        If ``html_path`` is not a file or ``engine`` is not one of the three names.

    Examples
    --------
    >>> import audit
    >>> from audit.report._pdf import write_pdf
    >>> result = audit.run(audit.reference("credit", seed=0))  # doctest: +SKIP
    >>> report = result.save("reports/out/credit")  # doctest: +SKIP
    >>> write_pdf(report, "reports/out/credit/report.pdf")  # doctest: +SKIP
    'chromium'
    """
    html = Path(html_path).resolve()
    if not html.is_file():
        raise bad_input("html_path", "an existing HTML file", str(html))
    chosen, chromium = _choose_engine(engine)

    with atomic_target(pdf_path) as temporary:
        if chosen == "chromium":
            assert chromium is not None
            _run_chromium(chromium, html, temporary, timeout)
        else:
            _run_weasyprint(html, temporary)
    return chosen
