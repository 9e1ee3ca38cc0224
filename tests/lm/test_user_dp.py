"""User-level DP-SGD for language models: a user's copies are clipped as one gradient."""

import copy
import math

import numpy as np
import pytest
import torch

import audit
from audit.datasets._lm_corpus import lm_corpus
from audit.errors import AuditInputError
from audit.lm._bounds import chance_bound, dp_exposure_bound, dp_note
from audit.lm._memorization import _canary_table
from audit.lm._train import _private, _sum_per_user, _token_losses, fit_lm, untie_head
from audit.models._decoder import CausalDecoder
from audit.recipe import Recipe
from audit.settings import PrivacySettings

PAD = 0


def test_the_corpus_names_one_writer_for_all_copies_of_a_canary():
    corpus = lm_corpus(0, n_train=40, n_heldout=10)
    users = corpus.train_users
    assert users.shape == (len(corpus.train),)
    canary_users = users[corpus.train_groups == "canary"]
    values, counts = np.unique(canary_users, return_counts=True)
    assert sorted(counts.tolist()) == [1, 4, 16]  # one writer per inserted canary
    others = users[corpus.train_groups != "canary"]
    assert len(np.unique(others)) == len(others)  # every other row its own writer
    assert not set(values) & set(others.tolist())
    for canary_user in values:  # all copies of one writer are the same sequence
        rows = corpus.train[users == canary_user]
        assert (rows == rows[0]).all()


def _ids(seed: int = 0) -> torch.Tensor:
    rng = np.random.default_rng(seed)
    ids = torch.from_numpy(rng.integers(1, 12, (6, 8)))
    ids[:, 6:] = PAD
    return ids


@pytest.mark.parametrize("mode", ["hooks", "ew"])
def test_one_dp_step_clips_each_users_summed_gradient_to_the_norm(mode):
    torch.manual_seed(0)
    model = untie_head(CausalDecoder(12, 8, d_model=8, n_heads=2, d_ff=16, pad_id=PAD))
    reference = copy.deepcopy(model)
    ids = _ids()
    ids[1], ids[2] = ids[0], ids[0]  # user 7 typed the same sequence three times
    users = np.array([7, 7, 7, 3, 5, 5])
    settings = PrivacySettings(
        dp=True, noise_multiplier=1e-9, max_grad_norm=0.05, grad_sample_mode=mode
    )
    optimizer = torch.optim.SGD(model.parameters(), lr=1.0)
    dp_model, dp_optimizer, batches, _, record = _private(
        model, optimizer, ids, Recipe(epochs=1, batch_size=3), 0, settings, users
    )
    assert (record["privacy_unit"], record["units"], record["most_rows_per_unit"]) == (
        "user", 3, 3,
    )  # fmt: skip
    assert record["sample_rate"] == 1.0  # batch 3 of 3 users: each user drawn w.p. 1
    index, owners = batches(1)[0]
    assert sorted(index.tolist()) == list(range(6))
    dp_optimizer.zero_grad(set_to_none=True)
    batch = ids[index]
    losses = _token_losses(dp_model(batch), batch, PAD)
    (losses.sum(1) / (batch[:, 1:] != PAD).sum(1)).mean().backward()
    _sum_per_user(dp_model, owners)
    dp_optimizer.pre_step()
    got = torch.cat([p.grad.flatten() for p in model.parameters()])

    # by hand: each user's summed per-sequence gradient, clipped to 0.05, summed, / 3
    expected = torch.zeros_like(got)
    for user in (7, 3, 5):
        reference.zero_grad()
        rows = ids[torch.from_numpy(users == user)]
        losses = _token_losses(reference(rows), rows, PAD)
        (losses.sum(1) / (rows[:, 1:] != PAD).sum(1)).sum().backward()
        g = torch.cat([p.grad.flatten() for p in reference.parameters()])
        assert g.norm() > 0.05  # every user is clipped, so the test tells user from row
        expected += g * 0.05 / (g.norm() + 1e-6)
    expected /= 3
    torch.testing.assert_close(got, expected, rtol=1e-4, atol=1e-7)
    assert float(got.norm()) <= 0.05 + 1e-6


def test_users_of_the_wrong_length_are_refused_naming_the_argument():
    model = CausalDecoder(12, 8, d_model=8, n_heads=2, d_ff=16, pad_id=PAD)
    with pytest.raises(AuditInputError, match=r"users: expected one id per training row"):
        fit_lm(model, _ids(), _ids(), recipe=Recipe(epochs=1, batch_size=3), pad_id=PAD,
               privacy=PrivacySettings(dp=True, epsilon=3.0), users=np.arange(5))  # fmt: skip


