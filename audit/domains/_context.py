"""What a reference domain's build records, and how it should train (plainly or with DP).

``reference(domain, privacy=...)`` opens a build context; the shared helpers
``seeded_model`` and ``train`` of ``_common`` read the options and write down the model
factory, the recipe and the privacy record, so that every domain module gets DP-SGD
training and a shadow-model trainer without code of its own.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

__all__ = ["BuildRecord", "build_context", "current"]


@dataclass
class BuildRecord:
    """Options of one build (``privacy``) and what it recorded."""

    privacy: Any = None  # PrivacySettings with dp=True, or None for plain training
    #: train with the domain's DP recipe even without DP (the non-private twin of a DP model)
    dp_recipe: bool = False
    factory: Callable[[], Any] | None = None
    recipe: Any = None
    seed: int = 0
    privacy_record: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


_CURRENT: contextvars.ContextVar[BuildRecord | None] = contextvars.ContextVar(
    "audit_build", default=None
)


def current() -> BuildRecord | None:
    """The record of the build in progress, if any."""
    return _CURRENT.get()


@contextlib.contextmanager
def build_context(privacy: Any = None, *, dp_recipe: bool = False) -> Iterator[BuildRecord]:
    """Open a build context whose record the shared helpers fill in.

    ``dp_recipe`` (implied by ``privacy``) selects the domain's recipe for DP-SGD.
    """
    record = BuildRecord(privacy=privacy, dp_recipe=dp_recipe or privacy is not None)
    token = _CURRENT.set(record)
    try:
        yield record
    finally:
        _CURRENT.reset(token)
