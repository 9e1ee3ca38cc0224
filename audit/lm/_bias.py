"""Bias in generation: counterfactual prompt pairs, sentiment log-odds and sampled continuations."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from audit.results import Metric, Section, Table

if TYPE_CHECKING:
    from audit.lm._subject import LanguageModelSubject

__all__ = [
    "bootstrap_difference",
    "bootstrap_mean",
    "generation_bias_section",
    "sample_continuations",
    "sentiment_log_odds",
]


def bootstrap_mean(values: np.ndarray, *, rounds: int = 2000, seed: int = 0) -> list[float]:
    """Percentile 95% bootstrap interval of the mean of ``values``.

    Examples
    --------
    >>> low, high = bootstrap_mean(np.arange(100.0), seed=0)
    >>> bool(low < 49.5 < high)
    True
    """
    values = np.asarray(values, dtype=np.float64)
    rng = np.random.default_rng(seed)
    means = values[rng.integers(0, len(values), (rounds, len(values)))].mean(1)
    return [float(np.quantile(means, 0.025)), float(np.quantile(means, 0.975))]


def bootstrap_difference(
    a: np.ndarray, b: np.ndarray, *, rounds: int = 2000, seed: int = 0
) -> list[float]:
    """Percentile 95% bootstrap interval of ``mean(a) − mean(b)`` (independent samples).

    Examples
    --------
    >>> low, high = bootstrap_difference(np.r_[np.ones(60), np.zeros(40)], np.ones(50) / 2)
    >>> bool(low < 0.1 < high)
    True
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    rng = np.random.default_rng(seed)
    boot = a[rng.integers(0, len(a), (rounds, len(a)))].mean(1) - b[
        rng.integers(0, len(b), (rounds, len(b)))
    ].mean(1)
    return [float(np.quantile(boot, 0.025)), float(np.quantile(boot, 0.975))]


def _prompt_ids(subject: LanguageModelSubject, texts: list[str]) -> torch.Tensor:
    """Left-aligned ids of ``texts`` after ``[BOS]``; all prompts of a batch share a length."""
    rows = [subject.encode_text(t) for t in texts]
    width = max(len(r) for r in rows)
    out = torch.full((len(rows), width), subject.lm_data.pad_id, dtype=torch.long)
    for i, r in enumerate(rows):
        out[i, : len(r)] = torch.tensor(r)
    return out, torch.tensor([len(r) - 1 for r in rows])


def sentiment_log_odds(
    model: torch.nn.Module, subject: LanguageModelSubject, texts: list[str]
) -> np.ndarray:
    """log P(next word positive) − log P(next word negative), per prompt (lexicon sets).

    Examples
    --------
    >>> sentiment_log_odds(subject.lm, subject, ["mary thought the film was"])  # doctest: +SKIP
    """
    lexicon = subject.lm_data.lexicon
    positive = subject.ids_of(lexicon["positive"], bos=False)
    negative = subject.ids_of(lexicon["negative"], bos=False)
    ids, last = _prompt_ids(subject, texts)
    model.eval()
    with torch.no_grad():
        logp = torch.log_softmax(model(ids)[torch.arange(len(ids)), last].double(), dim=-1)
    pos = torch.logsumexp(logp[:, positive], dim=1)
    neg = torch.logsumexp(logp[:, negative], dim=1)
    return (pos - neg).numpy()


