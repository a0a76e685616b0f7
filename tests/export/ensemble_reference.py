"""The PyTorch reference of a two-model ensemble, computed without the export wrappers."""

from __future__ import annotations

import torch

from signa.data.preprocess import preprocess
from signa.data.vocab import Vocabulary
from signa.infer.runtime import RawOutput
from signa.models.checkpoint import load_model
from tiny_models import save_fingerspelling


def save_second_seed(folder):
    return save_fingerspelling(folder, seed=1)


@torch.no_grad()
def ensemble_reference(checkpoints, landmarks) -> RawOutput:
    """Greedy decoding on the mean of the models' logits, written out step by step, no cache."""
    models = [load_model(c)[0] for c in checkpoints]
    vocab = Vocabulary.kaggle()
    x, _ = preprocess(torch.from_numpy(landmarks)[None], max_len=models[0].config.max_len, pad=False)
    encs = [m.forward_encoder(x, None) for m in models]
    confidence = torch.stack([m.forward_confidence(e) for m, e in zip(models, encs, strict=True)]).mean()
    tokens = [vocab.sos_id]
    steps, done, out = [], False, []
    for _ in range(models[0].config.max_phrase):
        inputs = torch.tensor([tokens])
        logits = torch.stack([m.forward_decoder(inputs, e)[0, -1] for m, e in zip(models, encs, strict=True)])
        step = logits.mean(0)
        steps.append(step)
        token = vocab.pad_id if done else int(step.argmax())
        done = done or token == vocab.eos_id
        out.append(token)
        tokens.append(token)  # after EOS the decoder is fed PAD, as greedy_decode does
    return RawOutput(torch.tensor(out).numpy(), float(confidence), logits=torch.stack(steps).numpy())
