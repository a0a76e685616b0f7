"""The ``signa`` command line: thin wrappers over the library.

Every user-fixable problem surfaces as a :class:`signa.SignaError` and is printed as one line,
``error: <file>: <problem>``, with exit code 2; so is an operating-system failure (read-only
folder, full disk, a file where a folder should be), with the path and its cause.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import NoReturn

import typer

from signa.errors import SignaError

app = typer.Typer(
    name="signa",
    help="SIGNA: sign language to text from MediaPipe Holistic landmarks.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
LAYOUT_HELP = (
    "Order of the values in .npy keypoint vectors: blocks such as pose25v,left_hand,right_hand, "
    "a YAML file, or mp-data (the default, 1662 values)."
)
# click's UsageError (bad option or argument), the base of typer.BadParameter; typer may vendor click
USAGE_ERROR = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "UsageError")
data_app = typer.Typer(help="Read, inspect, prepare and compose landmark data.", no_args_is_help=True)
app.add_typer(data_app, name="data")
THREADS_HELP = (
    "CPU threads (default: PyTorch one per million parameters, at most the cores available;"
    " ONNX/TFLite the cores, at most 4)."
)


@data_app.command("compose")
def data_compose(
    letters: list[Path] = typer.Argument(
        ..., help="Letter sources: hand table, letter data set folder, <LETTER>/*.npy."
    ),
    phrases: Path = typer.Option(..., "--phrases", help="Text file, one phrase per line."),
    out: Path = typer.Option(..., "--out", help="Output folder (Kaggle wide layout)."),
    alphabet: str = typer.Option(
        "kaggle", "--alphabet", help="Character map JSON, alphabet YAML, or a shipped one: kaggle, lsp."
    ),
    frames_block: str = typer.Option(
        "all", "--frames-block", help="Block of each letter's samples: first|last|all|a:b."
    ),
    signers: int = typer.Option(4, "--signers", min=1, help="Number of synthetic signers (participant ids)."),
    seed: int = typer.Option(0, "--seed"),
    body: list[Path] = typer.Option(
        None, "--body", help="Holistic recordings whose face and pose frame the hand."
    ),
    per_phrase: int = typer.Option(1, "--per-phrase", min=1, help="Sequences composed per phrase."),
) -> None:
    """Compose fingerspelled sequences (COMPOSED data) from letter handshapes and a phrase list."""
    from signa.data.compose import compose_dataset

    summary = compose_dataset(
        letters, phrases, out, alphabet, frames_block, signers, seed, body or None, per_phrase
    )
    typer.echo(
        f"composed {summary['sequences']} sequences ({summary['frames']['total']} frames, "
        f"{len(summary['letters'])} letters, {summary['body_templates']} body templates) in {out}"
    )


@app.callback()
def _root() -> None:
    """SIGNA: sign language to text from MediaPipe Holistic landmarks."""


@data_app.command("inspect")
def data_inspect(
    paths: list[Path] = typer.Argument(
        ..., help="Landmark files or folders (.parquet, .pose, .npy, train.csv)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON list instead of a table."),
    layout: str | None = typer.Option(None, "--layout", help=LAYOUT_HELP),
) -> None:
    """Per sequence: id, frames, and the fraction of frames in which each landmark group is missing."""
    import json

    from rich.console import Console

    from signa.data.inspect import inspect_paths, render_table

    records = list(inspect_paths(paths, layout))
    if as_json:
        typer.echo(json.dumps(records, indent=2))
    else:
        Console().print(render_table(records))


@data_app.command("prepare")
def data_prepare(
    root: Path = typer.Argument(
        ..., help="Kaggle-layout dataset folder (train.csv + landmark files), or a folder of sign folders."
    ),
    out: Path = typer.Option(..., "--out", help="Folder for the prepared store."),
    task: str = typer.Option(None, "--task", help="fingerspelling or signs (default: from the csv columns)."),
    dtype: str = typer.Option("float16", "--dtype", help="float16 or float32."),
    workers: int = typer.Option(1, "--workers", min=1, help="Parallel worker processes."),
    table: list[str] = typer.Option(["train.csv"], "--table", help="csv file(s) under ROOT to include."),
    layout: str | None = typer.Option(None, "--layout", help=LAYOUT_HELP),
) -> None:
    """Turn a Kaggle-layout dataset into a compact memory-mappable store (resumable)."""
    from signa.data.cache import DTYPES, prepare_dataset

    if dtype not in DTYPES:
        raise SignaError(f"must be one of {', '.join(DTYPES)}, not {dtype!r}", "--dtype")
    try:
        store = prepare_dataset(root, out, task, dtype, workers, table, layout=layout)
    except KeyboardInterrupt:
        typer.echo(f"interrupted: finished parts are kept in {out}; run the same command to resume", err=True)
        raise typer.Exit(130) from None
    frames = sum(row["frames"] for row in store.index)
    typer.echo(
        f"{out}: {len(store)} sequences, {frames} frames, {len(store.positions)} points, {store.dtype}"
    )


@app.command("model")
def model_summary(
    config: Path = typer.Argument(..., help="Experiment config (YAML/JSON) or a checkpoint or run folder."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON object instead of text."),
    overrides: list[str] = typer.Option(
        [], "--set", help="Override a config key, e.g. model.dense_dim=512 (repeatable)."
    ),
) -> None:
    """Print a model's architecture and parameter counts (total, trainable, kept for inference)."""
    import json

    from signa.models.summary import describe, model_from_spec, render

    model, arch = model_from_spec(config, overrides)
    summary = describe(model, arch)
    typer.echo(json.dumps(summary, indent=2) if as_json else render(model, summary))


