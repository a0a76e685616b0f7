"""``signa export``: checkpoints -> an export folder (model file(s) + ``export.json``).

    signa export runs/fs/checkpoint --format onnx --out exported/fs
    signa export runs/fs/checkpoint --ensemble runs/fs-seed2/checkpoint --fp16 --out exported/fs2
    signa export runs/fs/checkpoint --format onnx --kaggle --out exported/fs-kaggle
    signa export runs/signs/checkpoint --format tflite --precision int8 --out exported/signs

One folder holds one precision. Fingerspelling ONNX comes as the single graph with the greedy loop
unrolled (``--variant unrolled``, the default), as an encoder graph plus a one-step decoder graph
(``--variant stepwise``), or as one graph whose greedy loop is an ONNX ``Loop`` stopping at EOS
(``--variant loop``, :mod:`signa.export.onnx_loop`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import torch
from torch import nn

from signa.data.layout import N_LANDMARKS, SIGNS_100, wide_columns
from signa.data.vocab import LabelMap, Vocabulary
from signa.errors import SignaError
from signa.export import graphs, metadata
from signa.export.metadata import ExportInfo, InputContract
from signa.models.checkpoint import WEIGHTS_FILE, checkpoint_folder, load_model
from signa.models.decoding import DecodingOptions, SpecialTokens

PRECISIONS = ("fp32", "fp16", "int8")
VARIANTS = ("unrolled", "stepwise", "loop")
EXAMPLE_FRAMES = 48
KAGGLE_GATE = DecodingOptions(gate="kaggle")  # the gate a --kaggle graph applies inside itself


@dataclass(frozen=True)
class ExportOptions:
    """``precision``: fp32, fp16 or int8 weights (ONNX: dynamic int8 matmuls). ``kaggle``: the Kaggle
    fingerspelling contract (input ``inputs`` (frames, 390), output ``outputs`` (steps, V)).
    ``lengths``: the TFLite signatures' frame counts. ``route`` (TFLite): ``litert`` (litert-torch,
    fixed-length signatures) or ``onnx2tf`` (the ONNX graph converted in a separate TensorFlow
    environment: one variable-length ``serving_default`` signature; the Kaggle contract needs it)."""

    format: str = "onnx"
    precision: str = "fp32"
    variant: str = "unrolled"
    kaggle: bool = False
    lengths: tuple[int, ...] = (128, 256, 384)
    route: str = "litert"


@dataclass
class LoadedModels:
    task: str
    models: list[nn.Module]
    configs: list[dict]
    folders: list[Path]
    vocab: Vocabulary | None
    labels: LabelMap | None


def task_of(config: dict) -> str:
    task = config.get("task") or {"fingerspelling": "fingerspelling", "islr6": "signs"}.get(config["arch"])
    if task not in metadata.TASKS:
        raise SignaError(
            f"cannot tell the task of architecture {config['arch']!r}; set 'task' in config.json"
        )
    return task


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
    vocab = labels = None
    if task == "fingerspelling":
        vocab = _shared(configs, folders, "vocab", Vocabulary.from_mapping, Vocabulary.kaggle)
        for model, folder in zip(models, folders, strict=True):
            model.check_vocabulary(vocab, folder)
    else:
        labels = _shared(configs, folders, "labels", LabelMap.from_mapping, None)
        for model, folder in zip(models, folders, strict=True):
            if model.config.n_classes != len(labels):
                raise SignaError(
                    f"label map has {len(labels)} signs, model has {model.config.n_classes} classes", folder
                )
    return LoadedModels(task, models, configs, folders, vocab, labels)


def _shared(configs, folders, key, parse, default):
    """The one vocabulary or label map of an ensemble (all members must agree)."""
    mappings = [c.get(key) for c in configs]
    if any(m != mappings[0] for m in mappings):
        raise SignaError(f"ensemble members have different '{key}'", folders[-1])
    if mappings[0] is None:
        if default is None:
            raise SignaError(f"checkpoint config has no '{key}'", folders[0] / "config.json")
        return default()
    return parse(mappings[0], folders[0] / "config.json")


def export_checkpoints(
    checkpoints: Sequence[str | Path], out: str | Path, options: ExportOptions = ExportOptions()
) -> Path:
    """Export one checkpoint, or several as one ensemble, to folder ``out``; returns export.json."""
    _check_options(options)
    loaded = load_models(checkpoints)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    if loaded.task == "fingerspelling":
        files, contract, outputs, variant = _export_fingerspelling(loaded, out, options)
    else:
        if options.kaggle:
            raise SignaError(
                "--kaggle is the fingerspelling contract; an isolated-sign model reads (frames, 543, 3)"
            )
        files, contract, outputs, variant = _export_signs(loaded, out, options)
    files = rewrite_precision(files, out, options)
    info = ExportInfo(
        format=options.format,
        task=loaded.task,
        precision=options.precision,
        files=files,
        variant=variant,
        input=contract,
        outputs=outputs,
        selection=_selection_name(loaded),
        signa_version=_version(),
        vocab=None if loaded.vocab is None else loaded.vocab.to_mapping(),
        labels=None if loaded.labels is None else loaded.labels.to_mapping(),
        decoding=None if loaded.vocab is None else _decoding(loaded, options),
        models=[_describe(c, f) for c, f in zip(loaded.configs, loaded.folders, strict=True)],
        route=options.route if options.format == "tflite" else None,
    )
    return metadata.write_export_info(out, info)


def _check_options(options: ExportOptions) -> None:
    if options.format not in metadata.FORMATS:
        raise SignaError(f"unknown export format {options.format!r} (known: {', '.join(metadata.FORMATS)})")
    if options.precision not in PRECISIONS:
        raise SignaError(f"unknown precision {options.precision!r} (known: {', '.join(PRECISIONS)})")
    if options.variant not in VARIANTS:
        raise SignaError(f"unknown variant {options.variant!r} (known: {', '.join(VARIANTS)})")
    if options.format == "tflite":
        if options.route not in metadata.ROUTES:
            raise SignaError(f"unknown TFLite route {options.route!r} (known: {', '.join(metadata.ROUTES)})")
        if options.variant != "unrolled":
            raise SignaError("TFLite files hold the unrolled graph only")
        if options.route == "onnx2tf":
            _check_onnx2tf(options)
            return
        from signa.export.tflite import require_tflite

        require_tflite("litert_torch")
        if options.kaggle:
            raise SignaError(
                "the Kaggle contract needs a variable-length TFLite file; litert-torch writes fixed "
                "lengths only: use --route onnx2tf"
            )
        if not options.lengths or min(options.lengths) < 1:
            raise SignaError("TFLite lengths must be positive frame counts")


def _check_onnx2tf(options: ExportOptions) -> None:
    """The onnx2tf route needs the ONNX exporter here and the TensorFlow interpreter beside it."""
    import importlib.util

    from signa.export.onnx2tf import find_python

    if importlib.util.find_spec("onnx") is None:
        raise SignaError("the onnx2tf route exports ONNX first: install signa-sl[onnx]")
    if options.precision == "int8":
        raise SignaError("the onnx2tf route writes fp32 or fp16 weights (int8: use --route litert)")
    find_python()


def _export_fingerspelling(loaded: LoadedModels, out: Path, options: ExportOptions):
    if options.format == "tflite" and options.route == "onnx2tf":
        return _via_onnx(_export_fingerspelling, loaded, out, options)
    ensemble = graphs.FingerspellingEnsemble(loaded.models)
    special = SpecialTokens.of(loaded.vocab)
    steps, size = ensemble.max_steps, loaded.vocab.size
    if options.format == "tflite":
        if max(options.lengths) > ensemble.max_len:
            raise SignaError(f"TFLite lengths must be at most the model's max_len {ensemble.max_len}")
        graph = graphs.NamedOutputs(graphs.FingerspellingGraph(ensemble, special), graphs.FS_OUTPUTS)
        _convert_tflite(graph, out / "model.tflite", options.lengths)
        contract = _fixed_contract(options.lengths)
        return {"model": "model.tflite"}, contract, _fs_outputs(steps, size), "unrolled"
    example = torch.zeros(EXAMPLE_FRAMES, N_LANDMARKS, 3)
    if options.kaggle:
        gate = graphs.KaggleGate(
            loaded.vocab.encode(KAGGLE_GATE.dummy_text), special, steps, size, KAGGLE_GATE
        )
        graph = graphs.FingerspellingGraph(ensemble, special, kaggle=gate)
        columns = wide_columns(ensemble.selection.plain_positions)
        from signa.export.onnx import export_onnx

        export_onnx(
            graph,
            (torch.zeros(EXAMPLE_FRAMES, len(columns)),),
            out / "model.onnx",
            ["inputs"],
            ["outputs"],
            {"inputs": {0: "frames"}},
        )
        contract = InputContract(
            name="inputs", layout=metadata.KAGGLE_LAYOUT, shape=["frames", len(columns)], columns=columns
        )
        return {"model": "model.onnx"}, contract, {"outputs": [steps, size]}, "kaggle"
    from signa.export.onnx import export_onnx

    if options.variant == "unrolled":
        graph = graphs.FingerspellingGraph(ensemble, special)
        export_onnx(
            graph,
            (example,),
            out / "model.onnx",
            ["landmarks"],
            graphs.FS_OUTPUTS,
            {"landmarks": {0: "frames"}},
        )
        return {"model": "model.onnx"}, InputContract(), _fs_outputs(steps, size), "unrolled"
    if options.variant == "loop":
        from signa.export.onnx_loop import export_loop

        files = export_loop(
            lambda folder: _export_stepwise(ensemble, special, example, folder, steps, size)[0],
            out,
            options.precision,
            steps,
            special.eos,
        )
        return files, InputContract(), _fs_outputs("steps_run", size), "loop"
    return _export_stepwise(ensemble, special, example, out, steps, size)


def _export_stepwise(ensemble, special, example, out: Path, steps: int, size: int):
    from signa.export.onnx import export_onnx

    encoder = graphs.FingerspellingEncoderGraph(ensemble, special)
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
    step = graphs.FingerspellingStepGraph(ensemble)
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
    outputs = {"logits": [1, size], "confidence": [1]}
    return (
        {"encoder": "encoder.onnx", "decoder_step": "decoder_step.onnx"},
        InputContract(),
        outputs,
        "stepwise",
    )


def _export_signs(loaded: LoadedModels, out: Path, options: ExportOptions):
    if options.format == "tflite" and options.route == "onnx2tf":
        return _via_onnx(_export_signs, loaded, out, options)
    graph = graphs.SignsGraph(loaded.models)
    outputs = {"probabilities": [len(loaded.labels)]}
    if options.format == "tflite":
        _convert_tflite(graphs.NamedOutputs(graph, list(outputs)), out / "model.tflite", options.lengths)
        return {"model": "model.tflite"}, _fixed_contract(options.lengths), outputs, "classifier"
    from signa.export.onnx import export_onnx

    example = torch.zeros(EXAMPLE_FRAMES, N_LANDMARKS, 3)
    export_onnx(
        graph, (example,), out / "model.onnx", ["landmarks"], ["probabilities"], {"landmarks": {0: "frames"}}
    )
    return {"model": "model.onnx"}, InputContract(), outputs, "classifier"


def _convert_tflite(graph: nn.Module, path: Path, lengths: Sequence[int]) -> None:
    from signa.export.tflite import convert

    sample = {
        "landmarks": torch.zeros(max(lengths), N_LANDMARKS, 3),
        "frames": torch.ones(1, dtype=torch.int32),
    }
    convert(graph, sample, sorted(set(lengths)), path, {"landmarks": 0})


def _via_onnx(export, loaded: LoadedModels, out: Path, options: ExportOptions):
    """TFLite through ONNX: the ONNX export of the same options, converted to one variable-length file
    (the ONNX contract holds: dynamic frames, no ``lengths``). fp16 weights come from the converter."""
    import tempfile

    from signa.export.onnx2tf import convert_onnx

    name = "model.tflite" if options.precision == "fp32" else f"model.{options.precision}.tflite"
    with tempfile.TemporaryDirectory(prefix="signa-onnx-") as tmp:
        onnx_options = replace(options, format="onnx", precision="fp32")
        files, contract, outputs, variant = export(loaded, Path(tmp), onnx_options)
        convert_onnx(Path(tmp) / files["model"], out / name, fp16=options.precision == "fp16")
    return {"model": name}, contract, outputs, variant


def _fixed_contract(lengths: Sequence[int]) -> InputContract:
    return InputContract(shape=["length", N_LANDMARKS, 3], lengths=sorted(set(lengths)))


def _fs_outputs(steps: int | str, size: int) -> dict[str, list]:
    return {"logits": [steps, size], "tokens": [steps], "confidence": [1]}


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


def _selection_name(loaded: LoadedModels) -> str:
    if loaded.task == "fingerspelling":
        return loaded.models[0].config.selection
    return SIGNS_100.name


def _decoding(loaded: LoadedModels, options: ExportOptions) -> dict:
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


def _describe(config: dict, folder: Path) -> dict:
    digest = hashlib.sha256((folder / WEIGHTS_FILE).read_bytes()).hexdigest()
    return {"arch": config["arch"], "checkpoint": str(folder), "weights_sha256": digest}


def _version() -> str:
    from signa import __version__

    return __version__
