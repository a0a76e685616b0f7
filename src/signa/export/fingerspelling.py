"""Fingerspelling export: the graphs of an ensemble and the files of each variant.

Every graph reads ONE raw sequence, preprocessing included: ``(frames, 543, 3)`` float32 Holistic
landmarks with NaN for missing points, or, for the Kaggle contract, ``(frames, 390)`` x|y|z-block
columns of the 130 selected points.

* :class:`FingerspellingGraph` (``unrolled``): encoder, confidence and the greedy loop unrolled to a
  fixed number of steps with a key/value cache (:class:`signa.models.decoding.GreedyDecoder` with
  ``fixed_steps=True``); outputs step ``logits`` (S, V), ``tokens`` (S,) and ``confidence`` (1,).
  With a :class:`KaggleGate` (``--kaggle``) it gives the competition's ``outputs`` (S, V).
* ``ctc`` (a model with the CTC head and no attention decoder): the same graph and outputs, but the
  decoder loop is gone: encoder, per-frame CTC ``logits`` (T, V + 1) and their best path collapsed
  to ``tokens`` (S,) (:class:`signa.models.decoding.CTCGreedyDecoder`).
* :class:`FingerspellingEncoderGraph` + :class:`FingerspellingStepGraph` (``stepwise``): the encoder
  with the cross-attention keys/values and the first decoder step, then one cached step per call,
  driven by a small runtime loop (:mod:`signa.infer.fingerspelling`).

Several checkpoints form one ensemble: the models average their next-token logits at every step (the
1st place averaged two seeds) and their confidence logits.

``frames`` inputs (fixed-length graphs, TFLite): the input then holds ``length`` frames of which the
first ``frames`` are real; the rest is padding that masks keep out of every statistic.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from signa.data.layout import get_selection, wide_columns
from signa.data.preprocess import interpolate_or_pad, normalise, select_landmarks
from signa.data.vocab import Vocabulary
from signa.errors import SignaError
from signa.export import metadata
from signa.export.fuse import fuse_for_inference
from signa.export.metadata import InputContract
from signa.export.options import ExportOptions
from signa.export.steps import (
    EXAMPLE_FRAMES,
    NamedOutputs,
    convert_tflite,
    example_landmarks,
    fixed_contract,
    shared_mapping,
    via_onnx,
)
from signa.export.tasks import ExportedFiles, ExportTask, LoadedModels, register_export_task
from signa.models.decoding import CTCGreedyDecoder, GreedyDecoder, SpecialTokens
from signa.models.gate import ConfidenceGate

KV = tuple[torch.Tensor, torch.Tensor]
OUTPUTS = ["logits", "tokens", "confidence"]
KAGGLE_GATE = ConfidenceGate(mode="kaggle")  # the gate a --kaggle graph applies inside itself


class EnsembleDecoder(nn.Module):
    """Several decoders stepping together on their averaged next-token logits.

    Duck-types the ``cross_kv``/``step`` interface of a decoder so a
    :class:`~signa.models.decoding.GreedyDecoder` drives an ensemble unchanged; the models' encoder
    outputs arrive concatenated on the feature axis.
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


