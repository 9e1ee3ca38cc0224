"""Hardening (issue 20), outputs: written as one unit (report.html, results.json and
outputs.json replace the old set together), --out checked before any work, one writer
per folder, what a killed run leaves removed by the next, kill -9 / SIGTERM never a mix."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from typer.testing import CliRunner

import audit
import audit.report._write as write
from audit.cli import app
from audit.cli._guard import Terminated
from audit.report import check_outputs, output_set, recover_outputs
from tests.cli.conftest import bench_outputs, one_line

runner = CliRunner()
MIX = "(an interrupted or concurrent write: rerun the command that writes this folder)"


@pytest.fixture
def written(sources, tmp_path):
    """An output folder holding alpha-run's complete set, written by `rai-audit render`."""
    out = tmp_path / "out"
    result = runner.invoke(app, ["render", str(sources["alpha-run"]), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def test_render_writes_the_set_and_its_manifest(written, sources):
    assert sorted(p.name for p in written.iterdir()) == [
        "outputs.json",
        "report.html",
        "results.json",
    ]
    manifest = json.loads((written / "outputs.json").read_text())
    for name in ("report.html", "results.json"):
        digest = hashlib.sha256((written / name).read_bytes()).hexdigest()
        assert manifest["files"][name] == {
            "sha256": digest,
            "bytes": (written / name).stat().st_size,
        }
    assert (written / "results.json").read_bytes() == sources["alpha-run"].read_bytes()
    check_outputs(written)


@pytest.mark.parametrize("manifest", [True, False])
def test_a_new_set_replaces_the_whole_old_one(tmp_path, manifest):
    with output_set(tmp_path) as staged:
        for name in ("report.html", "results.json", "report.pdf"):
            staged.write_text(name, f"old {name}")
    with output_set(tmp_path, manifest=manifest) as staged:
        staged.write_text("report.html", "new html")
        staged.write_text("comparison.json", "new json")
    names = ["comparison.json", "report.html"] + (["outputs.json"] if manifest else [])
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names)  # results.json, pdf gone
    check_outputs(tmp_path)


class _Killed(BaseException):
    """Stands for kill -9: nothing after it runs (no except, only finally)."""


@pytest.mark.parametrize(
    "error",
    [
        OSError(errno.ENOSPC, "No space left on device"),
        RuntimeError("template broke"),
        Terminated(143),
        KeyboardInterrupt(),
    ],
    ids=["disk full", "rendering error", "SIGTERM", "Ctrl-C"],
)
def test_a_failed_write_leaves_the_old_set_and_no_temporary(written, error):
    before = _snapshot(written)
    with pytest.raises(type(error)), output_set(written) as staged:
        staged.write_text("results.json", "new")
        raise error
    assert _snapshot(written) == before
    assert sorted(p.name for p in written.iterdir()) == sorted(before)


def test_a_kill_during_the_renames_is_refused_then_rolled_forward(written, monkeypatch):
    real, calls = os.replace, []

    def replace_then_die(source, target):
        calls.append(Path(target).name)
        if Path(target).name == "results.json":  # after the commit and report.html
            raise _Killed
        real(source, target)

    monkeypatch.setattr(write.os, "replace", replace_then_die)
    with pytest.raises(_Killed), output_set(written) as staged:
        staged.write_text("results.json", "new results")
        staged.write_text("report.html", "new report")
    monkeypatch.setattr(write.os, "replace", real)
    assert calls == ["outputs.json", "report.html", "results.json"]
    result = runner.invoke(
        app, ["render", str(written / "results.json"), "--out", str(written.parent / "o")]
    )
    assert result.exit_code == 2
    assert one_line(result) == (
        f"error: RESULTS: expected a complete output set as listed in '{written}/outputs.json', "
        f"got 'report.html', which differs from the one listed {MIX}."
    )
    done = recover_outputs(written)  # what the next writer does first
    assert len(done) == 1 and done[0].startswith("finished .rai-audit-staging-")
    assert _snapshot(written)["report.html"] == b"new report"
    assert _snapshot(written)["results.json"] == b"new results"
    assert sorted(p.name for p in written.iterdir()) == [
        "outputs.json",
        "report.html",
        "results.json",
    ]
    check_outputs(written)


def test_the_next_run_removes_what_a_killed_run_left(written, sources):
    staging = written / ".rai-audit-staging-k9x2"
    staging.mkdir()
    (staging / "report.html").write_text("half")
    for name in (".results.json.k3j2.tmp", ".report.html.a1.tmp", "notes.txt", ".mine"):
        (written / name).write_text("x")
    result = runner.invoke(app, ["render", str(sources["bravo-run"]), "--out", str(written)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in written.iterdir()) == [
        ".mine",
        "notes.txt",
        "outputs.json",
        "report.html",
        "results.json",
    ]
    assert "✓ removed .results.json.k3j2.tmp (left by an interrupted run)" in result.stderr


def _commands(tmp_path: Path, sources, out: Path) -> dict[str, list[str]]:
    csv = tmp_path / "decisions.csv"
    csv.write_text(
        "y,score,sex\n" + "".join(f"{i % 2},0.{i % 9},{'ab'[i % 3 == 0]}\n" for i in range(60))
    )
    return {
        "run": ["run", "credit", "--out", str(out)],
        "predictions": ["predictions", str(csv), "--y-true", "y", "--y-score", "score",
                        "--sensitive", "sex", "--out", str(out)],
        "render": ["render", str(sources["alpha-run"]), "--out", str(out)],
        "compare": ["compare", str(sources["alpha-run"]), str(sources["bravo-run"]), "--out", str(out)],
    }  # fmt: skip


def _chmod_works(folder: Path) -> bool:
    """Whether a folder without write permission refuses new files (not so for root)."""
    folder.chmod(0o555)
    try:
        tempfile.NamedTemporaryFile(dir=folder).close()
    except PermissionError:
        return True
    finally:
        folder.chmod(0o755)
    return False


def _problem(kind: str, tmp_path: Path, monkeypatch) -> tuple[Path, str]:
    """An --out with a problem, and the exact one-line error it must give."""
    file = tmp_path / "a-file"
    file.write_text("keep me")
    readonly = tmp_path / "readonly"
    readonly.mkdir()
    if kind == "read-only" and _chmod_works(readonly):
        readonly.chmod(0o555)
        return readonly, f"--out: expected a writable folder, got '{readonly}': Permission denied."
    if kind == "full disk":
        monkeypatch.setattr(os, "statvfs", lambda path: SimpleNamespace(f_bavail=0, f_frsize=4096))
        out = tmp_path / "out"
        return (
            out,
            f"--out: expected a folder on a disk with at least 1 MiB free, got '{out}', with 0 bytes free.",
        )
    if kind == "file":
        return file, f"--out: expected a folder, got '{file}', which is a file."
    # "under a file", and "read-only" where chmod cannot stop this user (root)
    return (
        file / "out",
        f"--out: expected a folder, got '{file}/out', which is under the file '{file}'.",
    )


@pytest.mark.parametrize("command", ["run", "predictions", "render", "compare"])
@pytest.mark.parametrize("kind", ["file", "under a file", "read-only", "full disk"])
def test_a_bad_out_fails_before_any_work_withone_line(
    tmp_path, sources, monkeypatch, command, kind
):
    out, message = _problem(kind, tmp_path, monkeypatch)
    started = time.perf_counter()
    result = runner.invoke(app, _commands(tmp_path, sources, out)[command])
    (tmp_path / "readonly").chmod(0o755)
    assert result.exit_code == 2
    assert one_line(result) == f"error: {message}"  # nothing trained or read before it
    assert time.perf_counter() - started < 5 and result.stdout == ""
    assert (tmp_path / "a-file").read_text() == "keep me" and not (tmp_path / "out").exists()


@pytest.mark.parametrize("command", ["render", "predictions"])
def test_a_full_disk_while_writing_keeps_the_old_set(
    written, sources, tmp_path, monkeypatch, command
):
    before = _snapshot(written)

    def full(path, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(write, "write_file", full)
    result = runner.invoke(app, _commands(tmp_path, sources, written)[command])
    assert result.exit_code == 2
    line = result.stderr.strip().splitlines()[-1]
    assert "Traceback" not in result.stderr
    expected = (
        f"error: --out: expected a folder rai-audit can write, got '{written}': "
        "No space left on device; its previous outputs are left as they were"
    )
    assert line.startswith(expected)
    assert _snapshot(written) == before and sorted(p.name for p in written.iterdir()) == sorted(
        before
    )
    if command == "predictions":  # a finished audit is kept elsewhere, not lost
        kept = Path(line.split("this audit is kept in ")[1].rstrip("."))
        assert audit.AuditResult.load(kept).subject["name"] == "decisions"
    else:
        assert line == expected + "."


HOLD_LOCK = (
    "import sys, time; from audit.report._folder import folder_lock\n"
    "with folder_lock(sys.argv[1]):\n    print('locked', flush=True); time.sleep(60)"
)


@pytest.mark.parametrize("command", ["run", "render"])
def test_a_second_writer_fails_fast(written, sources, tmp_path, command):
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(written)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        before, started = _snapshot(written), time.perf_counter()
        result = runner.invoke(app, _commands(tmp_path, sources, written)[command])
        assert time.perf_counter() - started < 5  # before any training
    finally:
        holder.kill()
        holder.wait()
    assert result.exit_code == 2
    assert one_line(result) == (
        f"error: --out: expected a folder that no other rai-audit process is writing to, got "
        f"'{written}', which another one is writing now (wait for it, or choose another folder)."
    )
    assert _snapshot(written) == before


def test_readers_refuse_a_mixed_pair_and_compare_its_own_inputs(written, sources, tmp_path):
    (written / "report.html").write_text("<p>an html of another audit</p>")
    old = runner.invoke(
        app,
        [
            "compare",
            str(written / "results.json"),
            str(sources["bravo-run"]),
            "--out",
            str(tmp_path / "d"),
        ],
    )
    assert old.exit_code == 2
    assert one_line(old) == (
        f"error: OLD: expected a complete output set as listed in '{written}/outputs.json', "
        f"got 'report.html', which differs from the one listed {MIX}."
    )
    into = runner.invoke(
        app,
        [
            "compare",
            str(sources["bravo-run"]),
            str(sources["alpha-run"]),
            "--out",
            str(sources["alpha-run"].parent),
        ],
    )
    assert into.exit_code == 2
    assert one_line(into) == (
        f"error: --out: expected a folder other than those of OLD and NEW, got "
        f"'{sources['alpha-run'].parent}', which holds OLD (the comparison would replace it)."
    )


def test_sigterm_waits_until_the_renames_are_done():
    events = []

    def handler(number, frame):
        events.append("handler")
        raise Terminated(128 + number)

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        with pytest.raises(Terminated), write._signals_held():
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(0.05)
            events.append("renames done")
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert events == ["renames done", "handler"]


@pytest.mark.slow
def test_kill_9_and_sigterm_in_the_write_stage_never_leave_a_mix(tmp_path):
    report = bench_outputs().torture(12, seed=0, folder=tmp_path, calibrations=1)
    tally = report["tally"]
    assert report["failures"] == []
    assert sum(tally["reader sees after the kill"].values()) == 12
    assert set(tally["reader sees after the kill"]) <= {"old", "new", "refused"}
    assert set(tally["after the next writer's recovery"]) <= {"old", "new"}
    assert tally["temporaries after recovery"] == {"none": 12}
    assert all(
        not key.startswith("SIGTERM") or key == "SIGTERM: none"
        for key in tally["temporaries left by the kill"]
    )


def test_pdf_joins_the_same_set(written, sources):
    from audit.report._pdf import PdfUnavailableError, available_engine

    try:
        available_engine()
    except PdfUnavailableError:
        pytest.skip("no PDF engine (Chromium or weasyprint) on this machine")
    result = runner.invoke(
        app, ["render", str(sources["bravo-run"]), "--out", str(written), "--pdf"]
    )
    assert result.exit_code == 0, result.output
    manifest = json.loads((written / "outputs.json").read_text())
    assert sorted(manifest["files"]) == ["report.html", "report.pdf", "results.json"]
    assert (written / "report.pdf").read_bytes().startswith(b"%PDF-")
    check_outputs(written)
    again = runner.invoke(app, ["render", str(sources["alpha-run"]), "--out", str(written)])
    assert again.exit_code == 0 and not (written / "report.pdf").exists()  # not of this audit


@pytest.mark.parametrize("command", ["run", "render"])
def test_no_pdf_engine_fails_before_any_work(sources, tmp_path, monkeypatch, command):
    from audit.report import _pdf

    monkeypatch.setattr(_pdf, "find_chromium", lambda: None)
    monkeypatch.setattr(_pdf, "_weasyprint_available", lambda: False)
    out = tmp_path / "out"
    result = runner.invoke(app, [*_commands(tmp_path, sources, out)[command], "--pdf"])
    assert result.exit_code == 2
    assert one_line(result) == f"error: {_pdf.NO_ENGINE_MESSAGE}"
    assert not out.exists()
