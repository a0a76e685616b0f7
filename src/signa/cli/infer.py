"""``signa predict``, ``extract``, ``translate``, ``live``, ``show`` and ``serve``: models at work."""

from __future__ import annotations

from pathlib import Path

import typer

from signa.cli.apps import LAYOUT_HELP, NAMED, THREADS_HELP, app
from signa.errors import SignaError


@app.command("predict")
def predict_command(
    model: Path = typer.Argument(..., help="Checkpoint, run folder, export folder, model file" + NAMED + "."),
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
    model: Path = typer.Argument(..., help="Checkpoint, run folder, export folder, model file" + NAMED + "."),
    files: list[Path] = typer.Argument(..., help="Videos (or landmark files: .parquet, .pose, .npy)."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON list of timelines."),
    whole: bool = typer.Option(False, "--whole", help="One segment per clip (an isolated-sign recording)."),
    rest_speed: float = typer.Option(
        0.25, "--rest-speed", min=0, help="Shoulder widths/s below which hands rest."
    ),
    min_rest: float = typer.Option(0.5, "--min-rest", min=0, help="Seconds of rest that separate two signs."),
    min_sign: float = typer.Option(0.3, "--min-sign", min=0, help="Seconds: shorter activity is not a sign."),
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
    model: Path = typer.Argument(..., help="Checkpoint, run folder, export folder, model file" + NAMED + "."),
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
        raise SignaError("give one of them, not both", "--camera/--video")
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
    out: Path = typer.Option(..., "--out", help="clip.gif or clip.mp4 (an animation), or frame.png."),
    video: Path | None = typer.Option(None, "--video", help="Draw over this video's frames."),
    model: str | None = typer.Option(
        None, "--model", help="Write this model's answers on the frames (a bundled name or a path)."
    ),
    whole: bool = typer.Option(
        False, "--whole", help="With --model: the clip is one sign (not cut at rests)."
    ),
    frame: int | None = typer.Option(
        None, "--frame", min=0, help="The .png's frame (default: the middle of the first answer)."
    ),
) -> None:
    """Render a landmark sequence as an animation or a picture: the skeleton, hands highlighted."""
    from signa.infer import load_model
    from signa.infer.show import show_file

    recognizer = load_model(model) if model is not None else None
    typer.echo(f"{show_file(file, out, video, recognizer, whole, frame)}: written")


@app.command("serve")
def serve_command(
    model: Path = typer.Argument(
        ..., help="Export folder (private mode), checkpoint, run folder" + NAMED + "."
    ),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to bind (loopback by default)."),
    port: int = typer.Option(8000, "--port", min=0, max=65535, help="Port (0: any free one)."),
    max_mb: float = typer.Option(50.0, "--max-mb", help="Server mode: largest upload, in MB."),
    max_seconds: float = typer.Option(60.0, "--max-seconds", help="Server mode: longest video, in seconds."),
) -> None:
    """Serve the translator page: camera, video or landmark file in, text out (needs the web extra)."""
    from signa.infer.web.serve import serve
    from signa.infer.web.uploads import Limits

    serve(model, host, port, Limits(max_mb=max_mb, max_seconds=max_seconds))


@app.command("demo")
def demo_command(
    out: Path = typer.Option(Path("runs/demo"), "--out", help="Folder for everything the demo writes."),
    train: bool = typer.Option(False, "--train", help="Train small models from scratch instead (1-4 min)."),
    clips: int = typer.Option(
        5, "--clips", min=1, max=5, help="How many of the five LSM videos to translate."
    ),
) -> None:
    """Show what SIGNA does, offline on bundled models and data: video, fingerspelling, ONNX, animation."""
    from signa.infer.demo import DemoOptions, run_demo

    run_demo(DemoOptions(out=out, train=train, clips=clips))
