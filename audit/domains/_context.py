"""What a reference domain's build records about its training.

``reference(domain, ...)`` passes a :class:`BuildRecord` to the domain's ``build``,
which hands it to the shared helpers ``seeded_model`` and ``train`` of ``_common``:
they write down the model factory, the recipe and the privacy record, from which
``reference`` makes the subject's training record (and its trainer).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["BuildRecord"]


@dataclass
class BuildRecord:
    """What one build recorded: the model factory, the recipe, the DP-SGD record."""

    factory: Callable[[], Any] | None = None
    recipe: Any = None
    seed: int = 0
    privacy_record: dict[str, Any] | None = None
    augment: Callable[..., Any] | None = None
