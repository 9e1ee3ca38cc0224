"""Explainability on images, sequences and text: every method, the views, attention, reports."""

import re

import numpy as np
import pytest
import torch

import audit
from audit.config import ExplainSettings
from audit.datasets._sentiment import NAMES, PRONOUNS
from audit.explain import METHODS, explain_subject, explainability_section, methods_for
from audit.explain import _attention as attention
from audit.explain import _trust as trust
from audit.explain import _views as views
from audit.explain._section import context, one_thread
from audit.report import render_html

SMALL = ExplainSettings(n_samples=32, trust_samples=8)
#: The domain each modality is tested on: the registry's first offline one by name.
DOMAINS: dict[str, str] = {}
for _spec in audit.list_domains():
    if not _spec.online and _spec.kind == "classifier":
        DOMAINS.setdefault(_spec.modality, _spec.name)
_SUBJECTS: dict[str, audit.Subject] = {}


def subject_of(domain: str) -> audit.Subject:
    """The reference domain's subject at seed 0, trained once per test session."""
    if domain not in _SUBJECTS:
        _SUBJECTS[domain] = audit.reference(domain, seed=0)
    return _SUBJECTS[domain]
GROUP_TERMS = sorted({*(w for names in NAMES.values() for w in names), *PRONOUNS.values()})
MB = 1024 * 1024


@pytest.fixture(scope="module")
def vision() -> audit.Subject:
    return subject_of("vision")


@pytest.fixture(scope="module")
def sequence() -> audit.Subject:
    return subject_of("sequence")


@pytest.fixture(scope="module")
def text() -> audit.Subject:
    return subject_of("text")


@pytest.fixture(scope="module")
def text_biased() -> audit.Subject:
    return audit.reference("text", seed=0, variant="biased")


@pytest.fixture(scope="module")
def reports() -> dict:
    """``audit.run`` with the explainability check and its rendered report, per domain."""
    cache: dict = {}

    def get(name: str):
        if name not in cache:
            subject = subject_of(name)
            result = audit.run(
                subject, checks=["explainability"], config={"explainability": SMALL.model_dump()}
            )
            cache[name] = (result.section("explainability"), render_html(result))
        return cache[name]

    return get


@pytest.mark.parametrize(
    ("method", "modality"),
    [(m.name, modality) for modality in DOMAINS for m in methods_for(modality)],
)
def test_every_method_runs_on_its_modality(method, modality):
    subject = subject_of(DOMAINS[modality])
    ctx = context(subject, SMALL)
    X = subject.X_test[:4]
    with torch.no_grad():
        target = subject.model(X).argmax(1)
    with one_thread():
        out = METHODS[method].explain(ctx, X, target)
    expected = tuple(X.shape)  # text: one value per token, as the ids
    assert out.attributions.shape == expected
    assert np.isfinite(out.attributions).all()
    assert np.abs(out.attributions).sum() > 0
    if out.delta is not None:
        assert out.delta.shape == (4,) and np.isfinite(out.delta).all()


@pytest.mark.parametrize(
    ("modality", "domain"), [(m, d) for m, d in DOMAINS.items() if m != "tabular"]
)
def test_section_renders_in_a_self_contained_report(reports, modality, domain):
    section, html = reports(domain)
    badges = {row[0]: row[-1] for row in section.table("trust").rows}
    assert set(badges) == {m.label for m in methods_for(modality)}
    for spec in methods_for(modality):
        assert f"randomization_spearman[{spec.name}]" in {m.key for m in section.metrics}
    assert len(html.encode("utf-8")) < 3 * MB
    assert 'id="table-global_importance"' in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)  # nothing to fetch
    for figure in section.figures:
        assert figure.alt and (figure.kind == "bars" or len(figure.data) < 300_000)


