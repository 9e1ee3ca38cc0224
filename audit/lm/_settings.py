"""Settings of the language-model checks (one pydantic model per check; no torch import)."""

from __future__ import annotations

from pydantic import Field

from audit.settings import Strict

__all__ = ["GenerationBiasSettings", "LMExplainSettings", "MemorizationSettings"]


class MemorizationSettings(Strict):
    """Canary exposure and the membership attack."""

    max_enumerate: int = Field(
        default=10**6, ge=0, description="score every secret when the space is at most this"
    )
    n_sample: int = Field(default=5000, ge=100, description="secrets sampled for the extrapolation")
    attack_rows: int = Field(default=500, ge=10, description="members (and non-members) attacked")
    compare_twin: bool = Field(
        default=True, description="for a DP model, train its non-private twin and compare"
    )


class GenerationBiasSettings(Strict):
    """Counterfactual prompt pairs and sampled continuations."""

    max_pairs: int = Field(default=120, ge=2)
    samples_per_prompt: int = Field(default=4, ge=1)


class LMExplainSettings(Strict):
    """Next-token explanations."""

    prompts: int = Field(default=24, ge=2)
    ig_steps: int = Field(default=32, ge=4)
