"""``rai-audit run [DOMAIN]``: build or train the subject, audit it, write the report."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from audit.cli._common import FailOn, bad_input_exits, console, finish
from audit.cli._guard import set_stage
from audit.cli._mlflow import MLFLOW_HELP, log_if_asked
from audit.cli._outputs import prepared_out, save_outputs

if TYPE_CHECKING:
    from rich.progress import Progress

    from audit.config import AuditConfig
    from audit.results import AuditResult
    from audit.subject import Subject

__all__ = ["run_command"]


#: Seconds a check runs before its progress lines show, and the least time between two.
PROGRESS_AFTER_S = 2.0
PROGRESS_EVERY_S = 1.0


class StageLines:
    """The console lines of an audit: one per check started (with its estimated time when
    that is 10 s or more) and done, and progress lines (``… privacy: shadow 2/4, about
    12 s left``) once a check has run :data:`PROGRESS_AFTER_S`, at most one every
    :data:`PROGRESS_EVERY_S`, so that a quick check prints none."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.printed = -float("inf")

    def on_stage(self, name: str, status: str, seconds: float | None) -> None:
        if status == "start":
            set_stage(name)
            self.started = time.perf_counter()
            about = f" (estimated {seconds:.0f} s)" if seconds is not None and seconds >= 10 else ""
            console.print(f"… check {name}{about}", markup=False)
        else:
            console.print(f"✓ check {name} in {seconds:.2f} s")

    def on_progress(self, check: str, stage: str, step: int, total: int) -> None:
        now = time.perf_counter()
        if now - self.started < PROGRESS_AFTER_S or now - self.printed < PROGRESS_EVERY_S:
            return
        self.printed = now
        left = ""
        if 0 < step <= total:  # steps done so far: step - 1 of them, at the mean pace
            done = max(step - 1, 1)
            left = f", about {(now - self.started) / done * (total - step + 1):.0f} s left"
        console.print(f"  … {check}: {stage} {step}/{total}{left}", markup=False)


def run_command(
    out: Annotated[Path, typer.Option("--out", help="Folder for report.html and results.json.")],
    domain: Annotated[
        str | None,
        typer.Argument(
            help="Reference domain (`rai-audit domains`); or set domain/subject in --config."
        ),
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option(help="Seed (overrides the config's; any size, used modulo 2**32)."),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(
            help="YAML audit config (`rai-audit init` writes one; `rai-audit checks` lists checks)."
        ),
    ] = None,
    fail_on: Annotated[
        FailOn,
        typer.Option("--fail-on", help="Exit 1 when the overall verdict is this bad or worse."),
    ] = FailOn.never,
    pdf: Annotated[
        bool, typer.Option("--pdf", help="Also write report.pdf (Chromium or weasyprint).")
    ] = False,
    dp: Annotated[
        bool, typer.Option("--dp", help="Train the reference model with DP-SGD.")
    ] = False,
    epsilon: Annotated[
        float | None, typer.Option(help="Target ε of DP training (default 3).")
    ] = None,
    delta: Annotated[
        float | None,
        typer.Option(help="δ of DP training (default 1/(10 N), N privacy units: rows or writers)."),
    ] = None,
    max_grad_norm: Annotated[
        float | None, typer.Option("--max-grad-norm", help="Per-sample clipping norm of DP-SGD.")
    ] = None,
    dp_unit: Annotated[
        str | None,
        typer.Option(
            "--dp-unit",
            help="What ε protects: user (default; all rows one person wrote, where the "
            "data names writers) or row (one training row).",
        ),
    ] = None,
    no_code: Annotated[
        bool,
        typer.Option(
            "--no-code",
            envvar="RAI_AUDIT_NO_CODE",
            help="Refuse a config whose `subject:` would import and run code (for configs "
            "you did not write).",
        ),
    ] = False,
    mlflow: Annotated[bool, typer.Option("--mlflow", help=MLFLOW_HELP)] = False,
    budget: Annotated[
        float | None,
        typer.Option(
            "--budget",
            min=1,
            help="Compute budget in seconds for the checks: rows, IG steps and shadow models "
            "scale down to fit it, and the report says what was scaled. Overrides the "
            "config's budget_s.",
        ),
    ] = None,
    engine: Annotated[
        str | None,
        typer.Option(
            "--engine",
            help="Where shadow models and the privacy–utility curve train: serial (default) "
            "or ray (local Ray, all CPUs; pip install 'rai-audit[ray]'). Overrides the "
            "config's engine.",
        ),
    ] = None,
) -> None:
    """Audit a reference domain, or your own model from the config, and write the report.

    A config with `subject: module:function` imports and runs that code: trust it like
    a script, or pass --no-code.
    """
    from audit.config import load_config
    from audit.entrypoints import code_refused
    from audit.errors import bad_input

    with bad_input_exits():
        set_stage("config")
        settings = load_config(config)
        if seed is not None:
            settings = settings.model_copy(update={"seed": seed})
        settings = _with_privacy_flags(settings, dp, epsilon, delta, max_grad_norm, dp_unit)
        if engine is not None:
            settings = settings.model_copy(update={"engine": engine})
        if budget is not None:
            settings = settings.model_copy(update={"budget_s": budget})
        chosen = domain or (None if settings.subject else settings.domain)
        if chosen is None and settings.subject is None:
            raise bad_input(
                "DOMAIN", "a reference domain, or 'domain' or 'subject' in --config", "none"
            )
        if chosen is not None:
            from audit.domains import get_domain

            get_domain(chosen)  # a wrong name fails before the output folder is made
        elif no_code:
            raise code_refused(str(settings.subject))
        with prepared_out(out, pdf=pdf):
            result = _audit(chosen, settings, config)
            report = save_outputs(result, out, pdf=pdf, keep=True)
            log_if_asked(result, out, flag=mlflow, setting=settings.mlflow, fail_on=fail_on)
    finish(result, report, fail_on)


