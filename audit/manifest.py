"""The reproducibility manifest: versions, platform, seed, config and content hashes."""

from __future__ import annotations

import hashlib
import platform
import resource
import sys
from importlib import metadata
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch


__all__ = ["build_manifest", "data_sha256", "peak_rss_mb", "state_sha256"]

_PACKAGES = (
    "rai-audit",
    "torch",
    "numpy",
    "pandas",
    "scikit-learn",
    "fairlearn",
    "captum",
    "shap",
    "opacus",
    "jinja2",
)


def package_versions() -> dict[str, str | None]:
    """Installed versions of the packages an audit depends on."""
    return {name: _version(name) for name in _PACKAGES}


def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def state_sha256(model: torch.nn.Module) -> str:
    import torch

    """SHA-256 over the model's state dict: each entry's name, dtype, shape and bytes."""
    digest = hashlib.sha256()
    for name, tensor in model.state_dict().items():
        value = tensor.detach().cpu().contiguous()
        digest.update(f"{name}|{value.dtype}|{tuple(value.shape)}".encode())
        digest.update(
            value.numpy().tobytes()
            if value.dtype != torch.bfloat16
            else value.float().numpy().tobytes()
        )
    return digest.hexdigest()


def data_sha256(*tensors: torch.Tensor) -> str:
    """SHA-256 over the bytes of ``tensors`` (features and labels of each split)."""
    digest = hashlib.sha256()
    for tensor in tensors:
        value = tensor.detach().cpu().contiguous()
        digest.update(f"{value.dtype}|{tuple(value.shape)}".encode())
        digest.update(value.numpy().tobytes())
    return digest.hexdigest()


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MiB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024, 1)


def _environment(config: Any) -> dict[str, Any]:
    return {
        "versions": package_versions(),
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
        "seed": config.seed,
        "config": config.model_dump(mode="json"),
    }


def build_manifest(
    subject: Any, config: Any, *, data_hash: str | None = None, engine: str | None = None
) -> dict[str, Any]:
    """Everything needed to reproduce a result, except its run time (see ``runtime``).

    Without a subject (audited predictions), there is no model hash and ``data_hash``
    gives the data's; ``engine`` names what counted the table (pandas, duckdb, spark).
    With a subject, ``engine`` and ``workers`` say where the model audits' trainings ran
    (the config's ``engine``: ``serial`` with 1 worker, or ``ray`` with its workers, and
    ``engine_address`` a cluster's address); the seconds of each stage are in
    ``runtime["stages"]``.
    """
    if subject is None:
        return {
            **_environment(config),
            "model_sha256": None,
            "data_sha256": data_hash,
            "torch_threads": None,
            "engine": engine,
            "workers": None,
            "runtime": {},
        }
    from audit.engines._tasks import engine_record

    record = engine_record(getattr(config, "engine", None))
    environment = _environment(config)
    if record["engine"] == "ray":
        environment["versions"]["ray"] = _version("ray")
    return {
        **environment,
        "subject_seed": getattr(subject, "seed", None),
        "model_sha256": state_sha256(subject.model),
        "data_sha256": data_sha256(
            subject.X_train, subject.y_train, subject.X_test, subject.y_test
        ),
        "torch_threads": _torch_threads(),
        "engine": engine or record["engine"],
        "workers": record["workers"],
        "engine_address": record["address"],
        "runtime": {},
    }


def _torch_threads() -> int:
    import torch

    return torch.get_num_threads()
