"""``signa export``: a checkpoint (or an ensemble) to ONNX or TFLite."""

from __future__ import annotations

from pathlib import Path

import typer

from signa.cli.apps import NAMED, app
from signa.errors import SignaError


@app.command("export")
def export_command(
    checkpoint: Path = typer.Argument(..., help="Run folder, checkpoint folder" + NAMED + " to export."),
    out: Path = typer.Option(..., "--out", help="Folder for the model file(s) and export.json."),
    format: str = typer.Option("onnx", "--format", help="onnx, or tflite (needs the tflite extra)."),
    fp16: bool = typer.Option(False, "--fp16", help="Store the weights as float16 (half the size)."),
    precision: str | None = typer.Option(None, "--precision", help="fp32, fp16 or int8 weights."),
    ensemble: list[Path] = typer.Option([], "--ensemble", help="More checkpoints averaged into one graph."),
    kaggle: bool = typer.Option(False, "--kaggle", help="Kaggle contract: input (frames, 390), outputs."),
    variant: str = typer.Option(
        "unrolled",
        "--variant",
        help="Fingerspelling: unrolled, stepwise, loop, or stream (a causal encoder's step).",
    ),
    lengths: str = typer.Option("128,256,384", "--lengths", help="TFLite signature frame counts."),
    route: str | None = typer.Option(
        None,
        "--route",
        help="TFLite: litert (fixed lengths, the default) or onnx2tf (variable length, needs `make "
        "onnx2tf-env`; the default with --kaggle).",
    ),
) -> None:
    """Export a model (or an ensemble) with its preprocessing inside the graph, plus export.json."""
    from signa.export import ExportOptions, export_checkpoints

    try:
        frame_counts = tuple(int(n) for n in lengths.split(","))
    except ValueError:
        raise SignaError(f"must be comma-separated frame counts, got {lengths!r}", "--lengths") from None
    route = route or ("onnx2tf" if kaggle and format == "tflite" else "litert")
    options = ExportOptions(
        format, precision or ("fp16" if fp16 else "fp32"), variant, kaggle, frame_counts, route
    )
    info = export_checkpoints([checkpoint, *ensemble], out, options)
    typer.echo(f"{info.parent}: {format} {options.precision}, described in {info.name}")
