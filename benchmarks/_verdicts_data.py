"""Data verdicts by simulation with known truth: shift, class balance, duplicates.

Each run draws a table whose truth is known, builds the data section exactly as an
audit does (:func:`audit.data.data_section`), judges it with the default policy and
records the verdicts. The "old rule" columns judge the same draws the way the data
check did before (raw |SMD| and PSI against 0.10 / 0.25, smallest class share against
0.20 / 0.05, raw duplicate share against 0.01 / 0.05).

    .venv/bin/python benchmarks/_verdicts_data.py [--runs 200] [--seed 0]
"""

from __future__ import annotations

import argparse
import json

import numpy as np
import pandas as pd

from audit.data import SplitData, data_section
from audit.policy import Policy

SHIFT_METRICS = ("max_shifted_smd", "max_shifted_psi")


def _table(rng: np.random.Generator, n: int, columns: int = 20, shift: float = 0.0) -> pd.DataFrame:
    """A credit-like table: a third numeric (normal, skewed, counts), the rest categorical
    with 2-10 levels of unequal frequency; ``shift`` moves the mean of column n0 by that
    many standard deviations."""
    data = {}
    numeric = columns // 3
    for j in range(numeric):
        kind = j % 3
        if kind == 0:
            data[f"n{j}"] = rng.normal(size=n) + (shift if j == 0 else 0.0)
        elif kind == 1:
            data[f"n{j}"] = np.round(rng.lognormal(7.5, 0.8, size=n))
        else:
            data[f"n{j}"] = rng.poisson(35, size=n).astype(np.float64)
    for j in range(columns - numeric):
        levels = 2 + j % 9
        weights = 0.6 ** np.arange(levels)
        data[f"c{j}"] = rng.choice([f"l{k}" for k in range(levels)], n, p=weights / weights.sum())
    return pd.DataFrame(data)


def _judged(splits: dict[str, SplitData], **kwargs) -> dict:
    section = Policy().apply(data_section(splits, **kwargs))
    return {m.key: m for m in section.metrics} | {"_verdict": section.verdict}


def _shift_verdict(metrics: dict) -> str:
    verdicts = [metrics[k].verdict for k in SHIFT_METRICS if k in metrics]
    return max(verdicts, key=("info", "pass", "warn", "fail").index)


def _old_shift(metrics: dict) -> str:
    worst = max(metrics["max_abs_smd"].value, metrics["max_psi"].value)
    return "fail" if worst > 0.25 else "warn" if worst > 0.10 else "pass"


def shift(n_train: int, n_test: int, smd: float, *, runs: int, seed: int) -> dict:
    """Twenty columns drawn alike in train and test, but for a mean shift of ``smd`` in
    one numeric column: how often the shift verdict fails, or warns or fails."""
    rng = np.random.default_rng(seed)
    new, old, columns_over = [], [], 0
    for _ in range(runs):
        train = _table(rng, n_train)
        test = _table(rng, n_test, shift=smd)
        labels = rng.integers(0, 2, n_train), rng.integers(0, 2, n_test)
        metrics = _judged(
            {"train": SplitData(train, labels[0]), "test": SplitData(test, labels[1])}
        )
        new.append(_shift_verdict(metrics))
        old.append(_old_shift(metrics))
        numeric = [c for c in train.columns if c.startswith("n")]
        diff = (test[numeric].mean() - train[numeric].mean()) / np.sqrt(
            (train[numeric].var() + test[numeric].var()) / 2
        )
        columns_over += int((diff.abs() > 0.10).sum())
    return {
        "rows": f"{n_train}/{n_test}",
        "true_smd": smd,
        "fail_rate": new.count("fail") / runs,
        "flag_rate": (new.count("fail") + new.count("warn")) / runs,
        "old_rule_fail_rate": old.count("fail") / runs,
        "old_rule_flag_rate": (old.count("fail") + old.count("warn")) / runs,
        "numeric_columns_over_0.10": columns_over / (runs * 6),
    }


def balanced_classes(classes: int, n_train: int, n_test: int, *, runs: int, seed: int) -> dict:
    """Labels drawn evenly over ``classes``: how often class balance warns or fails."""
    rng = np.random.default_rng(seed)
    new, old = [], []
    for _ in range(runs):
        splits = {
            name: SplitData(pd.DataFrame({"x": rng.normal(size=n)}), rng.integers(0, classes, n))
            for name, n in (("train", n_train), ("test", n_test))
        }
        metric = _judged(splits)["minority_class_ratio"]
        new.append(metric.verdict)
        share = metric.value / classes
        old.append("fail" if share < 0.05 else "warn" if share < 0.20 else "pass")
    return {
        "classes": classes,
        "rows": f"{n_train}/{n_test}",
        "warn_or_fail_rate": sum(v != "pass" for v in new) / runs,
        "old_rule_warn_or_fail_rate": sum(v != "pass" for v in old) / runs,
    }


def minority(classes: int, share: float, n: int, *, runs: int, seed: int) -> dict:
    """One class drawn at ``share``, the others evenly: the class-balance verdicts."""
    rng = np.random.default_rng(seed)
    p = np.full(classes, (1 - share) / (classes - 1))
    p[0] = share
    verdicts = []
    for _ in range(runs):
        split = SplitData(pd.DataFrame({"x": rng.normal(size=n)}), rng.choice(classes, n, p=p))
        verdicts.append(_judged({"all": split})["minority_class_ratio"].verdict)
    return {
        "classes": classes,
        "minority_share": share,
        "warn_rate": verdicts.count("warn") / runs,
        "fail_rate": verdicts.count("fail") / runs,
    }


