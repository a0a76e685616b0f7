"""The losses and the manifold mixup of the isolated-sign recipe, each alone."""

from __future__ import annotations

import math

import pytest
import torch

from signa.train.signs_losses import (
    ManifoldMix,
    consistency_ramp,
    mixup_probability,
    ousm_mean,
    smoothed_targets,
)
from signa.train.task import Progress


def test_label_smoothing_gives_the_true_class_one_minus_epsilon():
    targets = smoothed_targets(torch.tensor([2, 0]), 250, 0.3)
    assert torch.allclose(targets.sum(1), torch.ones(2))
    assert targets[0, 2] == pytest.approx(0.7) and targets[0, 0] == pytest.approx(0.3 / 249)


def test_ousm_leaves_out_the_k_largest_losses():
    losses = torch.tensor([1.0, 9.0, 2.0, 8.0, 3.0])
    assert ousm_mean(losses, 2) == pytest.approx(2.0)
    assert ousm_mean(losses, 0) == pytest.approx(4.6)
    assert ousm_mean(losses[:2], 3) == pytest.approx(5.0)  # too small a batch: keep all


def test_mixup_probability_decays_to_zero_at_90_percent():
    assert mixup_probability(0, 100, 0.5, 0.9) == pytest.approx(0.5)
    assert mixup_probability(45, 100, 0.5, 0.9) == pytest.approx(0.25)
    assert mixup_probability(90, 100, 0.5, 0.9) == 0.0 and mixup_probability(99, 100, 0.5, 0.9) == 0.0


def test_consistency_weight_ramps_up_over_a_quarter_of_training():
    def at(step):
        return consistency_ramp(Progress(0, step, 100), 5.0, 0.25)

    assert at(0) == pytest.approx(5 * math.exp(-5))
    assert at(10) < at(20) < at(25) == pytest.approx(5.0) == at(80)


def test_manifold_mix_mixes_states_and_ors_masks():
    hidden = torch.stack([torch.zeros(3, 2), torch.ones(3, 2)])
    mask = torch.tensor([[True, False, False], [True, True, False]])
    mix = ManifoldMix(1, torch.tensor([1, 0]), torch.tensor([0.25, 1.0]))
    mixed, mixed_mask = mix(hidden, mask)
    assert torch.allclose(mixed[0], torch.full((3, 2), 0.75)) and torch.allclose(mixed[1], torch.ones(3, 2))
    assert mixed_mask.tolist() == [[True, True, False], [True, True, False]]
    targets = mix.targets(torch.eye(2))
    assert torch.allclose(targets[0], torch.tensor([0.25, 0.75]))
