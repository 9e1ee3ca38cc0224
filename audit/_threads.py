"""Run torch on one thread inside a block (the reference models and audits are small)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch

__all__ = ["one_thread"]


@contextlib.contextmanager
def one_thread() -> Iterator[None]:
    """Run torch on one thread inside the block, then restore the caller's setting.

    The models here are small: a second thread buys little, and when other processes
    share the cores, waiting threads make training and attribution many times slower.
    One thread also gives the same weights whatever the machine's core count.

    Examples
    --------
    >>> with one_thread():
    ...     torch.get_num_threads()
    1
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)
