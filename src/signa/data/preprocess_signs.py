"""Isolated-sign preprocessing (SOLUTIONS.md §5.1), in torch so export can keep it in the graph.

From raw Holistic landmarks ``(..., T, 543, 3)`` (NaN = missing) to the model input:

1. select the 100 points of :data:`signa.data.layout.SIGNS_100` (5 of them averaged);
2. drop frames where both hands are entirely missing;
3. standardise each axis with the mean and population std of all non-NaN values of the kept
   frames (one mean and std per axis and sequence), then NaN -> 0;
4. stride the kept frames down to ``max_len``: with L kept frames and L > max_len, keep the frames
   whose 1-based index is divisible by ``L // max_len + 1``;
5. pad to ``max_len`` with a frame mask.

Every step is a fixed-shape tensor operation (gathers, running counts and masks; no Python loop over frames
and no data-dependent shapes), so the module runs batched and traces into an exported graph.

A sequence in which no frame has a hand keeps all its frames here, so an exported graph still
answers; :func:`signa.data.layout.check_has_hand` is the library's guard that refuses such a
sequence with a clear message before it reaches the model.
"""

from __future__ import annotations

import torch
from torch import nn

from signa.data.layout import N_LANDMARKS, SIGNS_100, Selection, hand_points


def _source_groups(selection: Selection) -> tuple[list[int], list[list[int]], list[int]]:
    """Sources of the plain points, the groups of the averaged points, and the output order.

    The output is ``cat(plain, averaged)`` reordered by the returned permutation (identity for
    :data:`SIGNS_100`, whose 5 averaged points come last).
    """
    plain = [row for row, group in enumerate(selection.sources) if len(group) == 1]
    averaged = [row for row, group in enumerate(selection.sources) if len(group) > 1]
    order = [(plain + averaged).index(row) for row in range(len(selection))]
    return (
        [selection.sources[row][0] for row in plain],
        [list(selection.sources[row]) for row in averaged],
        order,
    )


class SignPreprocessor(nn.Module):
    """Raw landmarks to the isolated-sign model input.

    ``forward(landmarks, frame_valid=None)``:
        landmarks: (B, T, 543, 3) or (B, T, 100, 3) already selected, float, NaN = missing.
        frame_valid: optional (B, T) bool marking real frames of a padded batch.
    Returns ``(points, mask)``: (B, max_len, 100, 3) float, standardised, NaN -> 0, and (B, max_len)
    bool, true on real frames. Unbatched input (T, P, 3) gives unbatched output.
    """

    def __init__(self, max_len: int, selection: Selection = SIGNS_100):
        super().__init__()
        self.max_len = max_len
        self.n_points = len(selection)
        plain, groups, order = _source_groups(selection)
        self.group_sizes = [len(group) for group in groups]
        self.register_buffer("plain_sources", torch.tensor(plain), persistent=False)
        self.register_buffer("group_sources", torch.tensor([i for g in groups for i in g]), persistent=False)
        self.register_buffer("order", torch.tensor(order), persistent=False)
        self.reorder = order != sorted(order)
        self.register_buffer("hands", torch.from_numpy(hand_points(selection)), persistent=False)

    def select(self, landmarks: torch.Tensor) -> torch.Tensor:
        """(..., 543, 3) -> (..., 100, 3); an averaged point is NaN when any of its sources is."""
        # index_select: advanced indexing is orders of magnitude slower on small CPU tensors.
        # Only the averaged points' members are gathered beside the plain points (131 points, not
        # 100 groups padded to the widest): the selection was the slowest node of the exported graph.
        plain = landmarks.index_select(-2, self.plain_sources)
        members = landmarks.index_select(-2, self.group_sources).split(self.group_sizes, dim=-2)
        points = torch.cat([plain, *(group.mean(-2, keepdim=True) for group in members)], dim=-2)
        return points.index_select(-2, self.order) if self.reorder else points

    def forward(self, landmarks: torch.Tensor, frame_valid: torch.Tensor | None = None):
        unbatched = landmarks.dim() == 3
        if unbatched:
            landmarks = landmarks.unsqueeze(0)
            frame_valid = None if frame_valid is None else frame_valid.unsqueeze(0)
        points = landmarks.float()
        if points.shape[-2] == N_LANDMARKS:
            points = self.select(points)  # (B, T, K, 3)
        if frame_valid is None:
            frame_valid = torch.ones(points.shape[:2], dtype=torch.bool, device=points.device)
        keep = self._frames_to_keep(points, frame_valid)  # (B, T)
        points = self._standardise(points, keep)
        points, mask = self._stride(points, keep)
        if unbatched:
            return points[0], mask[0]
        return points, mask

    def _frames_to_keep(self, points: torch.Tensor, frame_valid: torch.Tensor) -> torch.Tensor:
        """Real frames with at least one hand point; all real frames when no frame has a hand."""
        hand_seen = ~torch.isnan(points.index_select(2, self.hands)).all(-1).all(-1)  # (B, T)
        with_hand = hand_seen & frame_valid
        no_hand_at_all = ~with_hand.any(1, keepdim=True)  # (B, 1)
        return with_hand | (no_hand_at_all & frame_valid)  # boolean algebra: ONNX Runtime has no bool Where

    @staticmethod
    def _standardise(points: torch.Tensor, keep: torch.Tensor) -> torch.Tensor:
        """Per-sequence, per-axis standardisation over the non-NaN values of the kept frames; NaN -> 0."""
        flat = points.flatten(1, 2)  # (B, T·K, 3)
        seen = ~torch.isnan(flat) & keep.repeat_interleave(points.shape[2], 1)[:, :, None]
        values = torch.where(seen, flat, torch.zeros_like(flat))
        count = seen.sum(1, keepdim=True).clamp(min=1)  # (B, 1, 3)
        mean = values.sum(1, keepdim=True) / count
        centred = torch.where(seen, flat - mean, torch.zeros_like(flat))
        std = (centred.square().sum(1, keepdim=True) / count).sqrt()
        std = torch.where(std > 0, std, torch.ones_like(std))
        return (centred / std).unflatten(1, points.shape[1:3])

    def _stride(self, points: torch.Tensor, keep: torch.Tensor):
        """Gather the kept frames, strided to at most ``max_len``, and pad; returns (points, mask)."""
        n_frames = points.shape[1]
        # The frame of the r-th kept frame is the number of frames whose running count of kept
        # frames is still below r (no sort: the ONNX exporters have no stable sort).
        running = keep.long().cumsum(1)  # (B, T)
        kept = running[:, -1:]  # (B, 1)
        divisor = torch.where(kept > self.max_len, kept // self.max_len + 1, torch.ones_like(kept))
        slot = torch.arange(1, self.max_len + 1, device=points.device)  # 1-based positions
        rank = divisor * slot  # (B, M): 1-based rank among kept frames
        mask = rank <= kept
        source = (running[:, None, :] < rank[:, :, None]).sum(-1).clamp(max=n_frames - 1)  # (B, M)
        index = source[:, :, None, None].expand(-1, -1, *points.shape[2:])
        strided = points.gather(1, index)
        return strided * mask[:, :, None, None], mask
