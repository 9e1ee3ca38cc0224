"""Benchmark of a Hugging Face subject: every default check on a tiny BERT, per check.

Target (issue 15): a tiny BERT of 4 layers and 256 hidden units, 1,000 texts of 64
tokens, every default check in <= 3 minutes on 2 cores. The model is built from a
config, the WordPiece tokenizer learned on the generated sentiment corpus and the
model fine-tuned (``--epochs``, default 4) before the clock starts (no network). Each
text joins five sentences of one label and one group, cut to 64 tokens. Wall and CPU
seconds are printed per check: on a machine shared with other work the wall time grows,
and CPU seconds / threads estimates the wall time on an idle machine.

With ``--budget SECONDS`` the same audit runs a second time under that compute budget
(``audit.run(..., budget_s=SECONDS)``: the checks with a cost model scale their rows,
steps and models down to fit), and its per-check seconds and the budget plan (what was
scaled, by how much) are printed beside the default run's. ``--no-default`` skips the
default run.

Usage: ``.venv/bin/python benchmarks/bench_hf.py [--train 1000] [--test 1000]
[--layers 4] [--hidden 256] [--threads 2] [--checks privacy compute ...]
[--budget 150] [--no-default]``
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")

SENTENCES_PER_TEXT = 5
MAX_LENGTH = 64
TARGET_SECONDS = 180.0


def texts_of(split, n: int, seed: int) -> tuple[list[str], list[int], list[str]]:
    """``n`` texts of five sentences sharing a label and a group, with labels and groups."""
    import numpy as np

    rng = np.random.default_rng(seed)
    buckets: dict[tuple[int, str], list[int]] = {}
    for row, (label, group) in enumerate(zip(split.labels, split.groups, strict=True)):
        buckets.setdefault((int(label), str(group)), []).append(row)
    keys = sorted(buckets)
    texts, labels, groups = [], [], []
    for _ in range(n):
        label, group = keys[int(rng.integers(len(keys)))]
        rows = rng.choice(buckets[(label, group)], SENTENCES_PER_TEXT, replace=False)
        texts.append(" and ".join(split.sentences[r] for r in rows))
        labels.append(label)
        groups.append(group)
    return texts, labels, groups


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=int, default=1000)
    parser.add_argument("--test", type=int, default=1000)
    parser.add_argument("--layers", type=int, default=4)
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--checks", nargs="*", default=None, help="default: every check")
    parser.add_argument("--budget", type=float, default=None, help="a second run's budget_s")
    parser.add_argument("--no-default", action="store_true", help="only the budgeted run")
    parser.add_argument("--epochs", type=int, default=4, help="fine-tuning epochs (untimed)")
    parser.add_argument("--lr", type=float, default=5e-4, help="fine-tuning learning rate")
    args = parser.parse_args()

    import pandas as pd
    import torch

    import audit
    from audit.datasets._sentiment import sentiment_corpus
    from audit.hf import HFClassifier, from_transformers, tiny_bert, wordpiece_tokenizer
    from audit.recipe import Recipe
    from audit.training import fit

    torch.set_num_threads(args.threads)
    corpus = sentiment_corpus(0, n_train=2000, n_test=2000)
    train = texts_of(corpus.train, args.train, 1)
    test = texts_of(corpus.test, args.test, 2)
    tokenizer = wordpiece_tokenizer(corpus.train.sentences, vocab_size=400)
    model = tiny_bert(
        tokenizer,
        layers=args.layers,
        hidden=args.hidden,
        heads=max(1, args.hidden // 64),
        intermediate=4 * args.hidden,
        max_positions=MAX_LENGTH,
    )
    t0 = time.perf_counter()
    subject = from_transformers(
        model,
        tokenizer,
        train[:2],
        test[:2],
        max_length=MAX_LENGTH,
        sensitive_train=pd.DataFrame({"name_group": train[2]}),
        sensitive_test=pd.DataFrame({"name_group": test[2]}),
        group_terms=True,
        class_names=["negative", "positive"],
    )
    build = time.perf_counter() - t0
    tokens = float((subject.X_test != tokenizer.pad_token_id).sum(1).float().mean())
    t0 = time.perf_counter()
    fit(
        HFClassifier(model, pad_id=tokenizer.pad_token_id),
        (subject.X_train, subject.y_train),
        recipe=Recipe(epochs=args.epochs, batch_size=32, lr=args.lr),
        seed=0,
    )
    fine_tune = time.perf_counter() - t0
    print(f"fine-tuned in {fine_tune:.1f} s", file=sys.stderr, flush=True)
    subject.clear_cache()

    runs = {}
    if not args.no_default:
        runs["default"] = measured(audit, subject, args.checks, None)
    if args.budget is not None:
        runs[f"budget_s={args.budget:g}"] = measured(audit, subject, args.checks, args.budget)
    report = {
        "model": f"BERT {args.layers} layers, {args.hidden} hidden",
        "parameters": sum(p.numel() for p in model.parameters()),
        "texts": {"train": args.train, "test": args.test, "max_length": MAX_LENGTH},
        "mean_tokens_per_text": round(tokens, 1),
        "threads": args.threads,
        "build_seconds": round(build, 2),
        "fine_tune_seconds": round(fine_tune, 2),
        "runs": runs,
        "target_seconds": TARGET_SECONDS,
    }
    print(json.dumps(report, indent=2))


def measured(audit, subject, checks, budget_s: float | None) -> dict:
    """One ``audit.run`` with per-check wall and CPU seconds (and the budget plan)."""
    stages: dict[str, dict[str, float]] = {}
    clock: dict[str, tuple[float, float]] = {}

    def on_stage(name: str, event: str, seconds: float | None) -> None:
        if event == "start":
            clock[name] = (time.perf_counter(), time.process_time())
        else:
            wall, cpu = clock[name]
            stages[name] = {
                "wall_seconds": round(time.perf_counter() - wall, 2),
                "cpu_seconds": round(time.process_time() - cpu, 2),
            }
            print(name, json.dumps(stages[name]), file=sys.stderr, flush=True)

    import torch

    subject.clear_cache()
    threads = torch.get_num_threads()
    load = os.getloadavg()[0]
    t0, c0 = time.perf_counter(), time.process_time()
    result = audit.run(subject, checks=checks, on_stage=on_stage, budget_s=budget_s)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    ids = {section.id for section in result.sections}
    out = {
        "load_average_at_start": round(load, 2),
        "checks": stages,
        "total_wall_seconds": round(wall, 2),
        "total_cpu_seconds": round(cpu, 2),
        "idle_estimate_seconds": round(cpu / threads, 2),
    }
    if "performance" in ids:
        accuracy = result.section("performance").metric("test_accuracy").value
        out["test_accuracy"] = round(accuracy, 3)
    budget = result.manifest.get("runtime", {}).get("budget")
    if budget is not None:
        out["budget"] = {k: v for k, v in budget.items() if k != "workload"}
    return out


if __name__ == "__main__":
    main()