def _compas_like(rng: np.random.Generator, n: int) -> tuple[pd.DataFrame, np.ndarray]:
    """ProPublica's COMPAS columns as few low-cardinality levels, dependent through a
    latent risk: sex, age band, race, charge degree; label two-year recidivism."""
    risk = rng.normal(size=n)
    age = np.digitize(rng.normal(size=n) - 0.6 * risk, [-0.8, 0.9])
    race = rng.choice(6, n, p=[0.51, 0.34, 0.08, 0.05, 0.01, 0.01])
    races = ["African-American", "Caucasian", "Hispanic", "Other", "Asian", "Native American"]
    frame = pd.DataFrame(
        {
            "sex": np.where(rng.random(n) < 0.81, "Male", "Female"),
            "age_cat": np.array(["Less than 25", "25 - 45", "Greater than 45"])[age],
            "race": np.array(races)[race],
            "c_charge_degree": np.where(rng.random(n) < 0.25 + 0.2 * (risk > 0), "M", "F"),
        }
    )
    label = (rng.random(n) < 1 / (1 + np.exp(-(risk + 0.3 * (race == 0) - 0.2)))).astype(np.int64)
    return frame, label


def _survey(rng: np.random.Generator, n: int, questions: int = 8) -> pd.DataFrame:
    """Yes/no answers driven strongly by one latent attitude: few, dependent columns."""
    attitude = rng.normal(size=n)
    answers = 2 * attitude[:, None] + rng.normal(size=(n, questions)) > 0
    return pd.DataFrame(answers.astype(int), columns=[f"q{j}" for j in range(questions)])


def duplicates(*, runs: int, seed: int) -> dict:
    """Tables with many chance repeats and no copies (COMPAS-like: 6,172 rows, 4 categorical
    columns, 70/30 split; a survey: 1,000 rows, 8 dependent yes/no answers), and a
    credit-like table (860 rows, 20 columns) with 10% of its rows copied, or 10% of its
    test rows copied from train: how often duplicates and overlap fail."""
    rng = np.random.default_rng(seed)
    verdicts: dict[str, list[str]] = {
        k: [] for k in ("compas", "compas_overlap", "survey", "copied", "leaked")
    }
    raw = []
    for _ in range(runs):
        frame, label = _compas_like(rng, 6172)
        cut = int(0.7 * len(frame))
        splits = {
            "train": SplitData(frame.iloc[:cut], label[:cut]),
            "test": SplitData(frame.iloc[cut:], label[cut:]),
        }
        metrics = _judged(splits)
        verdicts["compas"].append(metrics["identifiable_duplicate_share"].verdict)
        verdicts["compas_overlap"].append(metrics["identifiable_train_test_overlap"].verdict)
        dups = sum(int(s.features.assign(_y=s.labels).duplicated().sum()) for s in splits.values())
        raw.append(dups / len(frame))
        survey = SplitData(_survey(rng, 1000), rng.integers(0, 2, 1000))
        verdicts["survey"].append(_judged({"all": survey})["identifiable_duplicate_share"].verdict)
        table, y = _table(rng, 860), rng.integers(0, 2, 860)
        rows = np.concatenate([np.arange(860), rng.choice(860, 86)])  # 86 copies
        rng.shuffle(rows)
        copied = SplitData(table.iloc[rows], y[rows])
        verdicts["copied"].append(_judged({"all": copied})["identifiable_duplicate_share"].verdict)
        test_rows = np.concatenate([np.arange(560, 830), rng.choice(560, 30, replace=False)])
        leaked = {
            "train": SplitData(table.iloc[:560], y[:560]),
            "test": SplitData(table.iloc[test_rows], y[test_rows]),
        }
        verdicts["leaked"].append(_judged(leaked)["identifiable_train_test_overlap"].verdict)

    def rate(key: str, verdict: str = "fail") -> float:
        return verdicts[key].count(verdict) / runs

    return {
        "compas_like_raw_duplicate_share": float(np.mean(raw)),
        "compas_like_old_rule_fail_rate": float(np.mean(np.array(raw) > 0.05)),
        "compas_like_fail_rate": rate("compas"),
        "compas_like_warn_rate": rate("compas", "warn"),
        "compas_like_overlap_fail_rate": rate("compas_overlap"),
        "dependent_survey_fail_rate": rate("survey"),
        "copied_10pct_fail_rate": rate("copied"),
        "leaked_10pct_of_test_fail_rate": rate("leaked"),
    }


def simulate(runs: int = 200, seed: int = 0) -> dict:
    """All the data simulations; each setting ``runs`` times."""
    return {
        "shift_none_560_300": shift(560, 300, 0.0, runs=runs, seed=seed),
        "shift_none_5000_5000": shift(5000, 5000, 0.0, runs=max(runs // 4, 10), seed=seed + 1),
        "shift_smd_0.5_500_500": shift(500, 500, 0.5, runs=runs, seed=seed + 2),
        "shift_smd_0.3_500_500": shift(500, 500, 0.3, runs=runs, seed=seed + 3),
        "balanced_10_classes": balanced_classes(10, 1005, 540, runs=runs, seed=seed + 4),
        "balanced_10_classes_small": balanced_classes(10, 150, 50, runs=runs, seed=seed + 5),
        "minority_2_classes_0.10": minority(2, 0.10, 1000, runs=runs, seed=seed + 6),
        "minority_10_classes_0.005": minority(10, 0.005, 2000, runs=runs, seed=seed + 7),
        "duplicates": duplicates(runs=max(runs // 4, 10), seed=seed + 8),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args()
    out = simulate(args.runs, args.seed)
    if args.json:
        print(json.dumps(out, indent=1))
        return
    for name, figures in out.items():
        print(name)
        for key, value in figures.items():
            text = f"{value:.3f}" if isinstance(value, float) else str(value)
            print(f"  {key:<36} {text}")


if __name__ == "__main__":
    main()