class EnsembleCTC(nn.Module):
    """Several CTC heads as one: their per-frame log-probabilities averaged (blank last in each)."""

    def __init__(self, heads: list[nn.Module], dims: list[int]):
        super().__init__()
        self.heads = nn.ModuleList(heads)
        self.dims = list(dims)
        self.blank = heads[0].blank

    def forward(self, enc: torch.Tensor) -> torch.Tensor:
        parts = enc.split(self.dims, dim=-1)
        return torch.stack([h(e).log_softmax(-1) for h, e in zip(self.heads, parts, strict=True)]).mean(0)


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
        self.ctc = models[0].decoder is None
        if any((m.decoder is None) != self.ctc for m in models):
            raise ValueError("ensemble members must all have the attention decoder, or all CTC alone")
        dims = [m.config.dim for m in models]
        if self.ctc:
            self.token_decoder = CTCGreedyDecoder(self.max_steps)
            heads = [m.ctc for m in models]
            self.decoder = heads[0] if len(models) == 1 else EnsembleCTC(heads, dims)
        else:
            self.token_decoder = GreedyDecoder(self.max_steps, fixed_steps=True)
            decoders = [m.decoder for m in models]
            self.decoder = decoders[0] if len(models) == 1 else EnsembleDecoder(decoders, dims)

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
    """Raw sequence -> greedy decode unrolled to ``max_steps`` steps (or greedy CTC), in one graph.

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
        tokens, logits = self.ensemble.token_decoder.decode(self.ensemble.decoder, enc, mask, self.special)
        logits, tokens = logits[0], tokens[0]  # (S, V), (S,)
        if self.kaggle is not None:
            return self.kaggle(self._kaggle_rows(logits, tokens), landmarks, confidence)
        return logits, tokens, confidence

    def _kaggle_rows(self, logits: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
        """(S, V) scores whose argmax is the token, and PAD after EOS (one-hot by comparison)."""
        pad_row = (torch.arange(logits.shape[-1]) == self.special.pad).to(logits.dtype)  # (V,)
        after_eos = (tokens == self.special.pad)[:, None]  # the greedy decoder pads every step after EOS
        return torch.where(after_eos, pad_row, logits)


class KaggleGate(nn.Module):
    """The 1st place's answer to unreadable input, in the graph: the dummy string's one-hot rows.

    Applies the :class:`~signa.models.gate.ConfidenceGate` rule on the raw frame count and the
    confidence logit (no confidence head: the frame rule alone; its NaN confidence never gates).
    """

    def __init__(self, dummy_ids: list[int], special: SpecialTokens, steps: int, vocab_size: int, gate):
        super().__init__()
        ids = (list(dummy_ids) + [special.eos] + [special.pad] * steps)[:steps]
        rows = (torch.tensor(ids)[:, None] == torch.arange(vocab_size)).float()  # (S, V) one-hots
        self.register_buffer("dummy_rows", rows, persistent=False)
        self.min_frames = gate.min_frames
        self.min_logit = gate.min_logit

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


@register_export_task("fingerspelling")
class FingerspellingExport(ExportTask):
    archs = ("fingerspelling",)

    def shared_mappings(self, models, configs, folders):
        vocab = shared_mapping(configs, folders, "vocab", Vocabulary.from_mapping, Vocabulary.kaggle)
        for model, folder in zip(models, folders, strict=True):
            model.check_vocabulary(vocab, folder)
        return vocab, None

    def runtime_graph(self, loaded: LoadedModels) -> tuple[nn.Module, list[str]]:
        ensemble = FingerspellingEnsemble(loaded.models)
        return FingerspellingGraph(ensemble, SpecialTokens.of(loaded.vocab)), OUTPUTS

    def selection(self, loaded: LoadedModels) -> str:
        return loaded.models[0].config.selection

    def decoding(self, loaded: LoadedModels, options: ExportOptions) -> dict:
        vocab = loaded.vocab
        steps = loaded.models[0].config.max_phrase
        decoding = {"steps": steps, "sos_id": vocab.sos_id, "eos_id": vocab.eos_id, "pad_id": vocab.pad_id}
        if options.kaggle:  # applied inside the graph
            decoding.update(
                gate="kaggle",
                min_frames=KAGGLE_GATE.min_frames,
                min_confidence=KAGGLE_GATE.min_confidence,
                dummy_text=KAGGLE_GATE.dummy_text,
            )
        return decoding

    def export(self, loaded: LoadedModels, out: Path, options: ExportOptions) -> ExportedFiles:
        if options.format == "tflite" and options.route == "onnx2tf":
            return via_onnx(self.export, loaded, out, options)
        if options.variant == "stream":
            from signa.export.streaming import export_stream

            return export_stream(loaded, out)
        ensemble = FingerspellingEnsemble(loaded.models)
        special = SpecialTokens.of(loaded.vocab)
        steps, size = ensemble.max_steps, loaded.vocab.size
        if ensemble.ctc and (options.kaggle or options.variant in ("stepwise", "loop")):
            raise SignaError(
                "a CTC-only model has no decoder loop: export it without --kaggle, stepwise or loop"
            )
        variant = "ctc" if ensemble.ctc else "unrolled"
        outputs = _outputs(steps, size, ensemble.ctc)
        if options.format == "tflite":
            if max(options.lengths) > ensemble.max_len:
                raise SignaError(
                    f"TFLite lengths must be at most the model's max_len {ensemble.max_len}", "--lengths"
                )
            graph = NamedOutputs(FingerspellingGraph(ensemble, special), OUTPUTS)
            convert_tflite(graph, out / "model.tflite", options.lengths)
            contract = fixed_contract(options.lengths)
            return ExportedFiles({"model": "model.tflite"}, contract, outputs, variant)
        if options.kaggle:
            return _export_kaggle(ensemble, loaded.vocab, out)
        from signa.export.onnx import export_onnx

        if options.variant == "unrolled":
            graph = FingerspellingGraph(ensemble, special)
            dynamic = {"landmarks": {0: "frames"}}
            export_onnx(graph, (example_landmarks(),), out / "model.onnx", ["landmarks"], OUTPUTS, dynamic)
            return ExportedFiles({"model": "model.onnx"}, InputContract(), outputs, variant)
        if options.variant == "loop":
            from signa.export.onnx_loop import export_loop

            write = lambda folder: _export_stepwise(ensemble, special, folder, size).files  # noqa: E731
            files = export_loop(write, out, options.precision, steps, special.eos)
            return ExportedFiles(files, InputContract(), _outputs("steps_run", size), "loop")
        return _export_stepwise(ensemble, special, out, size)


def _export_kaggle(ensemble: FingerspellingEnsemble, vocab: Vocabulary, out: Path) -> ExportedFiles:
    from signa.export.onnx import export_onnx

    special = SpecialTokens.of(vocab)
    steps, size = ensemble.max_steps, vocab.size
    gate = KaggleGate(vocab.encode(KAGGLE_GATE.dummy_text), special, steps, size, KAGGLE_GATE)
    graph = FingerspellingGraph(ensemble, special, kaggle=gate)
    columns = wide_columns(ensemble.selection.plain_positions)
    example = (torch.zeros(EXAMPLE_FRAMES, len(columns)),)
    export_onnx(graph, example, out / "model.onnx", ["inputs"], ["outputs"], {"inputs": {0: "frames"}})
    contract = InputContract(
        name="inputs", layout=metadata.KAGGLE_LAYOUT, shape=["frames", len(columns)], columns=columns
    )
    return ExportedFiles({"model": "model.onnx"}, contract, {"outputs": [steps, size]}, "kaggle")


def _export_stepwise(ensemble, special, out: Path, size: int) -> ExportedFiles:
    from signa.export.onnx import export_onnx

    example = example_landmarks()
    encoder = FingerspellingEncoderGraph(ensemble, special)
    with torch.no_grad():
        first = encoder(example)
    n_kv = (len(first) - 2) // 2
    cache_names = [f"self_{kind}{i}" for i in range(n_kv // 2) for kind in ("k", "v")]
    cross_names = [f"cross_{kind}{i}" for i in range(n_kv // 2) for kind in ("k", "v")]
    export_onnx(
        encoder,
        (example,),
        out / "encoder.onnx",
        ["landmarks"],
        ["logits", "confidence", *cache_names, *cross_names],
        {"landmarks": {0: "frames"}},
    )
    step = FingerspellingStepGraph(ensemble)
    token = torch.zeros(1, 1, dtype=torch.long)
    grown = [torch.cat([t, t], dim=2) for t in first[2 : 2 + n_kv]]  # an example cache of 2 positions
    dynamic = {name: {2: "cached"} for name in cache_names}
    dynamic.update({name: {2: "frames"} for name in cross_names})
    export_onnx(
        step,
        (token, (*grown, *first[2 + n_kv :])),
        out / "decoder_step.onnx",
        ["token", *cache_names, *cross_names],
        ["logits", *[f"new_{name}" for name in cache_names]],
        dynamic,
    )
    files = {"encoder": "encoder.onnx", "decoder_step": "decoder_step.onnx"}
    return ExportedFiles(files, InputContract(), {"logits": [1, size], "confidence": [1]}, "stepwise")


def _outputs(steps: int | str, size: int, ctc: bool = False) -> dict[str, list]:
    logits = ["frames", size + 1] if ctc else [steps, size]
    return {"logits": logits, "tokens": [steps], "confidence": [1]}
