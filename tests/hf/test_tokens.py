"""Word pieces merged into words (WordPiece ``##``, byte-level BPE ``Ġ``, SentencePiece
``▁``), group terms and evidence found in texts."""

from __future__ import annotations

import numpy as np
import pytest

from audit.hf import (
    evidence_mask,
    group_terms,
    merge_pieces,
    piece_convention,
    word_attributions,
)


@pytest.mark.parametrize(
    ("tokens", "convention", "words"),
    [
        (
            ["mar", "##y", "was", "d", "##el", "##ight", "##ful"],
            "wordpiece",
            ["mary", "was", "delightful"],
        ),
        (["Ġmar", "y", "Ġwas", "Ġd", "el", "ight", "ful"], "bpe", ["mary", "was", "delightful"]),
        (["mar", "y", "Ġwas"], "bpe", ["mary", "was"]),  # no space before the first word
        (["Ġcaf", "Ã©", "Ġok"], "bpe", ["café", "ok"]),  # bytes of é, GPT-2's byte alphabet
        (["▁mar", "y", "▁was"], "sentencepiece", ["mary", "was"]),
        (["a", "##", "b"], "wordpiece", ["a", "##", "b"]),  # a bare "##" is a token of its own
        (["a", "b"], "none", ["a", "b"]),
    ],
)
def test_pieces_merge_into_words(tokens, convention, words):
    merged = merge_pieces(tokens, convention=convention)
    assert [w.text for w in merged] == words
    assert sorted(p for w in merged for p in w.positions) == list(range(len(tokens)))


def test_special_tokens_are_left_out_and_end_a_word():
    tokens = ["[CLS]", "d", "##ull", "[SEP]", "##x", "[PAD]"]
    words = merge_pieces(tokens, skip=[True, False, False, True, False, True])
    assert [(w.text, w.positions) for w in words] == [("dull", (1, 2)), ("##x", (4,))]


def test_piece_convention_is_the_most_frequent_marker():
    assert piece_convention(["[PAD]", "a", "##b", "##cd"]) == "wordpiece"
    assert piece_convention(["<pad>", "Ġa", "Ġb", "c"]) == "bpe"
    assert piece_convention(["<pad>", "▁a", "b"]) == "sentencepiece"
    assert piece_convention(["a", "##"]) == "none"


def test_word_attributions_sum_the_pieces():
    vocabulary = ["[PAD]", "[CLS]", "d", "##ull", "film"]
    values = word_attributions(
        [1, 4, 2, 3, 0], [9.0, 0.5, 0.25, 0.125, 9.0], vocabulary, special=[0, 1]
    )
    assert values == [("film", 0.5), ("dull", 0.375)]
    with pytest.raises(ValueError, match="one row each"):
        word_attributions([1, 2], [0.0], vocabulary)


@pytest.mark.parametrize("kind", ["bert", "gpt2"])
def test_merged_words_are_the_tokenizers_words(kind, corpus, request):
    """On the learned tokenizers, merging the pieces by their strings gives the words
    the tokenizer split the text into (its own ``word_ids``)."""
    subject, tokenizer = request.getfixturevalue(kind)
    vocabulary = subject.explain.vocabulary
    special = set(tokenizer.all_special_ids)
    convention = piece_convention(vocabulary)
    assert convention == ("wordpiece" if kind == "bert" else "bpe")
    pieces = 0
    for row, sentence in enumerate(corpus.test.sentences[:40]):
        ids = subject.X_test[row].tolist()
        encoding = tokenizer(sentence, truncation=True, max_length=len(ids))
        assert encoding["input_ids"] == [i for i in ids if i != tokenizer.pad_token_id]
        skip = [i in special for i in ids]
        words = merge_pieces([vocabulary[i] for i in ids], convention=convention, skip=skip)
        word_ids = encoding.word_ids()
        expected = {}
        for position, word in enumerate(word_ids):
            if word is not None:
                expected.setdefault(word, []).append(position)
        assert [w.positions for w in words] == [tuple(p) for p in expected.values()]
        complete = [w.text for w in words][: len(expected) - 1]  # the last may be cut
        assert complete == sentence.split()[: len(complete)]
        pieces += sum(len(w.positions) > 1 for w in words)
    assert pieces > 20  # the small vocabularies do split words


def test_group_terms_finds_each_texts_group():
    texts = ["Mary said she liked it", "the film was dull", "john met anna", "HE left."]
    assert group_terms(texts)["group_term"].tolist() == ["female", "none", "mixed", "male"]
    custom = group_terms(["a red car", "blue"], {"warm": ["red"]}, column="colour")
    assert custom["colour"].tolist() == ["warm", "none"]
    with pytest.raises(TypeError, match="one str"):
        group_terms("mary")


def test_group_terms_agree_with_the_corpus_groups(corpus):
    found = group_terms(corpus.test.sentences)["group_term"].to_numpy()
    assert (found == corpus.test.groups.astype(str)).all()


def test_evidence_mask_marks_every_piece_of_the_words(bert, corpus):
    subject, _ = bert
    truth = np.asarray(subject.explain.ground_truth_test)
    assert truth.shape == tuple(subject.X_test.shape)
    vocabulary = subject.explain.vocabulary
    row = int(np.flatnonzero(truth.sum(1) > 1)[0])
    marked = "".join(vocabulary[i].removeprefix("##") for i in subject.X_test[row][truth[row] == 1])
    sentence = corpus.test.sentences[row].split()
    planted = [w for w in sentence if w in marked]
    assert marked == "".join(planted)
    assert evidence_mask(
        np.array([[1, 4, 2, 3, 0]]),
        ["[PAD]", "[CLS]", "d", "##ull", "film"],
        ["Dull"],
        special=[0, 1],
    ).tolist() == [[0, 0, 1, 1, 0]]
