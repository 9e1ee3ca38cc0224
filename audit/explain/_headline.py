"""The headline global importance: the mean of the *trusted* methods only.

A method that failed or warned on a trust test does not vote in the headline
ranking (nor, so, in the rank of a sensitive feature); the table keeps every
method's column as evidence. With no trusted method there is no ranking: the
rows stay in the input's order and the section says so.

The table holds the rows any re-ranking needs (every feature for tables; for
other inputs, the union of each method's top ``top_k``), so that the check's
``conclude`` can rank again once the run's policy has judged the trust tests.
"""

from __future__ import annotations

import numpy as np

from audit.results import Figure, Table

__all__ = [
    "HEADLINE",
    "headline_sentence",
    "importance_figure",
    "importance_table",
    "rank_of",
    "rerank",
]

#: The column of the headline importance (mean share over the trusted methods).
HEADLINE = "trusted mean"


def importance_table(
    labels: list[str],
    importances: dict[str, np.ndarray],
    trusted: list[str],
    *,
    unit: str,
    top_k: int,
    every_row: bool,
    extra: dict[str, list] | None = None,
    caption: str = "",
) -> Table:
    """The ``global_importance`` table, ranked by the trusted methods' mean share."""
    extra = extra or {}
    stacked = np.stack(list(importances.values()))
    if every_row:
        chosen = np.arange(len(labels))
    else:
        tops = np.argsort(-stacked, axis=1, kind="stable")[:, :top_k]
        chosen = np.unique(tops)
    table = Table(
        id="global_importance",
        title="Global importance (mean |attribution|, share of the total)",
        columns=[unit, HEADLINE, *importances, *extra],
        rows=[
            [
                labels[i],
                None,
                *(float(importances[m][i]) for m in importances),
                *(values[i] for values in extra.values()),
            ]
            for i in chosen
        ],
        caption=caption,
    )
    rerank(table, trusted)
    return table


def rerank(table: Table, trusted: list[str]) -> None:
    """Fill the headline column from the ``trusted`` methods' columns and sort by it.

    With no trusted method the headline stays empty and the rows go in alphabetical
    order, not ranked. The caption's first sentence says which methods rank.

    Examples
    --------
    >>> t = Table("global_importance", "", ["feature", HEADLINE, "a", "b"],
    ...           [["x", None, 0.2, 0.6], ["y", None, 0.8, 0.4]], caption="Rows.")
    >>> rerank(t, ["a"]); [row[0] for row in t.rows], t.caption
    (['y', 'x'], 'Ranked by the mean share of the trusted methods: a. Rows.')
    >>> rerank(t, []); [row[0] for row in t.rows], rank_of(t)
    (['x', 'y'], None)
    """
    index = {c: i for i, c in enumerate(table.columns)}
    voters = [m for m in trusted if m in index]
    lead = table.caption.startswith((_RANKED, _NOT_RANKED))
    base = table.caption.split(". ", 1)[1] if lead and ". " in table.caption else ""
    if not lead:
        base = table.caption
    if voters:
        for row in table.rows:
            row[1] = float(np.mean([row[index[m]] for m in voters]))
        table.rows.sort(key=lambda row: -row[1])
        table.title = "Global importance (mean |attribution|, share of the total)"
        first = f"{_RANKED}: " + ", ".join(voters) + "."
    else:
        for row in table.rows:
            row[1] = None
        table.rows.sort(key=lambda row: str(row[0]))
        table.title = "Global importance (not ranked: no method passed every trust test)"
        first = (
            f"{_NOT_RANKED}, so there is no headline ranking; the rows are in alphabetical order."
        )
    table.caption = f"{first} {base}".strip()


_RANKED = "Ranked by the mean share of the trusted methods"
_NOT_RANKED = "No method passed every trust test"


def rank_of(table: Table) -> dict[str, int] | None:
    """Headline rank (1 = most important) of each row's label, or None when not ranked."""
    if not table.rows or table.rows[0][1] is None:
        return None
    return {str(row[0]): i + 1 for i, row in enumerate(table.rows)}


def headline_sentence(table: Table, trusted_labels: list[str], top: int = 3) -> str:
    """The section summary's sentence on the headline ranking.

    Examples
    --------
    >>> t = Table("global_importance", "", ["feature", HEADLINE], [["x", 0.7], ["y", 0.3]])
    >>> headline_sentence(t, ["IG"])
    'Most important by the trusted methods (IG): x, y.'
    """
    if rank_of(table) is None:
        return "No headline importance: no method passed every trust test."
    names = ", ".join(str(row[0]) for row in table.rows[:top])
    return f"Most important by the trusted methods ({', '.join(trusted_labels)}): {names}."


def importance_figure(table: Table, methods: list[str]) -> Figure:
    """Bars of each method's share for the first eight rows of the table, scaled per method."""
    index = {c: i for i, c in enumerate(table.columns)}
    shown = table.rows[:8]
    series = {}
    for name in methods:
        values = [float(row[index[name]]) for row in shown]
        peak = max(values, default=0.0) or 1.0
        series[name] = [v / peak for v in values]
    order = "headline rank" if rank_of(table) is not None else "input order (no trusted method)"
    alt = (
        f"Relative global importance (1 = the method's largest among those shown), in {order}. "
        + "; ".join(
            f"{row[0]}: " + ", ".join(f"{m} {series[m][j]:.2f}" for m in series)
            for j, row in enumerate(shown)
        )
    )
    return Figure(
        id="global_importance",
        title="Global importance by method",
        alt=alt,
        kind="bars",
        data={
            "categories": [str(row[0]) for row in shown],
            "series": series,
            "y_label": "relative importance",
        },
        caption="Scaled per method; the shares are in the table 'Global importance'.",
    )
