"""A simple isolated-sign baseline: logistic regression on per-sequence hand statistics.

Features of a sequence (after the isolated-sign preprocessing: hand frames only, standardised):
for each hand, the share of frames in which it is seen and the mean and standard deviation over
those frames of each of its 21 points' x, y and z (2 × (1 + 2 × 63) = 254 numbers). The classifier
is a multinomial logistic regression with an L2 penalty, fitted by L-BFGS in torch, on features
standardised with the training set's statistics. It is the yardstick the model must beat.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from signa.data.layout import HAND_PARTS, SIGNS_100


def hand_statistics(points: torch.Tensor) -> np.ndarray:
    """(254,) features of one preprocessed (L, 100, 3) sequence (missing points are 0)."""
    features = []
    for part in HAND_PARTS:
        hand = torch.from_numpy(SIGNS_100.part_indices(part))
        values = points.index_select(1, hand).flatten(1)  # (L, 63)
        seen = (values != 0).any(1)
        features.append(seen.float().mean(0, keepdim=True))
        present = values[seen] if seen.any() else torch.zeros(1, values.shape[1])
        features += [present.mean(0), present.std(0, unbiased=False)]
    return torch.cat(features).numpy()


@dataclass
class LogisticRegression:
    """Multinomial logistic regression with an L2 penalty ``l2`` on the weights."""

    l2: float = 1e-2
    iterations: int = 200

    def fit(self, features: np.ndarray, labels: np.ndarray, n_classes: int) -> LogisticRegression:
        self.mean, self.std = features.mean(0), features.std(0) + 1e-6
        x = torch.from_numpy((features - self.mean) / self.std).float()
        y = torch.from_numpy(labels).long()
        self.weight = torch.zeros(x.shape[1], n_classes, requires_grad=True)
        self.bias = torch.zeros(n_classes, requires_grad=True)
        optimizer = torch.optim.LBFGS(
            [self.weight, self.bias], max_iter=self.iterations, line_search_fn="strong_wolfe"
        )

        def closure():
            optimizer.zero_grad()
            loss = torch.nn.functional.cross_entropy(x @ self.weight + self.bias, y)
            loss = loss + self.l2 * self.weight.square().sum()
            loss.backward()
            return loss

        optimizer.step(closure)
        return self

    def predict(self, features: np.ndarray) -> np.ndarray:
        x = torch.from_numpy((features - self.mean) / self.std).float()
        with torch.no_grad():
            return (x @ self.weight + self.bias).argmax(1).numpy()


def baseline_fold_accuracies(dataset, labels: np.ndarray, folds: np.ndarray, l2: float = 1e-2) -> list[float]:
    """Held-out accuracy of the baseline on each fold of ``folds`` (one fold number per sequence).

    ``dataset`` gives the preprocessed (L, 100, 3) sequence ``i`` as ``dataset.sequence(i)``.
    """
    features = np.stack([hand_statistics(dataset.sequence(i)) for i in range(len(labels))])
    n_classes = int(labels.max()) + 1
    accuracies = []
    for fold in np.unique(folds):
        train, held_out = folds != fold, folds == fold
        model = LogisticRegression(l2).fit(features[train], labels[train], n_classes)
        accuracies.append(float((model.predict(features[held_out]) == labels[held_out]).mean()))
    return accuracies
