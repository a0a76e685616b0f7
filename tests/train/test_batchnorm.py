"""BatchNorm statistics of the current weights: a constant channel evaluates as it trains (synthetic)."""

from __future__ import annotations

import torch
from torch import nn

from signa.train.batchnorm import recomputed_batchnorm


def _lagging_model() -> tuple[nn.Module, torch.Tensor]:
    """Two stacked BatchNorms; channel 0 is constant; its running mean lags a last weight change."""
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Linear(4, 8), nn.BatchNorm1d(8), nn.Dropout(0.5), nn.Linear(8, 3), nn.BatchNorm1d(3)
    )
    with torch.no_grad():
        model[0].weight[0] = 0  # channel 0: the bias alone, the same for every row
    x = torch.randn(256, 4)
    model.train()
    with torch.no_grad():
        for _ in range(300):  # running variance of channel 0 -> 0
            model(x)
        model[0].bias[0] += 0.01  # the weights move on; the running mean has not seen it yet
    return model, x


def _no_dropout_training_output(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    model.train()
    model[2].eval()
    with torch.no_grad():
        return model(x)


def test_a_constant_channel_with_lagging_statistics_breaks_evaluation():
    model, x = _lagging_model()
    with torch.no_grad():
        evaluated = model.eval()(x)
    assert (evaluated - _no_dropout_training_output(model, x)).abs().max() > 0.5


def test_recomputed_statistics_evaluate_as_training_does_and_come_back():
    model, x = _lagging_model()
    reference = _no_dropout_training_output(model, x)
    saved = {k: v.clone() for k, v in model.state_dict().items()}
    model.eval()
    with recomputed_batchnorm(model, lambda: [(x[:100],), (x[100:],)]):
        assert not model.training  # the modes come back inside the block already
        with torch.no_grad():
            evaluated = model(x)
            hidden = model[:4](x)  # what the second BatchNorm normalises in evaluation
        torch.testing.assert_close(model[4].running_mean, hidden.mean(0), atol=1e-5, rtol=0)
        torch.testing.assert_close(model[4].running_var, hidden.var(0), atol=1e-5, rtol=1e-4)
    # as in training, up to the unbiased variance evaluation uses (n / (n - 1) here: 0.4 %)
    torch.testing.assert_close(evaluated, reference, atol=0.02, rtol=0)
    assert all(torch.equal(v, saved[k]) for k, v in model.state_dict().items())
