"""A user's own causal LM: a tiny random GPT-2 (no download) with the user's canaries/prompts."""

from __future__ import annotations

import pytest
import torch

import audit
from audit.lm import CanaryFormat, LanguageModelSubject, Secret

transformers = pytest.importorskip("transformers")
pytest.importorskip("tokenizers")

NAMES = ("mary", "john")
WORDS = {"positive": ["great", "good"], "negative": ["dull", "bad"]}
TRAIN = (
    [
        f"{name} thought the {thing} was {word}"
        for name in NAMES
        for thing in ("film", "book", "play")
        for word in ("great", "good", "dull", "bad")
    ]
    + ["my pin is 3 1 4"] * 4
    + [f"my pin is {a} {b} {c}" for a, b, c in ("271", "828", "182")]
)
HELDOUT = [f"{n} said the show was {w}" for n in NAMES for w in ("great", "dull", "good", "bad")]
PROMPTS = [((f"mary thought the {t} was", f"john thought the {t} was"), NAMES)
           for t in ("film", "book", "play")]  # fmt: skip
CANARIES = {
    "canary_format": CanaryFormat(("my", "pin", "is"), tuple("0123456789"), 3),
    "secrets": [Secret(("3", "1", "4"), 4), Secret(("9", "0", "5"), 0)],
}
BIAS = {"prompt_pairs": PROMPTS, "lexicon": WORDS}


@pytest.fixture(scope="module")
def hf():
    from audit.hf._toy import bpe_tokenizer

    tokenizer = bpe_tokenizer(TRAIN + HELDOUT + ["0 1 2 3 4 5 6 7 8 9"] * 20, vocab_size=400)
    config = transformers.GPT2Config(
        vocab_size=len(tokenizer), n_embd=32, n_layer=2, n_head=2, n_positions=32,
        pad_token_id=tokenizer.pad_token_id, bos_token_id=tokenizer.eos_token_id,
        eos_token_id=tokenizer.eos_token_id, attn_implementation="eager",
    )  # fmt: skip
    torch.manual_seed(0)
    return transformers.GPT2LMHeadModel(config).eval(), tokenizer


def _subject(hf, **given) -> LanguageModelSubject:
    model, tokenizer = hf
    return LanguageModelSubject.from_transformers(model, tokenizer, TRAIN, HELDOUT, **given)


def test_canaries_only_audit_memorization_and_leave_bias_unjudged(hf):
    result = audit.run(_subject(hf, **CANARIES), checks=["memorization", "generation_bias"])
    memo = result.section("memorization")
    table = memo.tables[0]
    assert [row[0] for row in table.rows] == ["3 1 4", "9 0 5"]  # as written, not "Ġ3 Ġ1 Ġ4"
    assert [row[1] for row in table.rows] == [4, 0]
    assert 0 <= memo.metric("max_repetition_exposure").value <= 10  # |R| = 1000
    assert memo.metric("lm_mia_auc").ci is not None
    assert "No prompt pairs" in result.section("generation_bias").notes[0]


def test_prompts_only_audit_generation_bias_and_leave_memorization_to_the_attack(hf):
    result = audit.run(_subject(hf, **BIAS), checks=["memorization", "generation_bias"])
    bias = result.section("generation_bias")
    gap = bias.metric("sentiment_log_odds_gap[mary vs john]")
    assert gap.n == len(PROMPTS) and gap.ci is not None
    samples = bias.tables[0]
    assert {row[0] for row in samples.rows} == set(NAMES)
    memo = result.section("memorization")
    assert memo.notes[0].startswith("No canaries") and memo.metric("lm_mia_auc").n == len(HELDOUT)


def test_both_run_every_language_model_check_with_explanations(hf):
    result = audit.run(_subject(hf, **CANARIES, **BIAS))
    assert {s.id for s in result.sections} == {
        "lm_performance", "memorization", "generation_bias", "lm_explainability", "lm_compute"
    }  # fmt: skip
    explained = result.section("lm_explainability")
    assert explained.tables[0].id == "contexts"
    assert explained.metric("lm_completeness_gap").value < 0.1
    assert result.section("lm_performance").metric("heldout_perplexity").value > 1


def test_a_plain_module_without_embedding_is_audited_and_explanations_skipped():
    class Bigram(torch.nn.Module):  # ids -> next-token logits, nothing else
        def __init__(self):
            super().__init__()
            self.table = torch.nn.Parameter(torch.randn(8, 8))

        def forward(self, ids):
            return self.table[ids]

    ids = torch.tensor([[1, 4, 5, 2, 0], [1, 5, 4, 6, 2]])
    subject = LanguageModelSubject(
        Bigram(), ids, ids, vocabulary=["[PAD]", "[BOS]", "[EOS]", "my", "a", "b", "c", "d"],
        pad_id=0, bos_id=1, eos_id=2, canary_format=CanaryFormat(("my",), ("a", "b"), 2),
        secrets=[Secret(("a", "b"), 1)],
    )  # fmt: skip
    result = audit.run(subject, checks=["memorization", "lm_explainability"])
    assert result.section("memorization").tables[0].rows[0][0] == "a b"
    assert (
        "Not explained: the model has no `embedding`"
        in result.section("lm_explainability").notes[0]
    )


def test_a_canary_word_of_several_tokens_is_refused_naming_the_argument(hf):
    bad = CanaryFormat(("my", "pin", "is"), ("0", "unheardofword"), 2)
    with pytest.raises(audit.AuditInputError, match="canary_format: expected words the tokenizer"):
        _subject(hf, canary_format=bad, secrets=[])
