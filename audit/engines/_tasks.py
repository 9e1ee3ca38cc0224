"""Independent trainings as tasks: one after another here (serial), or as Ray tasks.

The model audits do much work whose parts do not depend on each other: the models they
train (shadow models, the points of the privacy–utility curve), the explainability
check's attribution batches (:mod:`audit.explain._batches`) and the performance
bootstrap's chunks of replicates (:mod:`audit.performance._intervals`). Checks reach the
config's engine through ``RunContext.engine``. :func:`map_tasks` runs ``fn(item, *shared)``
for every item and returns the results in the items' order, either in this process
(``"serial"``, the default) or as Ray tasks (``"ray"``, ``pip install 'rai-audit[ray]'``)
on a local Ray or a cluster. Each item carries everything that makes its task
differ, its seed included, and every task runs on one torch thread in both engines:
a task gives the same bytes wherever it runs, so both engines give the same results.
The large objects all tasks share (training tensors, the trainer) travel once, through
Ray's object store (``ray.put``), not once per task.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from audit._threads import one_thread
from audit.errors import AuditInputError, bad_input
from audit.settings import EngineSettings

__all__ = ["ENGINES", "MISSING_RAY", "engine_record", "engine_settings", "map_tasks"]

T = TypeVar("T")

#: The engines of ``engine:`` in the config and ``rai-audit run --engine``.
ENGINES = ("serial", "ray")

MISSING_RAY = "the Ray engine needs the ray package: pip install 'rai-audit[ray]'"


def engine_settings(
    engine: str | EngineSettings | None = None,
    *,
    address: str | None = None,
    workers: int | None = None,
) -> EngineSettings:
    """``engine`` as :class:`~audit.settings.EngineSettings` (``None``: serial).

    ``address`` and ``workers`` apply when ``engine`` is a name.

    Examples
    --------
    >>> engine_settings("ray", workers=2)
    EngineSettings(name='ray', address=None, workers=2)
    >>> engine_settings(None).name
    'serial'
    """
    if engine is None:
        return EngineSettings()
    if isinstance(engine, EngineSettings):
        return engine
    if engine not in ENGINES:
        raise bad_input("engine", f"one of {list(ENGINES)} or an EngineSettings", repr(engine))
    return EngineSettings(name=engine, address=address, workers=workers)


def map_tasks(
    fn: Callable[..., T],
    items: Sequence[Any],
    *,
    engine: str | EngineSettings | None = "serial",
    address: str | None = None,
    workers: int | None = None,
    shared: Sequence[Any] = (),
    on_start: Callable[[int], None] | None = None,
) -> list[T]:
    """``[fn(item, *shared) for item in items]``, serially or as Ray tasks, in order.

    Parameters
    ----------
    fn : callable
        ``fn(item, *shared) -> result``; a module-level function (Ray pickles it by
        reference), deterministic given its arguments: an item carries its own seed.
    items : sequence
        One per task, small (indices, seeds, settings).
    engine : {"serial", "ray"} or EngineSettings
        ``"serial"`` runs the tasks here, one after another; ``"ray"`` submits them to
        Ray, started here with ``ray.init(num_cpus=workers)`` unless Ray is already
        initialized, or connected to the cluster at ``address``.
    address : str, optional
        A Ray cluster's address (``"auto"``, ``"ray://head:10001"``); with ``engine="ray"``.
    workers : int, optional
        At most this many tasks at a time (default: every CPU of the Ray cluster).
    shared : sequence
        Large arguments every task takes after its item; Ray stores each once
        (``ray.put``).
    on_start : callable, optional
        ``on_start(index)`` before task ``index`` (0-based) runs or is submitted.

    Returns
    -------
    list
        The results, in the order of ``items``.

    Raises
    ------
    AuditInputError
        With ``engine="ray"`` when ray is not installed (naming ``rai-audit[ray]``).

    Examples
    --------
    >>> def scaled(item, factor):
    ...     return item * factor
    >>> map_tasks(scaled, [1, 2, 3], shared=[10])
    [10, 20, 30]
    """
    settings = engine_settings(engine, address=address, workers=workers)
    items = list(items)
    if settings.name == "serial":
        results = []
        for index, item in enumerate(items):
            if on_start is not None:
                on_start(index)
            results.append(_call(fn, item, *shared))
        return results
    return _ray_map(fn, items, settings, shared, on_start)


def engine_record(engine: str | EngineSettings | None) -> dict[str, Any]:
    """What the manifest says of the engine: its name, workers and address.

    For Ray, ``workers`` is the setting, else the CPUs of the Ray cluster when it runs.

    Examples
    --------
    >>> engine_record("serial")
    {'engine': 'serial', 'workers': 1, 'address': None}
    """
    settings = engine_settings(engine)
    if settings.name == "serial":
        return {"engine": "serial", "workers": 1, "address": None}
    workers = settings.workers
    if workers is None:
        try:
            import ray

            if ray.is_initialized():
                workers = int(ray.cluster_resources().get("CPU", 0)) or None
        except ImportError:
            pass
    return {"engine": "ray", "workers": workers, "address": settings.address}


def _call(fn: Callable[..., T], item: Any, *shared: Any) -> T:
    """One task, on one torch thread (the same bytes whatever the machine's cores)."""
    with one_thread():
        return fn(item, *shared)


_REMOTE: dict[str, Any] = {}


def _ray_module(settings: EngineSettings) -> Any:
    """The ray module, initialized (locally or at ``settings.address``) if it was not."""
    try:
        import ray
    except ImportError:
        raise AuditInputError(f"engine 'ray': expected {MISSING_RAY}.") from None
    if not ray.is_initialized():
        ray.init(
            address=settings.address,
            num_cpus=settings.workers if settings.address is None else None,
            include_dashboard=False,
            log_to_driver=False,
            ignore_reinit_error=True,
        )
    if "call" not in _REMOTE:
        _REMOTE["call"] = ray.remote(num_cpus=1, max_retries=0)(_call)
    return ray


def _ray_map(
    fn: Callable[..., T],
    items: list[Any],
    settings: EngineSettings,
    shared: Sequence[Any],
    on_start: Callable[[int], None] | None,
) -> list[T]:
    ray = _ray_module(settings)
    remote = _REMOTE["call"]
    limit = settings.workers or max(int(ray.cluster_resources().get("CPU", 1)), 1)
    fn_ref = ray.put(fn)
    shared_refs = [ray.put(value) for value in shared]
    results: list[Any] = [None] * len(items)
    pending: dict[Any, int] = {}
    queue = iter(enumerate(items))
    try:
        for index, item in queue:
            while len(pending) >= limit:
                _collect(ray, pending, results)
            if on_start is not None:
                on_start(index)
            pending[remote.remote(fn_ref, item, *shared_refs)] = index
        while pending:
            _collect(ray, pending, results)
    except BaseException:
        for ref in pending:
            ray.cancel(ref)
        raise
    return results


def _collect(ray: Any, pending: dict[Any, int], results: list[Any]) -> None:
    """Wait for one task of ``pending``; store its result (or raise the task's error)."""
    done, _ = ray.wait(list(pending), num_returns=1)
    for ref in done:
        index = pending.pop(ref)
        try:
            results[index] = ray.get(ref)
        except ray.exceptions.RayTaskError as error:
            raise error.as_instanceof_cause() from None
