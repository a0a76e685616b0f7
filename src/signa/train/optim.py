"""AdamW (or RAdam inside Lookahead) over the trainable modules, and the warmup-then-decay schedule."""

from __future__ import annotations

import math

import torch
from torch import nn

from signa.train.config import OptimConfig


def build_optimizer(modules: list[nn.Module], config: OptimConfig) -> torch.optim.Optimizer:
    """One AdamW (or Lookahead RAdam) over all ``modules``; biases and norm weights skip decay unless
    configured.

    A parameter with fewer than two dimensions is a bias or a normalisation scale (ISLR6 excludes
    those from decay; FS1 decays everything: ``decay_norm_and_bias: true``).
    """
    decay, no_decay = [], []
    for module in modules:
        for param in module.parameters():
            if param.requires_grad:
                (decay if config.decay_norm_and_bias or param.ndim >= 2 else no_decay).append(param)
    groups = [{"params": decay, "weight_decay": config.weight_decay}]
    if no_decay:
        groups.append({"params": no_decay, "weight_decay": 0.0})
    # foreach: the multi-tensor update; PyTorch makes it the default on CUDA only, and on CPU the
    # per-parameter loop costs a noticeable share of a step for a model of ~200 tensors.
    betas = tuple(config.betas)
    if config.optimizer == "radam-lookahead":
        radam = torch.optim.RAdam(
            groups, lr=config.lr, betas=betas, eps=config.eps, decoupled_weight_decay=True, foreach=True
        )
        return Lookahead(radam, config.lookahead_steps, config.lookahead_alpha)
    return torch.optim.AdamW(groups, lr=config.lr, betas=betas, eps=config.eps, foreach=True)


class Lookahead(torch.optim.Optimizer):
    """Lookahead (Zhang et al. 2019) around ``inner``: slow weights pulled toward the fast ones.

    Shares ``inner``'s parameter groups, so a learning-rate schedule on this optimiser drives the
    inner one; its state (the slow weights and the step count) is saved with the inner state.
    """

    def __init__(self, inner: torch.optim.Optimizer, sync_steps: int = 5, alpha: float = 0.5):
        self.inner, self.sync_steps, self.alpha = inner, sync_steps, alpha
        super().__init__(inner.param_groups, inner.defaults)
        self.param_groups = inner.param_groups
        self.steps = 0
        for group in self.param_groups:
            for param in group["params"]:
                self.state[param]["slow"] = param.detach().clone()

    @torch.no_grad()
    def step(self, closure=None):
        loss = self.inner.step(closure)
        self.steps += 1
        if self.steps % self.sync_steps == 0:
            for group in self.param_groups:
                for param in group["params"]:
                    slow = self.state[param]["slow"]
                    slow.lerp_(param, self.alpha)
                    param.copy_(slow)
        return loss

    def zero_grad(self, set_to_none: bool = True) -> None:
        self.inner.zero_grad(set_to_none)

    def state_dict(self) -> dict:
        return {"slow": super().state_dict(), "inner": self.inner.state_dict(), "steps": self.steps}

    def load_state_dict(self, state_dict: dict) -> None:
        super().load_state_dict(state_dict["slow"])
        self.inner.load_state_dict(state_dict["inner"])
        self.param_groups = self.inner.param_groups
        self.steps = state_dict["steps"]


def lr_factor(step: int, total_steps: int, warmup_steps: int, schedule: str) -> float:
    """Multiplier of the base learning rate after ``step`` optimiser steps.

    Linear warmup from 0 over ``warmup_steps``, then a half cosine (or a straight line) down to 0 at
    ``total_steps``; ``constant`` stays at 1 after the warmup.
    """
    if step < warmup_steps:
        return step / warmup_steps
    if schedule == "constant":
        return 1.0
    remaining = max(total_steps - warmup_steps, 1)
    done = min((step - warmup_steps) / remaining, 1.0)
    if schedule == "linear":
        return 1.0 - done
    return 0.5 * (1.0 + math.cos(math.pi * done))


def build_scheduler(
    optimizer: torch.optim.Optimizer, config: OptimConfig, total_steps: int, steps_per_epoch: int
) -> torch.optim.lr_scheduler.LambdaLR:
    """The schedule, stepped once per optimiser step."""
    if config.warmup_fraction:
        warmup = round(config.warmup_fraction * total_steps)
    else:
        warmup = round(config.warmup_epochs * steps_per_epoch)
    warmup = min(warmup, total_steps)
    return torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: lr_factor(step, total_steps, warmup, config.schedule)
    )