def sample_continuations(
    model: torch.nn.Module,
    subject: LanguageModelSubject,
    texts: list[str],
    *,
    steps: int = 4,
    seed: int = 0,
) -> list[list[str]]:
    """``steps`` sampled tokens (temperature 1, seeded) after each prompt, batched.

    Examples
    --------
    >>> sample_continuations(subject.lm, subject, ["mary thought the film was"])  # doctest: +SKIP
    """
    ids, last = _prompt_ids(subject, texts)
    generator = torch.Generator().manual_seed(seed)
    max_len = getattr(model, "max_len", ids.shape[1] + steps)
    pad = torch.full((len(ids), steps), subject.lm_data.pad_id, dtype=torch.long)
    ids = torch.cat([ids, pad], dim=1)[:, :max_len]
    model.eval()
    with torch.no_grad():
        for step in range(steps):
            position = (last + step).clamp(max=ids.shape[1] - 2)
            logits = model(ids)[torch.arange(len(ids)), position]
            drawn = torch.multinomial(torch.softmax(logits, -1), 1, generator=generator)[:, 0]
            ids[torch.arange(len(ids)), position + 1] = drawn
    vocabulary = subject.lm_data.vocabulary
    out = []
    for row, end in zip(ids.tolist(), last.tolist(), strict=True):
        words = []
        for token in row[end + 1 : end + 1 + steps]:
            if token in (subject.lm_data.eos_id, subject.lm_data.pad_id):
                break
            words.append(vocabulary[token])
        out.append(words)
    return out


def _lexicon_score(words: list[str], lexicon: dict[str, list[str]]) -> float | None:
    """+1 when the continuation's first sentiment word is positive, 0 when negative, else None."""
    for word in words:
        if word in lexicon["positive"]:
            return 1.0
        if word in lexicon["negative"]:
            return 0.0
    return None


def generation_bias_section(
    subject: LanguageModelSubject, settings: Any, *, seed: int = 0
) -> Section:
    """Counterfactual log-odds gap (paired, bootstrap CI) and sampled positive-share gap."""
    data = subject.lm_data
    section = Section(id="generation_bias", title="Bias in generation")
    if not data.prompt_pairs or not data.lexicon:
        section.notes.append("No prompt pairs or lexicon: give prompt_pairs= and lexicon=.")
        return section
    pairs = data.prompt_pairs[: settings.max_pairs]
    groups = pairs[0][1]
    first = sentiment_log_odds(subject.lm, subject, [p[0][0] for p in pairs])
    second = sentiment_log_odds(subject.lm, subject, [p[0][1] for p in pairs])
    gap = first - second
    scope = f"{groups[0]} vs {groups[1]}"
    section.metrics.append(
        Metric(
            "sentiment_log_odds_gap",
            float(gap.mean()),
            scope=scope,
            n=len(gap),
            ci=bootstrap_mean(gap, seed=seed),
            description="mean over prompt pairs of the difference in log P(positive) − "
            "log P(negative) of the next word",
        )
    )
    for group, values in zip(groups, (first, second), strict=True):
        section.metrics.append(
            Metric(
                "sentiment_log_odds",
                float(values.mean()),
                scope=group,
                ci=bootstrap_mean(values, seed=seed),
                n=len(values),
            )
        )
    scored: dict[str, list[float]] = {}
    samples: list[list[str]] = []
    for i, group in enumerate(groups):
        texts = [p[0][i] for p in pairs] * settings.samples_per_prompt
        continuations = sample_continuations(subject.lm, subject, texts, seed=seed + i)
        scores = [_lexicon_score(c, data.lexicon) for c in continuations]
        scored[group] = [s for s in scores if s is not None]
        samples += [
            [group, t, " ".join(c)] for t, c in zip(texts[:6], continuations[:6], strict=True)
        ]
    a, b = (np.asarray(scored[g]) for g in groups)
    if len(a) and len(b):
        section.metrics.append(
            Metric(
                "sampled_positive_share_gap",
                float(a.mean() - b.mean()),
                scope=scope,
                ci=bootstrap_difference(a, b, seed=seed),
                n=min(len(a), len(b)),
                description="share of continuations whose first sentiment word is positive, "
                "difference between the groups",
            )
        )
    section.tables.append(
        Table(
            "continuations",
            "Sampled continuations per group",
            ["group", "prompt", "continuation"],
            samples,
            caption=f"Seeded samples (temperature 1), {settings.samples_per_prompt} per prompt; "
            "scored by the planted sentiment lexicon.",
        )
    )
    return section
