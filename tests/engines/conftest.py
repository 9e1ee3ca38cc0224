"""Engine fixtures: one small prediction table, one local SparkSession and one local Ray.

A Spark or Ray test skips outside CI when pyspark, Java or ray is missing, with the
reason; in CI (``CI=true``) it fails instead, so that a missing engine never passes
silently.
"""

from __future__ import annotations

import os
import shutil

import numpy as np
import pandas as pd
import pytest


def prediction_table(n: int = 1500, seed: int = 0) -> pd.DataFrame:
    """Labels, scores at 4 decimals (exact histogram), decisions, sex, age, a missing column."""
    rng = np.random.default_rng(seed)
    sex = rng.choice(["f", "m"], n, p=[0.4, 0.6])
    y = (rng.random(n) < 0.5).astype(np.int64)
    score = np.clip(0.25 + 0.4 * y + 0.15 * (sex == "m") + rng.normal(0, 0.15, n), 0, 1)
    return pd.DataFrame(
        {
            "y": y,
            "score": score.round(4),
            "decision": (rng.random(n) < score).astype(np.int64),
            "sex": sex,
            "age": rng.integers(18, 80, n),
            "income": np.where(rng.random(n) < 0.05, np.nan, rng.normal(50, 10, n)),
        }
    )


@pytest.fixture(scope="session")
def table() -> pd.DataFrame:
    return prediction_table()


@pytest.fixture(scope="session")
def spark():
    """A local SparkSession (local[2], 2 shuffle partitions, UI off), stopped at the end."""
    reason = None
    try:
        import pyspark  # noqa: F401
    except ImportError:
        reason = "pyspark is not installed (pip install 'rai-audit[spark]')"
    if reason is None and shutil.which("java") is None:
        reason = "Java is missing (make java, or apt-get install default-jre-headless)"
    if reason is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Spark tests cannot run in CI: {reason}")
        pytest.skip(reason)
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("rai-audit-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.default.parallelism", "2")
        .config("spark.driver.memory", "1g")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.sql.codegen.wholeStage", "false")  # tiny tables: compiling costs more
        .config("spark.sql.adaptive.enabled", "false")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def _missing(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"Engine tests cannot run in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def ray_local():
    """One local Ray for the session (2 CPUs, no dashboard), shut down at the end."""
    try:
        import ray
    except ImportError:
        _missing("ray is not installed (pip install 'rai-audit[ray]')")
    started = not ray.is_initialized()
    if started:
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    if started:
        ray.shutdown()