def _audit(chosen: str | None, settings: AuditConfig, config: Path | None) -> AuditResult:
    """Train the domain's model or build the config's subject, then audit it."""
    import audit

    t0 = time.perf_counter()
    if chosen is not None:
        set_stage("train")
        subject = _train_domain(chosen, settings)
    else:
        from audit.entrypoints import load_subject

        set_stage("build")
        search = [Path.cwd()] + ([config.parent] if config is not None else [])
        subject = load_subject(str(settings.subject), seed=settings.seed or 0, search=search)
        console.print(
            f"✓ built {subject.name} from {settings.subject} in {time.perf_counter() - t0:.1f} s"
        )
    build_seconds = round(time.perf_counter() - t0, 4)

    lines = StageLines()
    set_stage("audit")
    result = audit.run(
        subject, config=settings, on_stage=lines.on_stage, on_progress=lines.on_progress
    )
    result.manifest["runtime"]["stages"]["build"] = {"seconds": build_seconds, "peak_rss_mb": None}
    return result


def _with_privacy_flags(
    settings: AuditConfig,
    dp: bool,
    epsilon: float | None,
    delta: float | None,
    max_grad_norm: float | None,
    unit: str | None = None,
) -> AuditConfig:
    """Merge the DP command-line flags into the config's privacy settings."""
    from audit.config import load_config

    flags = {"epsilon": epsilon, "delta": delta, "max_grad_norm": max_grad_norm, "unit": unit}
    updates = {key: value for key, value in flags.items() if value is not None}
    if dp:
        updates["dp"] = True
    if not updates:
        return settings
    return load_config(settings.model_dump() | {"privacy": settings.privacy.model_dump() | updates})


def _train_domain(domain: str, settings: AuditConfig) -> Subject:
    """Train the reference model of ``domain`` with a progress line; return its Subject."""
    import audit
    from audit.domains import get_domain

    spec = get_domain(domain)
    t0 = time.perf_counter()
    with _progress() as progress:
        task = progress.add_task(f"train {spec.name} ({spec.model_family})", total=None)

        def on_epoch(record) -> None:
            progress.update(task, completed=record.epoch)

        subject = audit.reference(
            domain,
            seed=settings.seed or 0,
            training=settings.training,
            on_epoch=on_epoch,
            privacy=settings.privacy if settings.privacy.dp else None,
        )
    epochs = len(subject.history.records) if subject.history else 0
    what = f"{epochs} epochs"
    training = subject.training
    record = None if training is None else training.privacy
    if isinstance(record, dict):  # the privacy check trains the twin and the utility curve
        what += f" of DP-SGD (ε = {record['epsilon']:.2f})"
    console.print(f"✓ trained {spec.name}: {what} in {time.perf_counter() - t0:.1f} s")
    return subject


def _progress() -> Progress:
    """A transient progress line for training: description, bar, epoch, time."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("epoch {task.completed}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )
