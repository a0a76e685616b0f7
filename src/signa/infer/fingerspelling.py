"""Fingerspelling inference: tokens and the confidence logit -> text, through the confidence gate.

The unrolled graph gives ``logits``, ``tokens`` and ``confidence``; a Kaggle-contract graph gives
``outputs`` (its gate applied inside); the stepwise pair is driven here, one decoder-step call per
token until EOS.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from signa.data.vocab import Vocabulary
from signa.errors import SignaError
from signa.export.metadata import ExportInfo
from signa.infer.outputs import Description, Prediction, RawOutput
from signa.infer.tasks import InferTask, register_infer_task
from signa.models.gate import ConfidenceGate


@register_infer_task("fingerspelling")
class FingerspellingInference(InferTask):
    unsuited_formats = {"letters": "single-frame letter handshapes, not fingerspelled phrases"}

    def mappings(self, info: ExportInfo, source: Path):
        if not (info.vocab and info.decoding):
            raise SignaError("a fingerspelling export needs 'vocab' and 'decoding'", source)
        return Vocabulary.from_mapping(info.vocab, source), None

    def raw_output(self, outputs: dict[str, np.ndarray], variant: str) -> RawOutput:
        if variant == "kaggle":
            scores = outputs["outputs"]
            return RawOutput(tokens=scores.argmax(-1), logits=scores)
        confidence = float(outputs["confidence"][0])
        return RawOutput(outputs["tokens"], confidence, logits=outputs["logits"])

    def run_onnx(self, sessions: dict, info: ExportInfo, data: np.ndarray) -> RawOutput:
        if info.variant == "stepwise":
            return run_stepwise(sessions, info.decoding, data)
        raw = super().run_onnx(sessions, info, data)
        if info.variant == "loop":  # stopped at EOS: tokens padded as the unrolled graph pads them
            pad = (0, info.decoding["steps"] - len(raw.tokens))
            raw = replace(raw, tokens=np.pad(raw.tokens, pad, constant_values=info.decoding["pad_id"]))
        return raw

    def decode(
        self, raw: RawOutput, description: Description, gate: ConfidenceGate, ms: float, frames: int
    ) -> Prediction:
        logit = raw.confidence_logit
        probability = None if logit is None or np.isnan(logit) else float(sigmoid(logit))
        low = bool(gate.is_low(frames, probability))
        text = gate.text(description.vocab.decode(raw.tokens), low)
        tokens = tuple(int(t) for t in raw.tokens)
        return Prediction(text, None, probability, ms, frames, low, tokens)


def sigmoid(logit: float) -> np.float32:
    """The float32 sigmoid of a confidence logit, as the models compute it."""
    return np.float32(1) / (np.float32(1) + np.exp(-np.float32(logit)))


def run_stepwise(sessions: dict, decoding: dict, data: np.ndarray) -> RawOutput:
    """The runtime loop: one decoder-step call per token, stopping at EOS."""
    logits, confidence, *tensors = sessions["encoder"].run(None, {"landmarks": data})
    step = sessions["decoder_step"]
    names = [i.name for i in step.get_inputs()]
    half = len(tensors) // 2
    cache, cross = tensors[:half], tensors[half:]
    tokens, all_logits = [], []
    for _ in range(decoding["steps"]):
        token = int(logits[0].argmax())
        tokens.append(token)
        all_logits.append(logits[0])
        if token == decoding["eos_id"] or len(tokens) == decoding["steps"]:
            break
        feed = dict(zip(names, [np.array([[token]], dtype=np.int64), *cache, *cross], strict=True))
        logits, *cache = step.run(None, feed)
    tokens += [decoding["pad_id"]] * (decoding["steps"] - len(tokens))
    return RawOutput(np.array(tokens), float(confidence[0]), logits=np.stack(all_logits))
