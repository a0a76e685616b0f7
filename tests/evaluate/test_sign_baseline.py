"""The logistic-regression baseline on hand statistics."""

from __future__ import annotations

import numpy as np
import torch

from signa.evaluate.sign_baseline import LogisticRegression, baseline_fold_accuracies, hand_statistics


def test_hand_statistics_shape_and_presence():
    points = torch.randn(6, 100, 3)
    points[:3, 21:42] = 0  # right hand missing in half of the frames
    features = hand_statistics(points)
    assert features.shape == (254,)
    assert features[0] == 1.0 and features[127] == 0.5


def test_logistic_regression_separates_separable_classes():
    rng = np.random.default_rng(0)
    features = rng.normal(size=(60, 5))
    labels = (features[:, 0] + 0.5 * features[:, 1] > 0).astype(int)
    model = LogisticRegression(l2=1e-3).fit(features, labels, 2)
    assert (model.predict(features) == labels).mean() > 0.95


class Sequences:
    def __init__(self, labels):
        self.labels = labels

    def sequence(self, i):
        points = torch.randn(8, 100, 3, generator=torch.Generator().manual_seed(i))
        points[:, :21, 0] += 2.0 * self.labels[i]
        return points


def test_baseline_fold_accuracies():
    labels = np.arange(40) % 2
    folds = np.arange(40) // 10
    accuracies = baseline_fold_accuracies(Sequences(labels), labels, folds)
    assert len(accuracies) == 4 and min(accuracies) >= 0.9
