"""Accuracy change of each precision and runtime, on a TRAINED model and its labelled data.

Usage:
    .venv/bin/python benchmarks/precision.py --model RUN --data DATASET [--limit N] [--no-tflite]

DATASET is a folder with a Kaggle-style ``train.csv`` (``phrase`` or ``sign`` column), e.g. a
composed fingerspelling set (``signa data compose``, scripts/composed_experiment.py) or
../shared/data/asl-signs. The checkpoint is exported to ONNX fp32 / fp16 / int8 and (unless
``--no-tflite``) TFLite fp16 / int8 at the model's maximum length; every form then recognises
the same sequences, gate off. Reported per form: the competition metric (normalised total
Levenshtein, or accuracy) and the share of sequences whose answer is identical to PyTorch fp32
(latency is measured by benchmarks/export.py on an idle machine, not here). Results are merged
into benchmarks/results/precision.json under the task.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import numpy as np

from signa.data.readers import iter_dataset_sequences, read_csv_table
from signa.export import ExportOptions, export_checkpoints
from signa.files import write_json_atomic
from signa.infer import Recognizer
from signa.metrics import accuracy, normalized_total_levenshtein

RESULTS = Path(__file__).parent / "results" / "precision.json"


def labelled_sequences(data: Path, limit: int | None):
    """(landmarks, label) pairs in train.csv order; the label is the phrase or the sign."""
    rows = read_csv_table(data / "train.csv", ("path", "sequence_id"))
    column = "phrase" if "phrase" in rows[0] else "sign"
    labels = {str(row["sequence_id"]): row[column] for row in rows}
    pairs = []
    for sequence in iter_dataset_sequences(data / "train.csv"):
        pairs.append((sequence.landmarks, labels[str(sequence.sequence_id)]))
        if limit and len(pairs) == limit:
            break
    return pairs


def answers(recognizer: Recognizer, pairs) -> list[str]:
    predictions = [recognizer.predict(landmarks) for landmarks, _ in pairs]
    return [p.text if p.sign is None else p.sign for p in predictions]


def exported_forms(model: Path, folder: Path, tflite: bool, max_len: int) -> dict[str, Path]:
    forms = {}
    for precision in ("fp32", "fp16", "int8"):
        forms[f"onnx_{precision}"] = folder / f"onnx_{precision}"
        export_checkpoints([model], forms[f"onnx_{precision}"], ExportOptions(precision=precision))
    if tflite:
        for precision in ("fp16", "int8"):
            options = ExportOptions(format="tflite", precision=precision, lengths=(max_len,))
            forms[f"tflite_{precision}"] = folder / f"tflite_{precision}"
            export_checkpoints([model], forms[f"tflite_{precision}"], options)
    return forms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--no-tflite", action="store_true")
    args = parser.parse_args()

    pairs = labelled_sequences(args.data, args.limit)
    labels = [label for _, label in pairs]
    reference = Recognizer(args.model, gate=None)
    task = reference.task
    score = normalized_total_levenshtein if task == "fingerspelling" else accuracy
    max_len = reference.backend.graph.ensemble.max_len if task == "fingerspelling" else 64
    bf16 = Recognizer(args.model, gate=None, precision="bf16")
    recognizers = {"pytorch_fp32": reference, "pytorch_bf16": bf16}
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, folder in exported_forms(args.model, Path(tmp), not args.no_tflite, max_len).items():
            recognizers[name] = Recognizer(folder, gate=None, threads=args.threads)
        fp32 = answers(reference, pairs)
        for name, recognizer in recognizers.items():
            predicted = answers(recognizer, pairs)
            same = np.mean([a == b for a, b in zip(predicted, fp32, strict=True)])
            results[name] = {
                "score": round(score(labels, predicted), 4),
                "same_as_fp32": round(float(same), 4),
            }
            print(
                f"{name:14s} score {results[name]['score']:.4f}  same answer as fp32 {same:.3f}", flush=True
            )
    record = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    record[task] = {
        "model": str(args.model),
        "data": str(args.data),
        "sequences": len(pairs),
        "metric": "normalized_total_levenshtein" if task == "fingerspelling" else "accuracy",
        "gate": "off",
        "forms": results,
    }
    write_json_atomic(RESULTS, record)


if __name__ == "__main__":
    main()
