"""Fingerspelling preprocessing in torch, shared by training datasets and exported graphs.

    raw (T, 543, 3) or Kaggle (T, 390)  ──select──▶  (T, 130, 3)
        ──normalise──▶ per-axis standardised, NaN → 0  ──interpolate_or_pad──▶ (max_len, 130, 3) + mask

Every function takes one sequence or a batch with leading axes, and is written to trace into
ONNX/TFLite: shapes flow through tensor arithmetic, with no Python branch on values, no boolean
indexing and no ``nan_to_num``/``one_hot``.

Resampling long sequences: the reference trained with nearest-neighbour ``F.interpolate`` but
exported with bilinear ``tf.image.resize`` (SOLUTIONS.md §2.12 bug 7), so its deployed model saw
inputs it was never trained on. SIGNA uses nearest-neighbour (frame ``floor(i · T / max_len)``, in
exact integer arithmetic) in both places: it is what the model was trained with, it never invents
poses between two real frames, and it is a plain gather in every runtime.
"""

from __future__ import annotations

import torch

from signa.data.layout import COORDS, FINGERSPELLING_130, N_LANDMARKS, Selection

MAX_LEN = 384


def select_landmarks(x: torch.Tensor, selection: Selection = FINGERSPELLING_130) -> torch.Tensor:
    """(..., T, 543, 3) raw frames or (..., T, 3·K) x|y|z-block columns -> (..., T, K, 3).

    The column form is the Kaggle/TFLite input: the selection's columns in x-block, y-block,
    z-block order (:func:`signa.data.layout.wide_columns`), e.g. (T, 390) for the 130 points.
    """
    if x.shape[-2:] == (N_LANDMARKS, len(COORDS)):
        index = torch.as_tensor(selection.plain_positions, dtype=torch.long, device=x.device)
        return x.index_select(-2, index)
    if x.shape[-1] == len(COORDS) * len(selection):
        blocks = x.unflatten(-1, (len(COORDS), len(selection)))  # (..., T, 3, K)
        return blocks.transpose(-1, -2)
    raise ValueError(
        f"expected (..., frames, {N_LANDMARKS}, 3) landmarks or (..., frames, {3 * len(selection)}) "
        f"columns, got shape {tuple(x.shape)}"
    )


def finite(x: torch.Tensor) -> torch.Tensor:
    """``torch.isfinite`` as ``x - x == 0`` (false for NaN and ±inf).

    ``isfinite`` exports to ONNX as ``IsInf``/``IsNaN``, which ``onnx2tf`` cannot convert on a
    dynamic frames axis; a subtraction and a comparison convert everywhere.
    """
    return (x - x) == 0


def normalise(x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
    """Per-sequence, per-axis standardisation over all present values; missing values -> 0.

    ``x`` (..., T, K, 3) with NaN for missing points; ``mask`` (..., T) excludes padded frames
    from the statistics. The mean and the population std are taken over every non-NaN value of
    each axis across frames and points (SOLUTIONS.md §2.3 step 2). Infinite values count as
    missing. An axis with no spread (a single present point) normalises to 0.
    """
    present = finite(x)
    if mask is not None:
        present = present & mask[..., None, None]
    weight = present.to(x.dtype)
    values = torch.where(present, x, torch.zeros((), dtype=x.dtype, device=x.device))
    count = weight.sum((-3, -2), keepdim=True).clamp_min(1.0)  # (..., 1, 1, 3)
    mean = values.sum((-3, -2), keepdim=True) / count
    var = ((values - mean).square() * weight).sum((-3, -2), keepdim=True) / count
    scaled = (values - mean) * torch.rsqrt(var)
    scaled = torch.where(finite(scaled), scaled, torch.zeros((), dtype=x.dtype, device=x.device))
    return scaled * weight


def interpolate_or_pad(
    x: torch.Tensor,
    max_len: int = MAX_LEN,
    lengths: torch.Tensor | None = None,
    pad: bool = True,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Resample sequences longer than ``max_len`` down to it (nearest); pad shorter ones with zeros.

    ``x`` (..., T, K, C); ``lengths`` (...) the real frames of each sequence of a padded batch
    (default: all T). Returns (x (..., L, K, C), mask (..., L) True on real frames), with
    L = ``max_len``, or with ``pad=False`` L = min(T, max_len) (batch-1 inference without padding).
    """
    frames = x.shape[-3]
    out_len = max_len if pad else min(frames, max_len)
    if lengths is None:
        lengths = torch.full(x.shape[:-3], frames, dtype=torch.long, device=x.device)
    lengths = lengths.to(torch.long)
    step = torch.arange(out_len, dtype=torch.long, device=x.device)
    span = torch.clamp(lengths, min=max_len)[..., None]  # (..., 1): T, or max_len when shorter
    source = step * span // max_len  # (..., L): floor(i·T/max_len) or i
    mask = source < lengths[..., None]
    source = torch.minimum(source, (lengths[..., None] - 1).clamp_min(0))
    gathered = torch.gather(x, -3, source[..., None, None].expand(*source.shape, *x.shape[-2:]))
    return gathered * mask[..., None, None].to(x.dtype), mask


def preprocess(
    x: torch.Tensor,
    selection: Selection = FINGERSPELLING_130,
    max_len: int = MAX_LEN,
    pad: bool = True,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Raw frames (..., T, 543, 3) or columns (..., T, 3K) -> model input (..., L, K, 3) and mask.

    A sequence of zero frames becomes one all-missing frame, so every output has a real frame
    (a branch on the shape, not on values: an exported graph is traced with T ≥ 1 and its runtime
    passes at least one frame).
    """
    points = select_landmarks(x, selection)
    if points.shape[-3] == 0:
        points = torch.full((*points.shape[:-3], 1, *points.shape[-2:]), float("nan"), dtype=points.dtype)
    return interpolate_or_pad(normalise(points), max_len, pad=pad)
