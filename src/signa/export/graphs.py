"""Thin export wrappers: trained modules plus their preprocessing, as the graphs a runtime runs.

Every graph reads ONE raw sequence, preprocessing included, so a deployed model needs nothing
else: ``(frames, 543, 3)`` float32 Holistic landmarks with NaN for missing points, or, for the
Kaggle fingerspelling contract, ``(frames, 390)`` x|y|z-block columns of the 130 selected points.

* :class:`FingerspellingGraph` (``unrolled``): encoder, confidence and the greedy loop unrolled to a
  fixed number of steps with a key/value cache (:func:`signa.models.decoding.greedy_decode` with
  ``fixed_steps=True``); outputs step ``logits`` (S, V), ``tokens`` (S,) and ``confidence`` (1,).
* :class:`FingerspellingEncoderGraph` + :class:`FingerspellingStepGraph` (``stepwise``): the encoder
  with the cross-attention keys/values and the first decoder step, then one cached step per call,
  driven by a small runtime loop.
* :class:`SignsGraph`: class ``probabilities`` (C,).

Several checkpoints form one ensemble: fingerspelling models average their next-token logits at
every step (the 1st place averaged two seeds) and their confidence logits; sign models average
their softmax probabilities (the ISLR 6th place averaged probabilities).

``frames`` inputs (fixed-length graphs, TFLite): the input then holds ``length`` frames of which the
first ``frames`` are real; the rest is padding that masks keep out of every statistic.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from signa.data.layout import get_selection
from signa.data.preprocess import interpolate_or_pad, normalise, select_landmarks
from signa.data.preprocess_signs import SignPreprocessor
from signa.export.fuse import fuse_for_inference
from signa.models.decoding import SpecialTokens, greedy_decode

KV = tuple[torch.Tensor, torch.Tensor]
FS_OUTPUTS = ["logits", "tokens", "confidence"]


class EnsembleDecoder(nn.Module):
    """Several decoders stepping together on their averaged next-token logits.

    Duck-types the ``cross_kv``/``step`` interface of a decoder so :func:`greedy_decode` drives an
    ensemble unchanged; the models' encoder outputs arrive concatenated on the feature axis.
    """

    def __init__(self, decoders: list[nn.Module], dims: list[int]):
        super().__init__()
        self.decoders = nn.ModuleList(decoders)
        self.dims = list(dims)

    def cross_kv(self, enc: torch.Tensor) -> list[list[KV]]:
        """enc (B, T, sum(dims)) -> per model, per layer cross-attention (keys, values)."""
        return [d.cross_kv(e) for d, e in zip(self.decoders, enc.split(self.dims, dim=-1), strict=True)]

    def step(self, token, position, cache, cross, enc_mask):
        outs = [
            d.step(token, position, None if cache is None else cache[i], cross[i], enc_mask)
            for i, d in enumerate(self.decoders)
        ]
        logits = torch.stack([logit for logit, _ in outs]).mean(0)  # (B, V)
        return logits, [kv for _, kv in outs]


class FingerspellingEnsemble(nn.Module):
    """The inference parts of one or more fingerspelling models: stem, encoder, confidence, decoder.

    Each model enters in its inference form (:func:`signa.export.fuse.fuse_for_inference`, a copy).
    """

    def __init__(self, models: list[nn.Module]):
        super().__init__()
        models = [fuse_for_inference(model) for model in models]
        first = models[0].config
        for model in models[1:]:
            if (model.config.selection, model.config.vocab_size) != (first.selection, first.vocab_size):
                raise ValueError("ensemble members must share the landmark selection and the vocabulary")
        self.models = nn.ModuleList(models)
        self.selection = get_selection(first.selection)
        self.max_len = min(m.config.max_len for m in models)
        self.max_steps = first.max_phrase
        self.has_confidence = all(m.confidence is not None for m in models)
        self.decoder = (
            models[0].decoder
            if len(models) == 1
            else EnsembleDecoder([m.decoder for m in models], [m.config.dim for m in models])
        )

    def encode(self, x: torch.Tensor, mask: torch.Tensor | None):
        """x (1, T, K, 3) -> encoder outputs concatenated (1, T, ΣD) and confidence logit (1,) or NaN."""
        encs = [m.forward_encoder(x, mask) for m in self.models]
        if self.has_confidence:
            confidence = torch.stack(
                [m.forward_confidence(e) for m, e in zip(self.models, encs, strict=True)]
            ).mean(0)
        else:  # no confidence head: NaN, which the runtime reports as "no confidence"
            confidence = torch.full((1,), float("nan"), dtype=x.dtype)
        return torch.cat(encs, dim=-1), confidence

    def prepare(self, landmarks: torch.Tensor, frames: torch.Tensor | None):
        """One raw sequence -> model input (1, L, K, 3) and mask (1, L) or None (every frame real)."""
        points = select_landmarks(landmarks, self.selection).unsqueeze(0)  # (1, T, K, 3)
        if frames is None:
            x, _ = interpolate_or_pad(normalise(points), self.max_len, pad=False)
            return x, None
        real = torch.arange(points.shape[1]) < frames.reshape(1, 1)  # (1, T)
        return normalise(points, real) * real[..., None, None], real


class FingerspellingGraph(nn.Module):
    """Raw sequence -> greedy decode unrolled to ``max_steps`` steps, in one graph.

    ``kaggle`` (a :class:`KaggleGate`) gives the competition's output instead: ``outputs`` (S, V)
    with the rows after the first EOS replaced by a one-hot on PAD (the grader maps ids >= the
    character count to ""), and the whole answer replaced by the dummy string's one-hots when the
    gate finds the input too short or the model unsure (SOLUTIONS.md §2.10), inside the graph.
    """

    def __init__(
        self, ensemble: FingerspellingEnsemble, special: SpecialTokens, kaggle: KaggleGate | None = None
    ):
        super().__init__()
        self.ensemble = ensemble
        self.special = special
        self.kaggle = kaggle

    def forward(self, landmarks: torch.Tensor, frames: torch.Tensor | None = None):
        x, mask = self.ensemble.prepare(landmarks, frames)
        enc, confidence = self.ensemble.encode(x, mask)
        tokens, logits = greedy_decode(
            self.ensemble.decoder, enc, mask, self.special, self.ensemble.max_steps, fixed_steps=True
        )
        logits, tokens = logits[0], tokens[0]  # (S, V), (S,)
        if self.kaggle is not None:
            return self.kaggle(self._kaggle_rows(logits, tokens), landmarks, confidence)
        return logits, tokens, confidence

    def _kaggle_rows(self, logits: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
        """(S, V) scores whose argmax is the token, and PAD after EOS (one-hot by comparison)."""
        pad_row = (torch.arange(logits.shape[-1]) == self.special.pad).to(logits.dtype)  # (V,)
        after_eos = (tokens == self.special.pad)[:, None]  # greedy_decode pads every step after EOS
        return torch.where(after_eos, pad_row, logits)


class KaggleGate(nn.Module):
    """The 1st place's answer to unreadable input, in the graph: the dummy string's one-hot rows.

    Applies when the raw sequence has fewer than ``min_frames`` frames or sigmoid(confidence) <
    ``min_confidence`` (no confidence head: the frame rule alone; its NaN confidence never gates).
    """

    def __init__(self, dummy_ids: list[int], special: SpecialTokens, steps: int, vocab_size: int, options):
        super().__init__()
        ids = (list(dummy_ids) + [special.eos] + [special.pad] * steps)[:steps]
        rows = (torch.tensor(ids)[:, None] == torch.arange(vocab_size)).float()  # (S, V) one-hots
        self.register_buffer("dummy_rows", rows, persistent=False)
        self.min_frames = options.min_frames
        self.min_logit = math.log(options.min_confidence / (1 - options.min_confidence))

    def forward(self, rows: torch.Tensor, landmarks: torch.Tensor, confidence: torch.Tensor) -> torch.Tensor:
        frames = torch.ones_like(landmarks[:, :1]).sum()  # the raw frame count, as a tensor
        low = (frames < self.min_frames) | (confidence[0] < self.min_logit)  # NaN < x is false
        return torch.where(low, self.dummy_rows.to(rows.dtype), rows)


class FingerspellingEncoderGraph(nn.Module):
    """Stepwise variant, part 1: encoder, confidence, cross-attention K/V and the first step.

    Outputs ``logits`` (1, V) of position 0, ``confidence`` (1,), then per model and layer the
    self-attention cache ``self_k{i}``, ``self_v{i}`` (1, H, 1, hd) and the cross-attention
    ``cross_k{i}``, ``cross_v{i}`` (1, H, T, hd).
    """

    def __init__(self, ensemble: FingerspellingEnsemble, special: SpecialTokens):
        super().__init__()
        self.ensemble = ensemble
        self.special = special

    def forward(self, landmarks: torch.Tensor):
        x, mask = self.ensemble.prepare(landmarks, None)
        enc, confidence = self.ensemble.encode(x, mask)
        cross = self.ensemble.decoder.cross_kv(enc)
        sos = torch.full((1, 1), self.special.sos, dtype=torch.long)
        logits, cache = self.ensemble.decoder.step(sos, 0, None, cross, None)
        return (logits, confidence, *flatten_kv(cache), *flatten_kv(cross))


class FingerspellingStepGraph(nn.Module):
    """Stepwise variant, part 2: one cached decoder step. The position is the cache length.

    Inputs ``token`` (1, 1) int64, then the self cache (1, H, P, hd) per model and layer, then the
    cross K/V; outputs ``logits`` (1, V) and the self cache grown to P + 1.
    """

    def __init__(self, ensemble: FingerspellingEnsemble):
        super().__init__()
        self.ensemble = ensemble
        self.structure = kv_structure(ensemble)

    def forward(self, token: torch.Tensor, tensors: tuple[torch.Tensor, ...]):
        half = len(tensors) // 2
        cache = unflatten_kv(tensors[:half], self.structure)
        cross = unflatten_kv(tensors[half:], self.structure)
        position = tensors[0].shape[2]
        logits, cache = self.ensemble.decoder.step(token, position, cache, cross, None)
        return (logits, *flatten_kv(cache))


def kv_structure(ensemble: FingerspellingEnsemble) -> list[int] | int:
    """Layers per model for an ensemble (nested caches), or the layer count of a single model."""
    counts = [len(m.decoder.layers) for m in ensemble.models]
    return counts[0] if len(counts) == 1 else counts


def flatten_kv(kv) -> list[torch.Tensor]:
    """Nested lists of (k, v) pairs -> flat [k, v, k, v, ...]."""
    if isinstance(kv, tuple):
        return list(kv)
    return [t for item in kv for t in flatten_kv(item)]


def unflatten_kv(tensors, structure):
    if isinstance(structure, int):
        return [(tensors[2 * i], tensors[2 * i + 1]) for i in range(structure)]
    out, start = [], 0
    for layers in structure:
        out.append(unflatten_kv(tensors[start : start + 2 * layers], layers))
        start += 2 * layers
    return out


class SignsGraph(nn.Module):
    """Raw sequence (T, 543, 3) -> class probabilities (C,), averaged over the ensemble."""

    def __init__(self, models: list[nn.Module]):
        super().__init__()
        if len({m.config.n_classes for m in models}) != 1:
            raise ValueError("ensemble members must have the same classes")
        self.models = nn.ModuleList(fuse_for_inference(m) for m in models)
        self.preprocessors = nn.ModuleList(SignPreprocessor(m.config.max_len) for m in models)

    def forward(self, landmarks: torch.Tensor, frames: torch.Tensor | None = None):
        valid = None if frames is None else (torch.arange(landmarks.shape[0]) < frames.reshape(1))[None]
        probabilities = []
        for model, preprocess in zip(self.models, self.preprocessors, strict=True):
            points, mask = preprocess(landmarks[None], valid)
            probabilities.append(torch.softmax(model(points, mask).float(), dim=-1))
        return torch.stack(probabilities).mean(0)[0]


class NamedOutputs(nn.Module):
    """``graph`` returning a dict, so converters that name outputs by key (litert-torch) keep names."""

    def __init__(self, graph: nn.Module, names: list[str]):
        super().__init__()
        self.inner = graph  # not "graph": that name clashes with torch.fx's GraphModule.graph
        self.names = list(names)

    def forward(self, landmarks: torch.Tensor, frames: torch.Tensor):
        outputs = self.inner(landmarks, frames)
        outputs = outputs if isinstance(outputs, tuple) else (outputs,)
        return dict(zip(self.names, outputs, strict=True))