def test_ghost_clipping_is_refused_for_user_level_dp():
    model = CausalDecoder(12, 8, d_model=8, n_heads=2, d_ff=16, pad_id=PAD)
    settings = PrivacySettings(dp=True, epsilon=3.0, grad_sample_mode="ghost")
    with pytest.raises(AuditInputError, match=r"privacy.grad_sample_mode"):
        fit_lm(model, _ids(), _ids(), recipe=Recipe(epochs=1, batch_size=3), pad_id=PAD,
               privacy=settings, users=np.arange(6))  # fmt: skip


@pytest.mark.slow
def test_at_epsilon_3_the_most_repeated_canary_is_near_chance_and_its_twin_exposed():
    privacy = PrivacySettings(dp=True, epsilon=3.0)
    subject = audit.reference("gpt", seed=0, privacy=privacy)
    record = subject.training.privacy
    assert record["privacy_unit"] == "user" and record["most_rows_per_unit"] == 16
    assert 2.9 < record["epsilon"] <= 3.0
    section = audit.run(subject, checks=["memorization"]).section("memorization")
    assert section.metric("max_repetition_exposure").value < chance_bound()  # 4.32 bits
    assert section.metric("twin_max_repetition_exposure").value > 12
    table = section.tables[0]
    bound = table.columns.index("DP bound (95%)")
    repeated = next(row for row in table.rows if row[1] == 16)
    # user-level: the ×16 canary is one writer's, bounded at ε, not 16·ε
    assert repeated[bound] == round(dp_exposure_bound(record["epsilon"], 1, 10**6), 2) < 9
    assert any("user-level" in note for note in section.notes)
    training = dict(next(t for t in section.tables if t.id == "dp_training").rows)
    assert training["privacy unit (what ε protects)"] == "user"
    assert training["units in the training data"] == record["units"] == 2203  # 2,221 rows
    dp = section.metric("lm_heldout_perplexity_dp").value
    assert section.metric("twin_heldout_perplexity").value < dp < 12  # the cost of privacy


def _row(repetitions: int, writers: int | None) -> dict:
    return {"secret": "1 2 3", "repetitions": repetitions, "writers": writers, "log_prob": -9.0,
            "rank": 5, "exposure": 1.0, "exposure_sampled": 1.0, "extracted": False}  # fmt: skip


def test_the_dp_bound_counts_a_secrets_writers_under_user_level_dp_and_its_copies_per_row():
    rows = [_row(16, 1), _row(16, None), _row(0, 0)]
    user = _canary_table(rows, None, 10**6, 3.0, "user")
    per_row = _canary_table(rows, None, 10**6, 3.0, "row")
    once = 3.0 / math.log(2) + math.log2(20)  # e^ε 2^-t = 0.05
    assert [r[-1] for r in user.rows] == [round(once, 2), 19.93, None]  # writers unknown: ×16
    assert [r[-1] for r in per_row.rows] == [19.93, 19.93, None]  # 16·ε: capped at log2 |R|
    assert "user-level" in dp_note(3.0, "user") and "k·ε" in dp_note(3.0, "row")


def test_the_cli_flag_and_the_row_unit_train_dp_per_row(tmp_path):
    from audit.cli._run import _with_privacy_flags
    from audit.config import AuditConfig
    from audit.settings import TrainingConfig

    settings = _with_privacy_flags(AuditConfig(), True, None, None, None, "row")
    assert settings.privacy.unit == "row" and settings.privacy.dp
    assert AuditConfig().privacy.unit == "user"
    subject = audit.reference("gpt", seed=0, training=TrainingConfig(epochs=1),
                              privacy=settings.privacy)  # fmt: skip
    record = subject.training.privacy
    assert record["privacy_unit"] == "row" and record["units"] == len(subject.lm_data.train_ids)


def test_a_poisson_batch_that_draws_no_one_is_a_noise_only_step_and_counted():
    # batch 1 of 6 writers: q = 1/6, a third of the batches are empty
    fitted = fit_lm(CausalDecoder(12, 8, d_model=8, n_heads=2, d_ff=16, pad_id=PAD), _ids(),
                    _ids(), recipe=Recipe(epochs=3, batch_size=1), pad_id=PAD,
                    privacy=PrivacySettings(dp=True, epsilon=3.0), users=np.arange(6))  # fmt: skip
    assert fitted.privacy["steps"] == 3 * 6
    assert fitted.privacy["sample_rate"] == pytest.approx(1 / 6)


def test_an_unknown_dp_unit_is_refused_naming_the_setting():
    from audit.cli._run import _with_privacy_flags
    from audit.config import AuditConfig

    with pytest.raises(AuditInputError, match=r"privacy.unit: Input should be 'user' or 'row' "
                                              r"\(got 'bogus'\)"):  # fmt: skip
        _with_privacy_flags(AuditConfig(), True, None, None, None, "bogus")
