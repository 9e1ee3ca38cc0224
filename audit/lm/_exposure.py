"""Canary exposure (Carlini et al. 2019, "The Secret Sharer"): pure math and batched scoring.

``exposure = log2 |R| − log2 rank``, where ``rank`` is the canary's place (1 = most
likely) among all ``|R|`` secrets of its format ordered by the model's log-perplexity.
For a space of digit slots the rank is exact: the log-probabilities of every candidate
are computed level by level over the trie of prefixes (``sum 10^k`` forward passes of
short prefixes, in large batches, instead of ``10^6`` full ones). For a larger space,
the paper's extrapolation: fit a skew-normal to the log-perplexities of a random
sample of candidates and read the canary's exposure off its cumulative distribution.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

__all__ = [
    "candidate_log_probs",
    "exposure_from_rank",
    "exposure_from_sample",
    "greedy_continuation",
    "rank_of",
    "sequence_log_prob",
]


def exposure_from_rank(rank: int | float, space: int | float) -> float:
    """``log2 |R| − log2 rank``.

    Examples
    --------
    >>> exposure_from_rank(1, 10**6)  # the most likely of a million: ~19.93 bits
    19.931568569324174
    >>> exposure_from_rank(10**6, 10**6)
    0.0
    """
    if rank < 1 or rank > space:
        raise ValueError(f"rank must be in 1..{space}, got {rank}")
    return math.log2(space) - math.log2(rank)


def rank_of(target: float, scores: np.ndarray) -> float:
    """The canary's mid-rank: 1 + candidates scored higher + half of those tied with it.

    ``scores`` holds every candidate's log-probability, the canary's among them.
    Without ties this is ``1 +`` the number scored strictly higher. Candidates tied
    with the canary share their places (mid-rank): a model that gives every secret
    the same probability ranks the canary in the middle, exposure ≈ 1 bit, as for
    a secret it never saw (counting ties in the canary's favour would give it rank 1
    and the full ``log2 |R|`` bits: a FAIL for a model that learned nothing).

    Examples
    --------
    >>> rank_of(-1.0, np.array([-0.5, -1.0, -2.0]))
    2.0
    >>> rank_of(-1.0, np.array([-1.0, -1.0, -1.0, -1.0]))  # all tied: the middle
    2.5
    """
    scores = np.asarray(scores)
    higher = int(np.count_nonzero(scores > target))
    tied = int(np.count_nonzero(scores == target))
    return 1.0 + higher + max(tied - 1, 0) / 2.0


def _next_log_probs(
    model: nn.Module, prefixes: torch.Tensor, slot_ids: torch.Tensor, batch_size: int
) -> torch.Tensor:
    """log P(slot token | prefix) for every prefix row: ``(rows, len(slot_ids))``."""
    out = []
    with torch.no_grad():
        for start in range(0, len(prefixes), batch_size):
            logits = model(prefixes[start : start + batch_size])[:, -1]
            out.append(torch.log_softmax(logits.double(), dim=-1)[:, slot_ids])
    return torch.cat(out)


def candidate_log_probs(
    model: nn.Module,
    prefix: Sequence[int],
    slot_ids: Sequence[int],
    length: int,
    *,
    batch_size: int = 8192,
) -> np.ndarray:
    """log P(secret | prefix) of every secret of ``length`` slots, each one of ``slot_ids``.

    Candidates are in lexicographic order of their slot indices (secret ``d1..dk`` of
    digit slots is row ``int("d1..dk")``). Computed over the trie of prefixes: level
    ``k`` runs the model once on each of the ``len(slot_ids)^k`` prefixes.

    Examples
    --------
    >>> from audit.models._decoder import CausalDecoder
    >>> model = CausalDecoder(12, 8, d_model=8, n_heads=2, d_ff=8).eval()
    >>> scores = candidate_log_probs(model, [1], list(range(2, 12)), 2)
    >>> scores.shape, bool(0 < np.exp(scores).sum() <= 1)  # mass on the 100 secrets
    ((100,), True)
    """
    was_training = model.training
    model.eval()
    slots = torch.as_tensor(list(slot_ids), dtype=torch.long)
    k = len(slots)
    prefixes = torch.as_tensor(list(prefix), dtype=torch.long)[None]
    totals = torch.zeros(1, dtype=torch.float64)
    try:
        for _ in range(length):
            step = _next_log_probs(model, prefixes, slots, batch_size)  # (rows, k)
            totals = (totals[:, None] + step).reshape(-1)
            prefixes = torch.cat(
                [prefixes.repeat_interleave(k, dim=0), slots.repeat(len(prefixes))[:, None]],
                dim=1,
            )
    finally:
        model.train(was_training)
    return totals.numpy()


def sequence_log_prob(model: nn.Module, ids: torch.Tensor, start: int) -> np.ndarray:
    """Sum of log P(token t | tokens < t) for ``t >= start``, per row of ``ids`` (no padding).

    Examples
    --------
    >>> from audit.models._decoder import CausalDecoder
    >>> model = CausalDecoder(12, 8, d_model=8, n_heads=2, d_ff=8)
    >>> sequence_log_prob(model, torch.tensor([[1, 3, 4]]), 1).shape
    (1,)
    """
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            logp = torch.log_softmax(model(ids).double(), dim=-1)
    finally:
        model.train(was_training)
    picked = logp[:, :-1].gather(2, ids[:, 1:, None]).squeeze(2)
    return picked[:, start - 1 :].sum(1).numpy()


def exposure_from_sample(target: float, sample: np.ndarray, space: float) -> float:
    """Exposure estimated from a random sample of candidates' log-probabilities.

    The paper's extrapolation: a skew-normal fitted to the sample's negative
    log-probabilities (log-perplexities) gives the share of the space more likely
    than the canary, ``F(−target)``; exposure ``= −log2 F``, capped at ``log2 |R|``.
    When no skew-normal fits (a sample with no spread: a model that gives every
    secret the same probability), the sample's own share is used (ties counting one
    half), which resolves no more than ``log2 (2 · sample size)`` bits.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> sample = rng.normal(-14, 1, 5000)
    >>> round(exposure_from_sample(-14.0, sample, 1e6), 1)  # the median: 1 bit
    1.0
    >>> exposure_from_sample(-14.0, np.full(100, -14.0), 1e6)  # all tied: the median
    1.0
    """
    from scipy.stats import FitError, skewnorm

    sample = np.asarray(sample, dtype=np.float64)
    try:
        if np.ptp(sample) <= 1e-9 * max(1.0, float(np.abs(sample).max())):
            raise FitError("the sample has no spread")
        shape, loc, scale = skewnorm.fit(-sample)
        share = float(skewnorm.cdf(-target, shape, loc=loc, scale=scale))
    except FitError:  # e.g. a model giving every secret the same probability
        higher = np.count_nonzero(sample > target) + 0.5 * np.count_nonzero(sample == target)
        share = max(float(higher), 0.5) / len(sample)
    return float(min(math.log2(space), -math.log2(max(share, 1.0 / space))))


def greedy_continuation(model: nn.Module, prefix: Sequence[int], steps: int) -> list[int]:
    """The ``steps`` tokens greedy decoding adds to ``prefix``.

    Examples
    --------
    >>> from audit.models._decoder import CausalDecoder
    >>> len(greedy_continuation(CausalDecoder(12, 8, d_model=8, n_heads=2, d_ff=8), [1], 3))
    3
    """
    was_training = model.training
    model.eval()
    ids = torch.as_tensor(list(prefix), dtype=torch.long)[None]
    try:
        with torch.no_grad():
            for _ in range(steps):
                ids = torch.cat([ids, model(ids)[:, -1].argmax(-1, keepdim=True)], dim=1)
    finally:
        model.train(was_training)
    return ids[0, len(prefix) :].tolist()
