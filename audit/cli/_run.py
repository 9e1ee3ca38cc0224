"""``rai-audit run DOMAIN``: train a reference domain, audit it, write the report."""

from __future__ import annotations

import enum
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from audit.cli._common import EXIT_GATE_FAILED, bad_input_exits, console
from audit.results import VERDICTS

__all__ = ["FailOn", "run_command"]


class FailOn(str, enum.Enum):
    never = "never"
    warn = "warn"
    fail = "fail"


def gate_failed(verdict: str, fail_on: FailOn) -> bool:
    """Whether an overall ``verdict`` breaks the gate ``fail_on``."""
    if fail_on is FailOn.never:
        return False
    return VERDICTS.index(verdict) >= VERDICTS.index(fail_on.value)


def run_command(
    domain: Annotated[
        str, typer.Argument(help="Reference domain; `rai-audit domains` lists them.")
    ],
    out: Annotated[Path, typer.Option("--out", help="Folder for report.html and results.json.")],
    seed: Annotated[int | None, typer.Option(help="Seed (overrides the config's).", min=0)] = None,
    config: Annotated[Path | None, typer.Option(help="YAML audit config.")] = None,
    fail_on: Annotated[
        FailOn,
        typer.Option("--fail-on", help="Exit 1 when the overall verdict is this bad or worse."),
    ] = FailOn.never,
) -> None:
    """Train DOMAIN's reference model, audit it and write an HTML report."""
    import audit
    from audit.config import load_config
    from audit.domains import get_domain

    with bad_input_exits():
        settings = load_config(config)
        if seed is not None:
            settings = settings.model_copy(update={"seed": seed})
        spec = get_domain(domain)
        timings: dict[str, float] = {}

        t0 = time.perf_counter()
        with _progress() as progress:
            task = progress.add_task(f"train {spec.name} ({spec.model_family})", total=None)

            def on_epoch(record) -> None:
                progress.update(task, completed=record.epoch)

            subject = audit.reference(
                domain, seed=settings.seed, training=settings.training, on_epoch=on_epoch
            )
        timings["train"] = round(time.perf_counter() - t0, 4)
        epochs = len(subject.history.records) if subject.history else 0
        console.print(f"✓ trained {spec.name}: {epochs} epochs in {timings['train']:.1f} s")

        def on_stage(name: str, status: str, seconds: float | None) -> None:
            if status == "start":
                console.print(f"… check {name}")
            else:
                console.print(f"✓ check {name} in {seconds:.2f} s")

        result = audit.run(subject, config=settings, on_stage=on_stage)
        result.manifest["runtime"]["train_seconds"] = timings["train"]
        t1 = time.perf_counter()
        report = result.save(out)
        console.print(f"✓ wrote report in {time.perf_counter() - t1:.2f} s")

    for section in result.sections:
        console.print(
            f"  {section.verdict.upper():<5} {section.title}: {section.summary}",
            markup=False,
            soft_wrap=True,
        )
    console.print(f"Overall verdict: {result.verdict.upper()}")
    typer.echo(str(report))
    if gate_failed(result.verdict, fail_on):
        console.print(
            f"Policy gate failed: overall verdict {result.verdict!r} with --fail-on {fail_on.value}"
        )
        raise typer.Exit(EXIT_GATE_FAILED)


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("epoch {task.completed}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )
