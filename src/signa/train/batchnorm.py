"""BatchNorm statistics recomputed from a model's current weights ("precise BatchNorm").

BatchNorm's running statistics are a moving average over past training steps, so they describe the
weights of a few steps ago. For most channels that lag is small against the channel's spread. A
channel whose input is the same in every frame (the face and lips of a data set without faces,
MSL-150 for one) has a batch variance of 0 in training, where it normalises to exactly its bias;
in evaluation it divides the lag of its running mean by ``sqrt(running_var + eps) ≈ sqrt(eps)``,
a 316-fold amplification that can wreck every prediction of a well-trained model. Statistics
measured with the final weights have no lag: the constant channel gives its bias in evaluation too.

They are measured as evaluation will use them: every BatchNorm normalises with the statistics
measured so far, so a pass settles one more level of stacked BatchNorms, and passes repeat until
nothing changes. The other modules run in training mode (the sign model's part MLPs then pass only
real frames to their BatchNorm, as in training), dropout off.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator

import torch
from torch import nn

BatchNorm = nn.modules.batchnorm._BatchNorm
SETTLED = 1e-4  # a pass that moves no mean by more than this many standard deviations ends the measuring


@contextlib.contextmanager
def recomputed_batchnorm(model: nn.Module, batches: Callable[[], Iterable[tuple]]) -> Iterator[nn.Module]:
    """Within the block, every BatchNorm of ``model`` holds the mean and (unbiased) variance of its
    inputs over ``batches()`` (argument tuples of ``model``); its own statistics and the modes of the
    modules come back afterwards."""
    norms = [m for m in model.modules() if isinstance(m, BatchNorm) and m.track_running_stats]
    saved = [(m.running_mean.clone(), m.running_var.clone()) for m in norms]
    modes = {m: m.training for m in model.modules()}
    try:
        model.train()
        for module in model.modules():
            if isinstance(module, BatchNorm | nn.Dropout):
                module.eval()
        with torch.random.fork_rng(devices=[]):
            for _ in range(len(norms) + 1):
                if _measure_pass(model, norms, batches()) < SETTLED:
                    break
        for module, training in modes.items():
            module.train(training)
        yield model
    finally:
        for module, training in modes.items():
            module.train(training)
        for norm, (mean, var) in zip(norms, saved, strict=True):
            norm.running_mean.copy_(mean)
            norm.running_var.copy_(var)


@torch.no_grad()
def _measure_pass(model: nn.Module, norms: list[nn.Module], batches: Iterable[tuple]) -> float:
    """Set each BatchNorm's statistics to those of its inputs in one pass; returns the largest move of
    a mean, in the new standard deviations."""
    sums = {id(m): [0, 0.0, 0.0] for m in norms}  # rows, Σx, Σx² per channel (float64)

    def accumulate(module, inputs):
        x = inputs[0].double().transpose(0, 1).flatten(1)  # (C, rows): (N, C) or (N, C, L) inputs
        total = sums[id(module)]
        total[0] += x.shape[1]
        total[1] = total[1] + x.sum(1)
        total[2] = total[2] + x.square().sum(1)

    hooks = [m.register_forward_pre_hook(accumulate) for m in norms]
    try:
        for batch in batches:
            model(*batch)
    finally:
        for hook in hooks:
            hook.remove()
    moved = 0.0
    for norm in norms:
        rows, total, squares = sums[id(norm)]
        if rows < 2:
            continue
        mean = total / rows
        var = ((squares - rows * mean.square()) / (rows - 1)).clamp(min=0)
        step = (mean - norm.running_mean.double()).abs() / (var + norm.eps).sqrt()
        moved = max(moved, step.max().item())
        norm.running_mean.copy_(mean.to(norm.running_mean.dtype))
        norm.running_var.copy_(var.to(norm.running_var.dtype))
    return moved