def test_vision_maps_grid_and_table(reports, vision):
    section, html = reports("vision")
    figure = next(f for f in section.figures if f.id == "attribution_maps")
    assert figure.kind == "png" and figure.data.startswith("iVBOR")  # base64 of a PNG
    table = section.table("attribution_maps")
    assert table.columns[3:] == [m.label for m in methods_for("image")]
    assert [row[0] for row in table.rows[:-1]] == vision.class_names  # one right image each
    assert table.rows[-1][0] == "all explained rows"
    for label, share in zip(table.columns[3:], table.rows[-1][3:], strict=True):
        assert 0.0 <= share <= 1.0 and f"{label} {share:.2f}" in figure.alt
    ig = table.columns.index("Integrated Gradients")
    assert table.rows[-1][ig] > 0.35  # the digits' ink is central: more than an even 0.25
    assert 'id="figure-attribution_maps"' in html and "data:image/png;base64," in html


def test_sequence_strips_and_time_table(reports, sequence):
    section, html = reports("sequence")
    figure = next(f for f in section.figures if f.id == "time_strips")
    assert figure.kind == "svg" and figure.data.startswith("<svg")
    assert "planted event" in figure.alt and "chance 0.12" in figure.alt
    table = section.table("time_importance")
    length = sequence.X_test.shape[1]
    assert [row[0] for row in table.rows] == list(range(length))
    assert table.columns[-1] == "event coverage"
    for j in range(1, len(table.columns) - 1):
        assert sum(row[j] for row in table.rows) == pytest.approx(1.0, abs=1e-4)
    assert 'id="figure-time_strips"' in html and 'id="table-time_importance"' in html


def test_sequence_localisation_is_well_above_chance_on_the_explained_rows(sequence):
    settings = ExplainSettings(n_samples=64, trust_samples=8)
    methods = methods_for("sequence", ["integrated_gradients"])
    with one_thread():
        run = explain_subject(sequence, methods, settings)
    evidence = run.trust["integrated_gradients"]
    assert evidence["localisation_lift"] > 2.0
    truth = np.asarray(sequence.explain.ground_truth_test)
    attributions = run.attributions["integrated_gradients"]
    share, chance = trust.localisation(attributions, truth[run.rows])
    assert evidence["localisation"] == pytest.approx(share)
    # the test rows in the wrong order: the events no longer line up
    misaligned, _ = trust.localisation(attributions, truth[: len(run.rows)])
    assert not np.array_equal(run.rows, np.arange(len(run.rows)))
    assert misaligned < share / 2 and chance == pytest.approx(5 / 120)


def test_text_tokens_attention_and_highlights(reports, text):
    section, html = reports("text")
    vocabulary = text.explain.vocabulary
    tokens = section.table("token_attributions")
    assert tokens.columns == ["sentence", "position", "token", "attribution", "rollout"]
    assert tokens.rows and not {"[PAD]", "[CLS]"} & {row[2] for row in tokens.rows}
    for sentence, position, token, value, rolled in tokens.rows:
        assert vocabulary[int(text.X_test[sentence, position])] == token
        assert np.isfinite(value) and 0.0 <= rolled <= 1.0
    sentences = {row[0] for row in section.table("explained_sentences").rows}
    assert sentences == {row[0] for row in tokens.rows}
    glob = section.table("global_importance")
    assert glob.columns == ["token", "trusted mean", "layer_integrated_gradients", "occurrences"]
    words = [row[0] for row in glob.rows]
    assert len(set(words)) == len(words) and set(words) <= set(vocabulary) - {"[PAD]", "[CLS]"}
    heads = section.table("cls_attention")
    assert len(heads.rows) == 2 * 2  # layers × heads of the reference Transformer
    for row in heads.rows:
        assert row[2] + row[3] + row[4] == pytest.approx(1.0, abs=1e-6)  # [CLS], evidence, others
    rho = section.metric("rollout_ig_spearman")
    assert rho.verdict == "info" and -1.0 <= rho.value <= 1.0
    styles = re.findall(r'style="([^"]*)"', html)
    spans = re.findall(r'<span style="[^"]*" title="[^"]*">', html)
    assert len(spans) == 2 * len(tokens.rows)  # attribution and rollout lines
    number = r"\d+(\.\d+)?"
    pattern = rf"background-color: rgba\({number}, {number}, {number}, {number}\); padding: 0 2px"
    assert styles and all(re.fullmatch(pattern, s) for s in styles)
    assert "rgba(0, 114, 178," in html and "rgba(230, 159, 0," in html  # both signs shown


