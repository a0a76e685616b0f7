"""RAdam inside Lookahead: the slow-weight update, the shared schedule and save/restore."""

from __future__ import annotations

import torch
from torch import nn

from signa.train.config import OptimConfig
from signa.train.optim import Lookahead, build_optimizer, build_scheduler


def quadratic_steps(model, optimizer, steps):
    for _ in range(steps):
        optimizer.zero_grad()
        (model.weight - 3.0).square().sum().backward()
        optimizer.step()


def test_lookahead_pulls_the_slow_weights_every_k_steps():
    torch.manual_seed(0)
    model, reference = nn.Linear(3, 2, bias=False), nn.Linear(3, 2, bias=False)
    reference.load_state_dict(model.state_dict())
    start = model.weight.detach().clone()
    config = OptimConfig(lr=0.1, weight_decay=0.0, optimizer="radam-lookahead", lookahead_steps=3)
    optimizer = build_optimizer([model], config)
    assert isinstance(optimizer, Lookahead) and isinstance(optimizer.inner, torch.optim.RAdam)
    plain = torch.optim.RAdam(reference.parameters(), lr=0.1, decoupled_weight_decay=True)
    quadratic_steps(model, optimizer, 3)
    quadratic_steps(reference, plain, 3)
    expected = start + 0.5 * (reference.weight.detach() - start)
    torch.testing.assert_close(model.weight.detach(), expected)


def test_schedule_drives_the_inner_optimiser_and_state_round_trips():
    model = nn.Linear(3, 2)
    config = OptimConfig(lr=0.1, optimizer="radam-lookahead", warmup_fraction=0.5)
    optimizer = build_optimizer([model], config)
    scheduler = build_scheduler(optimizer, config, total_steps=4, steps_per_epoch=4)
    quadratic_steps(model, optimizer, 1)
    scheduler.step()
    assert optimizer.inner.param_groups[0]["lr"] == 0.05
    saved = optimizer.state_dict()
    restored = build_optimizer([model], config)
    restored.load_state_dict(saved)
    assert (
        restored.steps == 1 and restored.inner.state_dict()["state"].keys() == saved["inner"]["state"].keys()
    )
    torch.testing.assert_close(restored.state[model.weight]["slow"], optimizer.state[model.weight]["slow"])
