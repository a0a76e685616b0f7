"""``signa export``: checkpoints -> an export folder (model file(s) + ``export.json``).

    signa export runs/fs/checkpoint --format onnx --out exported/fs
    signa export runs/fs/checkpoint --ensemble runs/fs-seed2/checkpoint --fp16 --out exported/fs2
    signa export runs/fs/checkpoint --format onnx --kaggle --out exported/fs-kaggle
    signa export runs/signs/checkpoint --format tflite --precision int8 --out exported/signs

The task of the checkpoints (:mod:`signa.export.tasks`) writes the model file(s); this module checks
the options, loads the ensemble, rewrites the precision and writes ``export.json``. One folder holds
one precision. Fingerspelling ONNX comes as the single graph with the greedy loop
unrolled (``--variant unrolled``, the default), as an encoder graph plus a one-step decoder graph
(``--variant stepwise``), or as one graph whose greedy loop is an ONNX ``Loop`` stopping at EOS
(``--variant loop``, :mod:`signa.export.onnx_loop`). ``--variant stream`` writes the chunk-by-chunk
step of a causal encoder instead (:mod:`signa.export.streaming`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

from signa.errors import SignaError
from signa.export import metadata
from signa.export.metadata import ExportInfo
from signa.export.options import PRECISIONS, VARIANTS, ExportOptions
from signa.export.runtimes import require_tflite
from signa.export.tasks import LoadedModels, export_task, task_of
from signa.files import output_folder
from signa.models.checkpoint import WEIGHTS_FILE, checkpoint_folder, load_model
from signa.version import __version__


def load_models(checkpoints: Sequence[str | Path]) -> LoadedModels:
    """Load every checkpoint (an ensemble when several) and check that they fit together."""
    models, configs, folders = [], [], []
    for path in checkpoints:
        model, config = load_model(path)
        models.append(model)
        configs.append(config)
        folders.append(checkpoint_folder(path))
    tasks = {task_of(c) for c in configs}
    if len(tasks) > 1:
        raise SignaError(f"an ensemble must be of one task, got {sorted(tasks)}", folders[-1])
    task = tasks.pop()
    vocab, labels = export_task(task).shared_mappings(models, configs, folders)
    return LoadedModels(task, models, configs, folders, vocab, labels)


def export_checkpoints(
    checkpoints: Sequence[str | Path], out: str | Path, options: ExportOptions = ExportOptions()
) -> Path:
    """Export one checkpoint, or several as one ensemble, to folder ``out``; returns export.json."""
    _check_options(options)
    loaded = load_models(checkpoints)
    with output_folder(out) as folder:
        return _export(loaded, folder, options)


def _export(loaded: LoadedModels, out: Path, options: ExportOptions) -> Path:
    task = export_task(loaded.task)
    written = task.export(loaded, out, options)
    files = rewrite_precision(written.files, out, options)
    info = ExportInfo(
        format=options.format,
        task=loaded.task,
        precision=options.precision,
        files=files,
        variant=written.variant,
        input=written.contract,
        outputs=written.outputs,
        selection=task.selection(loaded),
        signa_version=__version__,
        vocab=None if loaded.vocab is None else loaded.vocab.to_mapping(),
        labels=None if loaded.labels is None else loaded.labels.to_mapping(),
        decoding=task.decoding(loaded, options),
        models=[_describe(c, f) for c, f in zip(loaded.configs, loaded.folders, strict=True)],
        route=options.route if options.format == "tflite" else None,
    )
    return metadata.write_export_info(out, info)


def _check_options(options: ExportOptions) -> None:
    if options.format not in metadata.FORMATS:
        raise SignaError(
            f"unknown export format {options.format!r} (known: {', '.join(metadata.FORMATS)})", "--format"
        )
    if options.precision not in PRECISIONS:
        raise SignaError(
            f"unknown precision {options.precision!r} (known: {', '.join(PRECISIONS)})", "--precision"
        )
    if options.variant not in VARIANTS:
        raise SignaError(f"unknown variant {options.variant!r} (known: {', '.join(VARIANTS)})", "--variant")
    if options.format == "tflite":
        if options.route not in metadata.ROUTES:
            known = ", ".join(metadata.ROUTES)
            raise SignaError(f"unknown TFLite route {options.route!r} (known: {known})", "--route")
        if options.variant != "unrolled":
            raise SignaError(f"{options.variant!r}: TFLite files hold the unrolled graph only", "--variant")
        if options.route == "onnx2tf":
            _check_onnx2tf(options)
            return
        if not options.lengths or min(options.lengths) < 1:
            raise SignaError("TFLite lengths must be positive frame counts", "--lengths")
        require_tflite("litert_torch")
        if options.kaggle:
            raise SignaError(
                "the Kaggle contract needs a variable-length TFLite file; litert-torch writes fixed "
                "lengths only: use --route onnx2tf",
                "--kaggle",
            )


def _check_onnx2tf(options: ExportOptions) -> None:
    """The onnx2tf route needs the ONNX exporter here and the TensorFlow interpreter beside it."""
    import importlib.util

    from signa.export.onnx2tf import find_python

    if importlib.util.find_spec("onnx") is None:
        raise SignaError("the onnx2tf route exports ONNX first: install signa-sl[onnx]")
    if options.precision == "int8":
        raise SignaError(
            "the onnx2tf route writes fp32 or fp16 weights (int8: use --route litert)", "--precision"
        )
    find_python()


def rewrite_precision(files: dict[str, str], out: Path, options: ExportOptions) -> dict[str, str]:
    """Rewrite the written files at the requested weight precision (fp32 files stay as they are;
    the loop variant is composed at its precision)."""
    if options.precision == "fp32" or options.variant == "loop":
        return files
    if options.format == "onnx":
        from signa.export.onnx import compress_fp16, quantize_int8

        for name in files.values():
            (compress_fp16 if options.precision == "fp16" else quantize_int8)(out / name)
        return files
    if options.route == "onnx2tf":  # the converter wrote the requested precision
        return files
    from signa.export.tflite import quantize

    quantized = {}
    for key, name in files.items():
        target = out / name.replace(".tflite", f".{options.precision}.tflite")
        quantize(out / name, options.precision, target)
        (out / name).unlink()
        quantized[key] = target.name
    return quantized


def _describe(config: dict, folder: Path) -> dict:
    digest = hashlib.sha256((folder / WEIGHTS_FILE).read_bytes()).hexdigest()
    return {"arch": config["arch"], "checkpoint": str(folder), "weights_sha256": digest}
