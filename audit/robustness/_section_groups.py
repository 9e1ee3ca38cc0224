"""Robustness per group ("robustness bias", Nanda et al. 2021): flips and flip distances."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from audit.results import Metric, Section, Table
from audit.robustness._measure import Measured
from audit.robustness._minimal import group_distances, median_interval
from audit.robustness._settings import RobustnessSettings
from audit.robustness._stats import group_rates

if TYPE_CHECKING:
    from audit.subject import Subject

__all__ = ["group_robustness"]


def group_robustness(
    section: Section,
    subject: Subject,
    m: Measured,
    names: list[str],
    settings: RobustnessSettings,
    rng: np.random.Generator,
) -> None:
    """Add the overall flip distance, then per sensitive feature the flip-rate gaps and the
    ratio of the groups' median flip distances, with their tables."""
    if m.distances is not None:
        _overall_distance(section, m, settings)
    if subject.sensitive_test is None:
        section.notes.append(
            "Per-group robustness not measured: the subject has no sensitive features."
        )
        return
    sensitive = subject.sensitive_test.iloc[m.rows]
    flips = {
        "corruption": np.stack(
            [m.corrupted[(n, settings.judged_severity)] != m.clean for n in names]
        ).any(axis=0)
    }
    if ("fgsm", settings.judged_epsilon) in m.attacked:
        flips["adversarial"] = m.attacked[("fgsm", settings.judged_epsilon)] != m.clean
    table = []
    for feature in sensitive.columns:
        labels = sensitive[feature].to_numpy()
        for kind, hits in flips.items():
            r = group_rates(hits, labels, alpha=settings.alpha, min_rows=settings.min_group_rows)
            table += [
                [feature, name, kind, int(r.trials[g]), *_floats(r.rates, r.low, r.high, g)]
                for g, name in enumerate(r.groups)
            ]
            what = (
                f"any of {len(names)} corruptions at severity {settings.judged_severity}"
                if kind == "corruption"
                else f"FGSM at ε = {settings.judged_epsilon:g}"
            )
            section.metrics.append(
                Metric(
                    "flip_rate_gap" if kind == "corruption" else "adversarial_flip_rate_gap",
                    r.gap,
                    scope=str(feature),
                    ci=r.gap_ci,
                    n=int(r.trials.min()),
                    events=int(r.trials.min()),
                    description="largest minus smallest group share of rows whose prediction flips "
                    f"under {what} (Newcombe interval, Bonferroni over pairs)",
                )
            )
    section.tables.append(
        Table(
            "group_flips",
            "Prediction flips per group (robustness bias)",
            ["feature", "group", "perturbation", "rows", "flip rate", "low", "high"],
            table,
            caption="Wilson intervals (statsmodels).",
        )
    )
    section.tables.append(_group_curves(m, sensitive, names, settings))
    if m.distances is not None:
        _group_distances(section, m, sensitive, settings, rng)


def _group_curves(m: Measured, sensitive, names, settings) -> Table:
    """Per group, accuracy clean, under each severity (mean over corruptions) and under
    the judged attack at each radius, with intervals: the section's curves by group.

    Clean and attacked accuracy are shares of rows (Wilson intervals). A severity's
    accuracy is the mean over rows of each row's share of corruptions still right; its
    Wilson interval on ``n`` rows is conservative, as a row's share lies in [0, 1] and so
    varies at most as much as a Bernoulli of the same mean.
    """
    from statsmodels.stats.proportion import proportion_confint

    severities = sorted(settings.severities)
    attack = "pgd" if any(k[0] == "pgd" for k in m.attacked) else "fgsm"
    radii = sorted(e for a, e in m.attacked if a == attack)
    label = attack.upper()
    right = {"clean": m.clean == m.y}
    for s in severities:
        right[f"severity {s}"] = np.stack([m.corrupted[(n, s)] == m.y for n in names]).mean(0)
    for e in radii:
        right[f"{label} ε={e:g}"] = m.attacked[(attack, e)] == m.y
    rows = []
    for feature in sensitive.columns:
        labels = sensitive[feature].astype("string")
        for name in sorted(labels.dropna().unique()):
            mask = (labels == name).fillna(False).to_numpy()
            n = int(mask.sum())
            for what, hits in right.items():
                correct = float(np.sum(hits[mask]))
                low, high = proportion_confint(correct, n, alpha=settings.alpha, method="wilson")
                rows.append([feature, str(name), what, n, correct / n, float(low), float(high)])
    return Table(
        "group_curves",
        "Accuracy per group: clean, under corruptions and under attack",
        ["feature", "group", "perturbation", "rows", "accuracy", "low", "high"],
        rows,
        caption="Severity rows: mean accuracy over the corruptions at that severity; "
        f"{label} rows: accuracy under the attack at that radius (std units). Wilson "
        "intervals (conservative for the severity means).",
    )


def _floats(rates, low, high, g) -> list[float]:
    return [float(rates[g]), float(low[g]), float(high[g])]


def _overall_distance(section: Section, m: Measured, settings: RobustnessSettings) -> None:
    d = np.minimum(m.distances, settings.search_radius)
    median, low, high = median_interval(d, alpha=settings.alpha)
    flipped = int(np.isfinite(m.distances).sum())
    section.metrics.append(
        Metric(
            "median_min_perturbation",
            median,
            ci=[low, high],
            n=len(d),
            description="median over rows of the smallest FGSM radius that flips the "
            f"prediction, in standard deviations of {_where(m)} ({flipped} of {len(d)} rows "
            f"flip within {settings.search_radius:g}; the others count as "
            f"{settings.search_radius:g}); order-statistic interval",
        )
    )


def _group_distances(section, m: Measured, sensitive, settings, rng) -> None:
    table = []
    for feature in sensitive.columns:
        r = group_distances(
            m.distances,
            sensitive[feature].to_numpy(),
            cap=settings.search_radius,
            rng=rng,
            resamples=settings.resamples,
            alpha=settings.alpha,
            min_rows=settings.min_group_rows,
        )
        table += [
            [feature, name, int(r.rows[g]), *_floats(r.median, r.low, r.high, g)]
            for g, name in enumerate(r.groups)
        ]
        compared = r.rows[r.rows >= max(settings.min_group_rows, 2)]
        section.metrics.append(
            Metric(
                "min_perturbation_ratio",
                r.ratio,
                scope=str(feature),
                ci=r.ratio_ci,
                n=int(compared.min()) if len(compared) else 0,
                events=int(compared.min()) if len(compared) else 0,
                description="smallest over largest group median of the FGSM radius that flips "
                "a prediction: below 1, one group's decisions flip closer to the input "
                "(bootstrap interval, Bonferroni over pairs)",
            )
        )
    section.tables.append(
        Table(
            "group_distances",
            f"Smallest flipping perturbation per group (FGSM radius, std units of {_where(m)})",
            ["feature", "group", "rows", "median", "low", "high"],
            table,
            caption=f"Rows not flipped within {settings.search_radius:g} count as "
            f"{settings.search_radius:g}; order-statistic intervals of the median.",
        )
    )


def _where(m: Measured) -> str:
    return "the token embeddings" if m.space == "embeddings" else "the input"
