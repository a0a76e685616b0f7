"""Speed of the cfg_2 fingerspelling model in PyTorch eager on this CPU, side by side in one run.

Usage:
    .venv/bin/python benchmarks/fingerspelling_model.py [--threads 2] [--train-batch 64] [--quick]
    make bench                          # with every other benchmark, results in benchmarks/results/

Inputs are SYNTHETIC (random landmarks, every frame real) and weights random: the figures measure
speed only. Latency: batch 1, medians, encoder alone and encoder + 33-step greedy decoding, at 128
and 384 frames, fp32 and bf16 autocast. Decoding: the key/value cache against re-running the
decoder over the whole prefix at every step (the reference's ``generate``). Training: samples per
second of a full step (forward of both decoders and the confidence head, the cfg_2 loss, backward,
clipping, AdamW) at 384 frames, fp32 against bf16 autocast. Also the encoder with its depthwise
convolution run as the reference ran it (``Conv1d``), side by side. Training uses cfg_2's batch of
64: a step takes ~0.24 GB of memory per sample at 384 frames (~15 GB for 64) and ~1.5 TFLOP, tens of
seconds on two cores; ``--train-batch 16`` halves the memory on a smaller machine.
Compare with ../shared/reference/ANCHORS.md (the reference code on the same kind of machine).
"""

from __future__ import annotations

import argparse
import dataclasses
import time

import torch
import torch.nn.functional as F
from timing import median_ms, precisions

from signa.data.vocab import Vocabulary
from signa.models import layers
from signa.models.decoding import SpecialTokens, greedy_decode
from signa.models.fingerspelling import Config, FingerspellingModel

VOCAB = Vocabulary.kaggle()
SPECIAL = SpecialTokens.of(VOCAB)


def autocast(precision: str):
    return torch.autocast("cpu", torch.bfloat16, enabled=precision == "bf16")


def rerun_decoder(model, enc, steps: int) -> torch.Tensor:
    """The reference's greedy loop: the decoder re-run over the whole prefix at every step."""
    tokens = torch.full((enc.shape[0], 1), SPECIAL.sos)
    for _ in range(steps):
        logits = model.decoder(tokens, enc, None)[:, -1]
        tokens = torch.cat([tokens, logits.argmax(-1, keepdim=True)], dim=1)
    return tokens[:, 1:]


def encoder_gflop(model, frames: int) -> float:
    """FLOPs of one encoder forward: matmuls and convolutions counted by PyTorch, plus attention
    (2·2·T²·D per layer), which the counter misses for the CPU flash kernel."""
    from torch.utils.flop_counter import FlopCounterMode

    counter = FlopCounterMode(display=False)
    with torch.no_grad(), counter:
        model.forward_encoder(torch.randn(1, frames, 130, 3))
    attention = 4 * frames**2 * model.config.dim * model.config.encoder.layers
    return round((counter.get_total_flops() + attention) / 1e9, 2)


def matmul_bound(model, repeats: int) -> dict:
    """The encoder (384 frames, fp32) against the time its FLOPs need at the measured rate of a
    model-shaped matmul (3072×208 @ 208×208), both in CPU time."""
    a, b = torch.randn(3072, 208), torch.randn(208, 208)
    batch = 20
    matmul_ms = median_ms(lambda: [a @ b for _ in range(batch)], repeats, 2, time.process_time)
    rate = 2 * 3072 * 208 * 208 * batch / (matmul_ms / 1000) / 1e9
    flops = encoder_gflop(model, 384)
    x = torch.randn(1, 384, 130, 3)
    with torch.no_grad():
        encoder_cpu_ms = median_ms(lambda: model.forward_encoder(x), repeats, clock=time.process_time)
    bound = flops / rate * 1000
    return {
        "matmul_gflops_per_cpu_s": round(rate, 1),
        "encoder_gflop": flops,
        "bound_cpu_ms": round(bound, 1),
        "encoder_cpu_ms": encoder_cpu_ms,
        "ratio": round(encoder_cpu_ms / bound, 2),
    }


def latency(model, repeats: int) -> dict:
    out = {}
    for frames in (128, 384):
        x = torch.randn(1, frames, 130, 3)
        for precision in precisions():
            with torch.no_grad(), autocast(precision):
                encoder = median_ms(lambda x=x: model.forward_encoder(x), repeats)
                full = median_ms(
                    lambda x=x: greedy_decode(
                        model.decoder, model.forward_encoder(x), None, SPECIAL, 33, True
                    ),
                    repeats,
                )
            out[f"{frames}_{precision}"] = {"encoder_ms": encoder, "encoder_greedy33_ms": full}
    return out


def conv1d_depthwise(x: torch.Tensor, conv: torch.nn.Conv1d) -> torch.Tensor:
    """The depthwise convolution as the reference ran it: ``Conv1d`` on a (B, D, T) tensor."""
    return conv(x.transpose(1, 2)).transpose(1, 2)


