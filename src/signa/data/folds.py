"""Cross-validation folds grouped by signer and stratified by label, without scikit-learn.

Every signer lands in exactly one fold, so a validation fold holds only signers never seen in
training. Signers are assigned greedily, the most label-skewed first, each to the fold that keeps
the label proportions across folds most even (ties go to the smallest fold): the idea of
scikit-learn's ``StratifiedGroupKFold(shuffle=True)``, written here from its description.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from signa.errors import SignaError


def stratified_group_folds(groups: Sequence, labels: Sequence, n_folds: int, seed: int = 42) -> np.ndarray:
    """Fold number (0..n_folds-1) of every sample; ``groups`` are signer ids, ``labels`` classes."""
    group_ids, group_of = np.unique(np.asarray(groups).astype(str), return_inverse=True)
    if len(group_ids) < n_folds:
        raise SignaError(f"{len(group_ids)} signers cannot fill {n_folds} signer-independent folds")
    label_ids, label_of = np.unique(np.asarray(labels).astype(str), return_inverse=True)
    counts = np.zeros((len(group_ids), len(label_ids)))
    np.add.at(counts, (group_of, label_of), 1)

    rng = np.random.default_rng(seed)
    shuffled = rng.permutation(len(group_ids))
    skew = (counts / counts.sum(1, keepdims=True)).std(1)
    order = shuffled[np.argsort(-skew[shuffled], kind="stable")]

    label_totals = counts.sum(0)
    fold_counts = np.zeros((n_folds, len(label_ids)))
    fold_of_group = np.empty(len(group_ids), dtype=int)
    for group in order:
        trial = fold_counts[None] + np.eye(n_folds)[:, :, None] * counts[group]  # (F candidates, F, C)
        unevenness = (trial / label_totals).std(1).mean(1)  # (F,)
        sizes = fold_counts.sum(1)
        best = min(range(n_folds), key=lambda f: (round(unevenness[f], 12), sizes[f]))
        fold_of_group[group] = best
        fold_counts[best] += counts[group]
    return fold_of_group[group_of]
