"""The shift part of the data section: per-feature tests, Holm-adjusted, and the metrics.

Every feature gets a chi-square test of equal distributions over the bins (levels) of
its PSI, and a numeric feature also Welch's test of equal means behind its SMD. The
p-values of all these tests are adjusted together by Holm's step-down, so that with no
shift at all some feature is flagged in at most 5% of audits (family-wise), whatever
the number of columns. The judged metrics are the largest SMD and PSI among the
*flagged* features (0 when none is): a shift must be beyond sampling noise before its
size is held against the data, and beyond the warn limit before it warns.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from audit.data._metrics import add
from audit.data._shift import ColumnShift, column_shift
from audit.data._stats import ALPHA, holm, two_sided_z
from audit.results import Section, Table
from audit.settings import DataSettings

__all__ = ["shift_part"]


def _flags(shifts: list[ColumnShift]) -> tuple[np.ndarray, np.ndarray]:
    """Holm-adjusted p-values of the mean tests (NaN where none) and distribution tests."""
    has_mean = np.array([s.p_smd is not None for s in shifts], dtype=bool)
    raw = [s.p_smd for s in shifts if s.p_smd is not None] + [s.p_psi for s in shifts]
    adjusted = holm(np.array(raw, dtype=np.float64))
    q_smd = np.full(len(shifts), np.nan)
    q_smd[has_mean] = adjusted[: int(has_mean.sum())]
    return q_smd, adjusted[int(has_mean.sum()) :]


def _word(mean: bool, distribution: bool) -> str:
    return {
        (True, True): "mean and distribution",
        (True, False): "mean",
        (False, True): "distribution",
    }.get((mean, distribution), "no")


def shift_part(
    section: Section, train: pd.DataFrame, test: pd.DataFrame, settings: DataSettings
) -> None:
    """Add the shift metrics and the table ``shift`` to ``section``."""
    options = {"max_categories": settings.max_categories, "psi_bins": settings.psi_bins}
    shifts = [column_shift(str(c), train[c], test[c], **options) for c in train.columns]
    q_smd, q_psi = _flags(shifts)
    mean_flag = q_smd <= ALPHA  # NaN compares False
    dist_flag = q_psi <= ALPHA
    numeric = [k for k, s in enumerate(shifts) if s.smd is not None]
    z = two_sided_z(ALPHA, len(numeric))  # simultaneous over the numeric features' SMDs
    bounds = {
        k: (shifts[k].smd - z * shifts[k].smd_se, shifts[k].smd + z * shifts[k].smd_se)
        for k in numeric
    }
    if numeric:
        size = {k: abs(shifts[k].smd) for k in numeric}
        # |SMD| lies in [max(0, |d| - z se), |d| + z se] for every feature at once
        low = max(max(0.0, size[k] - z * shifts[k].smd_se) for k in numeric)
        high = max(size[k] + z * shifts[k].smd_se for k in numeric)
        add(section, "max_abs_smd", max(size.values()), ci=[low, high])
        flagged = [size[k] for k in numeric if mean_flag[k]]
        add(section, "max_shifted_smd", max(flagged, default=0.0))
    order = sorted(range(len(shifts)), key=lambda k: -shifts[k].psi)
    add(section, "max_psi", shifts[order[0]].psi)
    flagged = [shifts[k].psi for k in order if dist_flag[k]]
    add(section, "max_shifted_psi", max(flagged, default=0.0))
    rows = []
    for k in order:
        s = shifts[k]
        q = None if np.isnan(q_smd[k]) else float(q_smd[k])
        low, high = bounds.get(k, (None, None))
        flags = _word(bool(mean_flag[k]), bool(dist_flag[k]))
        rows.append([s.feature, s.kind, s.smd, low, high, q, s.psi, float(q_psi[k]), flags])
    columns = ["feature", "kind", "smd", "smd_low", "smd_high", "p_smd", "psi", "p_psi"]
    section.tables.append(
        Table(
            id="shift",
            title="Train/test shift by feature",
            columns=[*columns, "shifted"],
            rows=rows,
            caption=f"numeric: more than {settings.max_categories} distinct values, PSI over "
            f"{settings.psi_bins} quantile bins of train; categorical: PSI over levels. "
            "SMD: (mean test - mean train) / pooled standard deviation, with simultaneous "
            "(Bonferroni) 95% bounds over the numeric features. p_smd: Welch's test of equal "
            "means; p_psi: chi-square test of equal distributions over the PSI's bins (levels "
            "expected below 5 rows pooled); both Holm-adjusted over all the tests in this "
            f"table. shifted: a test with adjusted p at most {ALPHA:g} (5% family-wise).",
        )
    )
