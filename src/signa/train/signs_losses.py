"""The losses and the manifold mixup of the isolated-sign recipe (see :mod:`signa.train.signs`)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from signa.train.task import Progress


def smoothed_targets(labels: torch.Tensor, n_classes: int, smoothing: float) -> torch.Tensor:
    """(B, C): 1 - smoothing on the true class, smoothing / (C - 1) on each other class."""
    off = smoothing / max(n_classes - 1, 1)
    targets = torch.full((len(labels), n_classes), off, device=labels.device)
    return targets.scatter(1, labels[:, None], 1.0 - smoothing)


def soft_cross_entropy(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Per-sample cross entropy (B,) against soft targets (B, C)."""
    return -(targets * F.log_softmax(logits.float(), -1)).sum(-1)


def ousm_mean(losses: torch.Tensor, k: int) -> torch.Tensor:
    """Mean of the per-sample ``losses`` without the ``k`` largest (online uncertainty sample mining)."""
    keep = len(losses) - k
    if k <= 0 or keep <= 0:
        return losses.mean()
    return losses.topk(keep, largest=False).values.mean()


def consistency(logits: torch.Tensor, target_probs: torch.Tensor) -> torch.Tensor:
    """Squared distance between the softmax of ``logits`` and target probabilities, summed over classes."""
    return (F.softmax(logits.float(), -1) - target_probs).square().sum(-1).mean()


def consistency_ramp(progress: Progress, weight: float, rampup: float) -> float:
    """``weight·exp(-5(1 - t)²)``, t = share of training done / ``rampup`` (capped at 1)."""
    t = min(progress.fraction / rampup, 1.0) if rampup > 0 else 1.0
    return weight * math.exp(-5.0 * (1.0 - t) ** 2)


def mixup_probability(epoch: int, epochs: int, peak: float, until: float) -> float:
    """``(1 - epoch / (until·epochs))·peak``, floored at 0: decreasing, as in the reference code."""
    return max(0.0, 1.0 - epoch / (until * epochs)) * peak


@dataclass
class ManifoldMix:
    """Mix hidden states with a permutation of the batch before transformer layer ``layer``."""

    layer: int
    permutation: torch.Tensor  # (B,)
    weight: torch.Tensor  # (B,) share of each sample's own state

    def __call__(self, hidden: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        w = self.weight.to(hidden.dtype)[:, None, None]
        mixed = w * hidden + (1 - w) * hidden.index_select(0, self.permutation)
        return mixed, mask | mask.index_select(0, self.permutation)

    def targets(self, targets: torch.Tensor) -> torch.Tensor:
        w = self.weight[:, None]
        return w * targets + (1 - w) * targets.index_select(0, self.permutation)


def draw_mix(batch: int, n_layers: int, alpha: float, device: torch.device) -> ManifoldMix:
    layer = int(torch.randint(n_layers, ()))
    permutation = torch.randperm(batch).to(device)
    weight = torch.distributions.Beta(alpha, alpha).sample((batch,)).to(device)
    return ManifoldMix(layer, permutation, weight)
