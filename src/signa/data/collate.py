"""Batching of variable-length sequences: pad to the longest and say which frames are real."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch


def pad_collate(
    sequences: Sequence[torch.Tensor | np.ndarray], pad_value: float = 0.0
) -> tuple[torch.Tensor, torch.Tensor]:
    """Stack ``(T_i, ...)`` sequences into ``(B, T_max, ...)`` plus a ``(B, T_max)`` bool frame mask.

    The mask is True on real frames and False on padding. All sequences must share their trailing
    shape and dtype; numpy arrays are converted to tensors.
    """
    if not sequences:
        raise ValueError("pad_collate needs at least one sequence")
    tensors = [torch.as_tensor(s) for s in sequences]
    lengths = torch.tensor([len(t) for t in tensors])
    batch = tensors[0].new_full((len(tensors), int(lengths.max()), *tensors[0].shape[1:]), pad_value)
    for row, tensor in enumerate(tensors):
        batch[row, : len(tensor)] = tensor
    mask = torch.arange(batch.shape[1])[None, :] < lengths[:, None]  # (B, T_max)
    return batch, mask