@app.command("train")
def train_command(
    config: Path = typer.Argument(..., help="Experiment config (YAML)."),
    overrides: list[str] = typer.Option(
        [], "--set", help="Override a config key: key.sub=value (repeatable)."
    ),
    fold: int | None = typer.Option(None, "--fold", help="Validation fold (data.fold); -1 trains on all."),
    seed: int | None = typer.Option(None, "--seed", help="Random seed (seed)."),
    run_dir: Path | None = typer.Option(
        None, "--run-dir", help="Run folder (default runs/<config>/<fold>-<seed>)."
    ),
    resume: bool = typer.Option(False, "--resume", help="Continue the run folder from its last checkpoint."),
    device: str | None = typer.Option(None, "--device", help="cpu, cuda, cuda:1 (default: GPU if any)."),
    layout: str | None = typer.Option(None, "--layout", help=LAYOUT_HELP + " Same as --set data.layout=."),
    threads: int | None = typer.Option(None, "--threads", min=1, help=THREADS_HELP),
) -> None:
    """Train a model; under torchrun, one process per GPU (DDP)."""
    from signa.metrics import format_metrics
    from signa.train.config import load_experiment
    from signa.train.loop import default_run_dir, train

    extra = [f"data.fold={fold}"] * (fold is not None) + [f"seed={seed}"] * (seed is not None)
    extra += [f"data.layout={layout}"] * (layout is not None)
    experiment = load_experiment(config, [*overrides, *extra])
    run = run_dir or default_run_dir(config, experiment)
    result = train(experiment, run, resume=resume, device=device, threads=threads or "auto")
    if result.is_main:
        scores = format_metrics(result.metrics)
        typer.echo(f"{result.run_dir}: {result.step} steps" + (f"; {scores}" if scores else ""))


