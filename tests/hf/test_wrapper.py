"""The wrapper: padded ids in, logits out; attention weights and their rollout."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from audit.explain._attention import rollout
from audit.hf import HFClassifier, rollout_relevance


@pytest.mark.parametrize("kind", ["bert", "gpt2"])
def test_logits_are_the_models_with_the_attention_mask(kind, request):
    subject, tokenizer = request.getfixturevalue(kind)
    wrapper, ids = subject.model.eval(), subject.X_test[:8]
    with torch.no_grad():
        expected = wrapper.model(
            input_ids=ids, attention_mask=(ids != tokenizer.pad_token_id).long()
        )
        np.testing.assert_allclose(wrapper(ids).numpy(), expected.logits.numpy(), atol=1e-6)
        # padding changes nothing: the same sentence padded to more positions
        longer = torch.cat([ids, torch.full((8, 4), tokenizer.pad_token_id)], dim=1)
        np.testing.assert_allclose(wrapper(longer).numpy(), expected.logits.numpy(), atol=1e-4)


@pytest.mark.parametrize("kind", ["bert", "gpt2"])
def test_attention_rows_are_distributions_over_the_tokens(kind, request):
    subject, tokenizer = request.getfixturevalue(kind)
    wrapper, ids = subject.model, subject.X_test[:8]
    implementation = wrapper.model.config._attn_implementation
    wrapper.train()
    weights = subject.explain.attention(ids).double().numpy()
    assert wrapper.training and wrapper.model.config._attn_implementation == implementation
    config = wrapper.model.config
    assert weights.shape == (8, config.num_hidden_layers, config.num_attention_heads, 24, 24)
    tokens = (ids != tokenizer.pad_token_id).numpy()
    np.testing.assert_allclose(weights.sum(-1), 1.0, atol=1e-5)
    to_padding = weights * ~tokens[:, None, None, None, :]
    assert (
        to_padding[np.broadcast_to(tokens[:, None, None, :, None], to_padding.shape)].max() < 1e-6
    )
    rolled = rollout(weights)
    np.testing.assert_allclose(rolled.sum(-1), 1.0, atol=1e-9)


@pytest.mark.parametrize(("kind", "summary"), [("bert", "first"), ("gpt2", "last")])
def test_rollout_relevance_reads_the_position_of_the_head(kind, summary, request):
    subject, tokenizer = request.getfixturevalue(kind)
    wrapper, ids = subject.model, subject.X_test[:8]
    assert wrapper.summary == summary
    relevance = rollout_relevance(wrapper, ids)
    np.testing.assert_allclose(relevance.sum(1), 1.0, atol=1e-9)
    padding = (ids == tokenizer.pad_token_id).numpy()
    assert relevance[padding].max() < 1e-6
    last = (ids != tokenizer.pad_token_id).sum(1) - 1
    expected = 0 if summary == "first" else last
    assert (wrapper.summary_positions(ids) == expected).all()


def test_wrapper_refuses_what_it_cannot_call():
    with pytest.raises(ValueError, match="'first' or 'last'"):
        HFClassifier(torch.nn.Linear(2, 2), pad_id=0, summary="middle")
    wrapper = HFClassifier(torch.nn.Identity(), pad_id=0)
    with pytest.raises(ValueError, match=r"\(rows, length\)"):
        wrapper(torch.zeros(3, dtype=torch.long))
