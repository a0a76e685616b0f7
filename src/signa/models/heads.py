"""Small output heads on top of an encoder."""

from __future__ import annotations

import torch
from torch import nn


class ConfidenceHead(nn.Module):
    """``Linear(D → 1)`` on encoder frame 0: a logit predicting the sample's score (cfg_2).

    Frame 0 rather than a pooled vector, as in the reference; frame 0 is always a real frame
    because padding goes at the end.
    """

    def __init__(self, dim: int):
        super().__init__()
        self.fc = nn.Linear(dim, 1)

    def forward(self, enc: torch.Tensor) -> torch.Tensor:
        """(B, T, D) -> (B,) logits."""
        return self.fc(enc[:, 0]).squeeze(-1)