@app.command("evaluate")
def evaluate_command(
    checkpoint: Path = typer.Argument(..., help="Run folder, checkpoint folder or weights file."),
    data: Path | None = typer.Option(
        None, "--data", help="Prepared store or Kaggle-layout folder to score (with --fold: the run's own)."
    ),
    as_json: bool = typer.Option(False, "--json", help='Print {"metric", "score", "n"} as JSON.'),
    out: Path | None = typer.Option(None, "--out", help="Folder for predictions.csv, metrics.json, reports."),
    batch_size: int = typer.Option(32, "--batch-size", min=1),
    worst: int = typer.Option(10, "--worst", min=0, help="How many of the worst samples to list."),
    device: str | None = typer.Option(None, "--device"),
    fold: int | None = typer.Option(None, "--fold", help="Score the held-out fold K of the run's split."),
    threads: int | None = typer.Option(None, "--threads", min=1, help=THREADS_HELP),
) -> None:
    """Score a checkpoint on a data set: the task's metric, per-sample predictions, the worst samples."""
    import json

    from signa.evaluate.evaluate import evaluate_checkpoint
    from signa.metrics import format_metric

    result = evaluate_checkpoint(checkpoint, data, out, batch_size, device, worst, threads or "auto", fold)
    if as_json:
        typer.echo(json.dumps(result.summary()))
        return
    typer.echo(f"{result.metric}: {result.score:.4f} over {len(result.records)} sequences")
    for key, value in result.metrics.items():
        if key not in (result.metric, "sequences"):
            typer.echo(f"  {key}: {format_metric(value)}")
    if result.worst:
        typer.echo("worst samples:")
        for record in result.worst:
            typer.echo("  " + record_line(record))


def record_line(record: dict) -> str:
    """``key=value`` pairs of one evaluated sample; empty fields (e.g. the confidence of a model
    without a confidence head) are left out."""
    return "  ".join(
        f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in record.items() if v is not None
    )


@app.command("oof")
def oof_command(
    run_dirs: list[Path] = typer.Argument(..., help="Fold run folders (all folds, any seeds)."),
    out: Path = typer.Option(..., "--out", help="CSV to write: sequence_id, score, is_supplemental, ..."),
) -> None:
    """Out-of-fold score table of round-1 fold runs, the confidence target of round 2 (data.oof)."""
    from signa.train.oof import out_of_fold_table

    rows = out_of_fold_table(run_dirs, out)
    supplemental = sum(r["is_supplemental"] for r in rows)
    typer.echo(f"{out}: {len(rows) - supplemental} out-of-fold rows, {supplemental} supplemental rows (0.5)")