def depthwise_side_by_side(model, repeats: int) -> dict:
    """Encoder at 384 frames with SIGNA's channels-last depthwise kernel and with ``Conv1d``."""
    x = torch.randn(1, 384, 130, 3)
    with torch.no_grad():
        ours = median_ms(lambda: model.forward_encoder(x), repeats)
        original, layers.depthwise_conv = layers.depthwise_conv, conv1d_depthwise
        try:
            conv1d = median_ms(lambda: model.forward_encoder(x), repeats)
        finally:
            layers.depthwise_conv = original
    return {"channels_last_conv2d_ms": ours, "conv1d_ms": conv1d, "speedup": round(conv1d / ours, 2)}


def decoding(model, repeats: int) -> dict:
    enc = torch.randn(1, 384, model.config.dim)
    with torch.no_grad():
        cached = median_ms(lambda: greedy_decode(model.decoder, enc, None, SPECIAL, 33, True), repeats)
        rerun = median_ms(lambda: rerun_decoder(model, enc, 33), repeats)
    return {"kv_cache_ms": cached, "rerun_prefix_ms": rerun, "speedup": round(rerun / cached, 2)}


def train_step(model, optimizer, batch, precision: str) -> None:
    x, mask, targets, inputs, confidence = batch
    with autocast(precision):
        out = model(x, mask, inputs, inputs)
        forward = F.cross_entropy(out.logits.float().flatten(0, 1), targets.flatten())
        backward = F.cross_entropy(out.backward_logits.float().flatten(0, 1), targets.flatten())
        aux = F.binary_cross_entropy_with_logits(out.confidence.float(), confidence)
        loss = 0.98 * (0.6 * forward + 0.4 * backward) + 0.02 * aux
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 4.0)
    optimizer.step()


def training(batch_size: int, steps: int) -> dict:
    torch.manual_seed(0)
    x = torch.randn(batch_size, 384, 130, 3)
    mask = torch.ones(batch_size, 384, dtype=torch.bool)
    targets = torch.randint(0, VOCAB.size, (batch_size, 33))
    batch = (x, mask, targets, targets, torch.rand(batch_size))
    out = {"batch": batch_size, "frames": 384}
    for precision in precisions():
        model = FingerspellingModel(Config()).train()
        optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
        seconds = (
            median_ms(lambda m=model, o=optimizer, p=precision: train_step(m, o, batch, p), steps) / 1000
        )
        out[f"{precision}_samples_per_s"] = round(batch_size / seconds, 2)
    return out


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--train-batch", type=int, default=64)
    parser.add_argument("--quick", action="store_true", help="fewer repeats, batch-2 training")
    args = parser.parse_args(argv or [])
    torch.set_num_threads(args.threads)
    repeats = 3 if args.quick else 9
    model = FingerspellingModel(dataclasses.replace(Config(), backward_decoder=False)).eval()
    result = {
        "inputs": "synthetic random landmarks, every frame real; random weights",
        "threads": args.threads,
        "latency_batch1": latency(model, repeats),
        "matmul_bound_384_fp32": matmul_bound(model, repeats),
        "decoding_384": decoding(model, repeats),
        "depthwise_384_fp32": depthwise_side_by_side(model, repeats),
        "training": training(2 if args.quick else args.train_batch, 2 if args.quick else 3),
    }
    report(result)
    return result


def report(result: dict) -> None:
    print(f"cfg_2, {result['threads']} threads, {result['inputs']}")
    print("batch 1, ms        encoder   encoder + greedy (33 steps)")
    for key, row in result["latency_batch1"].items():
        print(f"  {key:<16} {row['encoder_ms']:>7}   {row['encoder_greedy33_ms']:>7}")
    dec = result["decoding_384"]
    print(
        f"33-step decode at 384 frames: KV cache {dec['kv_cache_ms']} ms, re-running the prefix "
        f"{dec['rerun_prefix_ms']} ms ({dec['speedup']}x)"
    )
    bound = result["matmul_bound_384_fp32"]
    print(
        f"encoder at 384 frames, CPU time: {bound['encoder_cpu_ms']} ms = {bound['ratio']}x the "
        f"{bound['bound_cpu_ms']} ms its {bound['encoder_gflop']} GFLOP need at the measured matmul rate "
        f"({bound['matmul_gflops_per_cpu_s']} GFLOP per CPU-second); the reference: 103 ms for 7.45 "
        "GFLOP at 222 GFLOP/s = 3.1x (ANCHORS.md)"
    )
    conv = result["depthwise_384_fp32"]
    print(
        f"encoder at 384 frames, depthwise conv as channels-last conv2d "
        f"{conv['channels_last_conv2d_ms']} ms, "
        f"as Conv1d (reference) {conv['conv1d_ms']} ms ({conv['speedup']}x)"
    )
    train = result["training"]
    bf16 = train.get("bf16_samples_per_s", "skipped (no native bf16)")
    print(
        f"training, batch {train['batch']} × 384 frames: fp32 {train['fp32_samples_per_s']} samples/s, "
        f"bf16 autocast {bf16} samples/s"
    )


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
