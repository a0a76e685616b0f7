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


class CTCHead(nn.Module):
    """``Linear(D → V + 1)``: per-frame logits over the vocabulary's ids plus the CTC blank.

    The blank is the last class (id ``V``), so every other class keeps its vocabulary id and a
    collapsed CTC path reads as the attention decoder's tokens do.
    """

    def __init__(self, dim: int, vocab_size: int):
        super().__init__()
        self.blank = vocab_size
        self.fc = nn.Linear(dim, vocab_size + 1)

    def forward(self, enc: torch.Tensor) -> torch.Tensor:
        """(B, T, D) -> (B, T, V + 1) logits."""
        return self.fc(enc)