@app.command("predict")
def predict_command(
    model: Path = typer.Argument(..., help="Checkpoint, run folder, export folder or model file."),
    files: list[Path] = typer.Argument(..., help="Landmark files (.parquet, .pose, .npy, train.csv)."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON list: path, sign or text, confidence."),
    labels: Path | None = typer.Option(None, "--labels", help="Sign label map; must match the model's."),
    precision: str = typer.Option(
        "fp32", "--precision", help="fp32, bf16 (autocast; checkpoints only) or auto (bf16 if native)."
    ),
    layout: str | None = typer.Option(None, "--layout", help=LAYOUT_HELP),
    threads: int | None = typer.Option(None, "--threads", min=1, help=THREADS_HELP),
) -> None:
    """Recognise each sequence of each landmark file (a sign, or fingerspelled text)."""
    from signa.infer import load_model
    from signa.infer.runtime import prediction_output

    recognizer = load_model(model, precision=precision, threads=threads or "auto")
    if labels is not None:
        from signa.infer.signs import check_recognizer_labels

        check_recognizer_labels(recognizer, labels)

    def warn(path: str, problem: str) -> None:
        typer.echo(f"warning: {path}: {problem}", err=True)

    for text in prediction_output(recognizer.iter_predictions(files, warn, layout), as_json):
        typer.echo(text, nl=False)  # each answer as it comes


@app.command("soup")
def soup_command(
    checkpoints: list[Path] = typer.Argument(..., help="Checkpoint folders of one run (e.g. run/epochs/*)."),
    out: Path = typer.Option(..., "--out", help="Folder for the averaged checkpoint."),
) -> None:
    """Average checkpoints uniformly into one (a model soup of the last epochs)."""
    from signa.train.soup import uniform_soup

    folder = uniform_soup(checkpoints, out)
    typer.echo(f"{folder}: uniform soup of {len(checkpoints)} checkpoints")


@app.command("export")
def export_command(
    checkpoint: Path = typer.Argument(..., help="Run folder or checkpoint folder to export."),
    out: Path = typer.Option(..., "--out", help="Folder for the model file(s) and export.json."),
    format: str = typer.Option("onnx", "--format", help="onnx, or tflite (needs the tflite extra)."),
    fp16: bool = typer.Option(False, "--fp16", help="Store the weights as float16 (half the size)."),
    precision: str | None = typer.Option(None, "--precision", help="fp32, fp16 or int8 weights."),
    ensemble: list[Path] = typer.Option([], "--ensemble", help="More checkpoints averaged into one graph."),
    kaggle: bool = typer.Option(False, "--kaggle", help="Kaggle contract: input (frames, 390), outputs."),
    variant: str = typer.Option("unrolled", "--variant", help="Fingerspelling: unrolled, stepwise, loop."),
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
        raise SignaError(f"--lengths must be comma-separated frame counts, got {lengths!r}") from None
    route = route or ("onnx2tf" if kaggle and format == "tflite" else "litert")
    options = ExportOptions(
        format, precision or ("fp16" if fp16 else "fp32"), variant, kaggle, frame_counts, route
    )
    info = export_checkpoints([checkpoint, *ensemble], out, options)
    typer.echo(f"{info.parent}: {format} {options.precision}, described in {info.name}")


# -- video: extract, translate, live, show ------------------------------------------------------------


@app.command("extract")
def extract_command(
    inputs: list[Path] = typer.Argument(None, help="Videos, or folders searched for videos."),
    out: Path = typer.Option(..., "--out", help="Output folder (Kaggle layout: landmarks/, train.csv)."),
    format: list[str] = typer.Option([], "--format", help="'pose': also write .pose files (parquet always)."),
    workers: int = typer.Option(0, "--workers", min=0, help="Processes (a graph each); 0 = cores."),
    shard: str = typer.Option("0/1", "--shard", help="K/N: this machine's share of the sorted videos."),
    labels: Path | None = typer.Option(None, "--labels", help="csv video,sign[,participant_id]."),
    merge: bool = typer.Option(False, "--merge", help="Only rebuild train.csv from all shards' records."),
    as_json: bool = typer.Option(False, "--json", help="Print the run summary as JSON."),
) -> None:
    """Extract MediaPipe Holistic landmarks from videos (resumable; --shard K/N for job arrays)."""
    from signa.infer import extract

    if merge:
        typer.echo(f"{extract.merge_records(out)}: merged")
        return
    if not inputs:
        raise SignaError("give at least one video or folder (or --merge)")
    formats = tuple(f for item in format for f in item.split(","))
    options = extract.ExtractOptions(formats, workers, extract.parse_shard(shard))
    summary = extract.extract_with_progress(extract.find_videos(inputs, labels), out, options)
    if as_json:
        import json

        typer.echo(json.dumps(summary.to_dict(), indent=2))
    else:
        typer.echo(
            f"{out}: {len(summary.extracted)} extracted, {summary.skipped} already done, "
            f"{len(summary.failed)} failed" + (f"; {summary.train_csv}" if summary.train_csv else "")
        )
    for video, problem in summary.failed:
        typer.echo(f"error: {video}: {problem}", err=True)
    if summary.failed:
        raise typer.Exit(2)


@app.command("translate")
def translate_command(
    model: Path = typer.Argument(..., help="Checkpoint, run folder, export folder or model file."),
    files: list[Path] = typer.Argument(..., help="Videos (or landmark files: .parquet, .pose, .npy)."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON list of timelines."),
    whole: bool = typer.Option(False, "--whole", help="One segment per clip (an isolated-sign recording)."),
    rest_speed: float = typer.Option(0.25, "--rest-speed", help="Shoulder widths/s below which hands rest."),
    min_rest: float = typer.Option(0.5, "--min-rest", help="Seconds of rest that separate two signs."),
    min_sign: float = typer.Option(0.3, "--min-sign", help="Seconds: shorter activity is not a sign."),
) -> None:
    """Translate videos: landmarks, segments where the hands rest, a timeline of signs or text."""
    import json

    from signa.infer import load_model
    from signa.infer.segment import SegmentRule
    from signa.infer.translate import timeline_lines, translate_file

    recognizer = load_model(model)
    rule = None if whole else SegmentRule(rest_speed, min_rest, min_sign)
    timelines = [t for path in files for t in translate_file(recognizer, path, rule)]
    if as_json:
        typer.echo(json.dumps([t.to_dict() for t in timelines], indent=2))
        return
    for timeline in timelines:
        typer.echo("\n".join(timeline_lines(timeline)))


@app.command("live")
def live_command(
    model: Path = typer.Argument(..., help="Checkpoint, run folder, export folder or model file."),
    camera: int | None = typer.Option(None, "--camera", help="Camera number (default 0)."),
    video: Path | None = typer.Option(None, "--video", help="A video replayed at its own rate, as a camera."),
    show: bool = typer.Option(False, "--show", help="A window with the skeleton over the picture."),
    as_json: bool = typer.Option(False, "--json", help="Print the final timeline and figures as JSON."),
) -> None:
    """Translate a camera (or a replayed video) as it goes: running transcription, latency, fps."""
    import json

    from signa.infer import load_model
    from signa.infer.live import live
    from signa.infer.live_view import LiveView

    if camera is not None and video is not None:
        raise SignaError("give --camera or --video, not both")
    recognizer = load_model(model)
    with LiveView(show, quiet=as_json) as view:
        result = live(recognizer, video, camera, on_frame=view.update)
    if as_json:
        typer.echo(json.dumps(result.to_dict(), indent=2))
        return
    typer.echo(
        f"{result.timeline.source}: {result.timeline.text!r} ({result.frames_processed} of "
        f"{result.frames_published} frames processed, {result.effective_fps:.1f} fps, "
        f"latency {result.mean_latency_ms:.0f} ms)"
    )


@app.command("show")
def show_command(
    file: Path = typer.Argument(..., help="Landmark file (.parquet, .pose, .npy), or a video."),
    out: Path = typer.Option(..., "--out", help="clip.gif or clip.mp4."),
    video: Path | None = typer.Option(None, "--video", help="Draw over this video's frames."),
) -> None:
    """Render a landmark sequence as an animation: the skeleton, hands highlighted."""
    from signa.infer.show import show_file

    typer.echo(f"{show_file(file, out, video)}: written")


@app.command("serve")
def serve_command(
    model: Path = typer.Argument(..., help="Export folder (private mode), checkpoint or run folder."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to bind (loopback by default)."),
    port: int = typer.Option(8000, "--port", help="Port."),
    max_mb: float = typer.Option(50.0, "--max-mb", help="Server mode: largest upload, in MB."),
    max_seconds: float = typer.Option(60.0, "--max-seconds", help="Server mode: longest video, in seconds."),
) -> None:
    """Serve the translator page: camera, video or landmark file in, text out (needs the web extra)."""
    from signa.infer.web.serve import serve
    from signa.infer.web.uploads import Limits

    serve(model, host, port, Limits(max_mb=max_mb, max_seconds=max_seconds))


def main() -> None:
    """Run a command; every failure the user can fix ends as one ``error:`` line and exit code 2."""
    try:
        code = app(standalone_mode=False, prog_name="signa")
    except USAGE_ERROR as err:
        if type(err).__name__ == "NoArgsIsHelpError":  # `signa` or `signa data` alone: the help
            typer.echo(err.ctx.get_help())
            sys.exit(err.exit_code)
        fail(usage_problem(err))
    except typer.Abort:
        typer.echo("aborted", err=True)
        sys.exit(130)
    except (SignaError, OSError) as err:
        fail(SignaError.from_os_error(err) if isinstance(err, OSError) else err)
    sys.exit(code if isinstance(code, int) else 0)


def fail(err: SignaError) -> NoReturn:
    typer.echo(f"error: {err}", err=True)
    sys.exit(2)


def usage_problem(err: Exception) -> SignaError:
    """A bad option or argument as one line: ``--batch-size: 0 is not in the range x>=1``."""
    command = err.ctx.command_path if err.ctx else "signa"
    if isinstance(err, typer.BadParameter) and err.param is not None and err.message:
        name = (err.param.opts or [err.param.name or "argument"])[0]
        return SignaError(f"{err.message} (see {command} --help)", name)
    return SignaError(f"{err.format_message()} (see {command} --help)")