def _token_ranks(subject: audit.Subject) -> dict[str, int]:
    settings = ExplainSettings(n_samples=256, trust_samples=8, top_k=1000)
    section = explainability_section(subject, settings)
    rows = section.table("global_importance").rows
    return {row[0]: rank for rank, row in enumerate(rows, start=1)}


def test_group_terms_rank_high_on_the_biased_text_model_only(text, text_biased):
    biased, default = _token_ranks(text_biased), _token_ranks(text)
    group_biased = sorted(biased[w] for w in GROUP_TERMS if w in biased)
    group_default = sorted(default[w] for w in GROUP_TERMS if w in default)
    assert len(group_biased) >= 18 and len(group_default) >= 18
    # biased: the male names, which the shortcut ties to "negative", are among the top tokens
    assert group_biased[0] <= 10 and sum(r <= 20 for r in group_biased) >= 5
    # default: the group terms carry no signal and rank low
    assert group_default[0] > 20 and np.median(group_default) > len(default) / 2
    assert np.median(group_biased) < np.median(group_default)


def test_attention_rollout_follows_abnar_and_zuidema():
    rng = np.random.default_rng(0)
    raw = rng.random((3, 2, 4, 5, 5))
    weights = raw / raw.sum(-1, keepdims=True)  # (rows, layers, heads, L, L)
    out = attention.rollout(weights)
    expected = []
    for row in weights:
        result = np.eye(5)
        for layer in row:
            mixed = 0.5 * layer.mean(0) + 0.5 * np.eye(5)
            result = mixed / mixed.sum(-1, keepdims=True) @ result
        expected.append(result)
    np.testing.assert_allclose(out, expected, atol=1e-12)
    np.testing.assert_allclose(out.sum(-1), 1.0, atol=1e-12)
    padded = weights.copy()
    padded[..., 4] = 0.0  # key 4 is padding: nobody attends to it
    padded /= padded.sum(-1, keepdims=True)
    assert np.allclose(attention.rollout(padded)[:, 0, 4], 0.0)


def test_rollout_ig_spearman_and_token_importance():
    relevance = np.array([[0.5, 0.1, 0.2, 0.3, 0.0]])
    words = np.array([[False, True, True, True, False]])
    assert attention.rollout_ig_spearman(relevance, -np.array([[9, 1, 2, 3, 0]]), words) == 1.0
    assert attention.rollout_ig_spearman(relevance, np.array([[0, 3, 2, 1, 0]]), words) == -1.0
    X = np.array([[1, 5, 6, 5, 0], [1, 6, 6, 0, 0]])
    A = np.array([[0.0, 1.0, -1.0, 3.0, 0.0], [0.0, 2.0, 4.0, 0.0, 0.0]])
    mean, counts = attention.token_importance(X, A, 7, special=[0, 1])
    assert mean[5] == pytest.approx(2.0) and mean[6] == pytest.approx(7 / 3)  # per token id
    assert np.isnan(mean[[0, 1, 2]]).all() and counts.tolist() == [3, 2, 0, 0, 0, 2, 3]


def test_centre_share_and_examples_per_class():
    maps = np.zeros((2, 8, 8))
    maps[0, 0, 0], maps[1, 2:6, 2:6] = 1.0, -1.0
    np.testing.assert_allclose(views.centre_share(maps), [0.0, 1.0])
    assert views._runs(np.array([0, 1, 1, 0, 1], dtype=bool)) == [(1, 2), (4, 1)]


def test_one_thread_restores_the_thread_count():
    before = torch.get_num_threads()
    with one_thread():
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before
