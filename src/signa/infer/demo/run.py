"""``signa demo``: each step's work (:mod:`signa.infer.demo.steps`) with what it does, the command a user
would type for it, and its results; then the next commands to try. ``OUT/demo.json`` holds the results."""

from __future__ import annotations

import functools
import importlib.util
import os
import shlex
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from signa.bundled import bundled_model, resolve_model
from signa.files import SAMPLES, from_checkout, output_folder, write_json_atomic
from signa.infer.demo import steps
from signa.infer.demo.report import Report, command_line, mark, seconds, shown_path
from signa.infer.demo.training import train_demo
from signa.infer.runtime import Recognizer, load_model
from signa.mp_compat import MEDIAPIPE_VERSION

SAMPLE_VIDEOS = SAMPLES / "videos"
CLIPS = ("ambulancia_001", "doctor_001", "dolor_001", "hoy_001", "yo_001")
VIDEO_HINT = (
    "needs the video extra (OpenCV, MediaPipe): pip install -e '.[video]' && "
    f"pip install --no-deps mediapipe=={MEDIAPIPE_VERSION}   (make demo does both)"
)
NO_LANDMARKS = "it needs the landmarks of step 1 (the video extra, see above)"
HELD_OUT = "runs/held-out"  # where the shown command writes the whole held-out composed set
ONNX_HINT = "needs the onnx extra: pip install -e '.[onnx]'   (make demo does it)"


@dataclass(frozen=True)
class DemoOptions:
    """``clips``: how many of the five LSM videos to translate; ``composed``: how many held-out
    composed phrases to spell; ``workers``: extraction processes (0 = one per core); ``train``:
    train small models from scratch instead (:mod:`signa.infer.demo.training`)."""

    out: Path = Path("runs/demo")
    train: bool = False
    clips: int = len(CLIPS)
    composed: int = 30
    workers: int = 0


def run_demo(options: DemoOptions = DemoOptions(), report: Report | None = None) -> dict:
    """Run the four steps; return (and write to ``OUT/demo.json``) what each found."""
    report = report or Report()
    if options.train:
        return train_demo(options.out, report)
    start = time.perf_counter()
    videos = _sample_videos(options.clips)
    report.title(
        "SIGNA demo",
        f"Offline, on this CPU ({os.cpu_count()} cores), with the models and data bundled in the repo;"
        f" everything it writes goes to {shown_path(options.out)}/.",
    )
    sign_model, spelling_model = resolve_model("lsm"), resolve_model("asl-fingerspelling")
    results: dict = {}
    with output_folder(options.out) as out:
        clips = _translate_step(report, videos, sign_model, options, out, results)
        _spelling_step(report, spelling_model, options, results)
        signs = load_model(sign_model, threads="auto")
        _onnx_step(report, sign_model, signs, clips, out, results)
        _animation_step(report, clips, signs, out, results)
        results["seconds"] = round(time.perf_counter() - start, 1)
        write_json_atomic(out / "demo.json", results)
    _next_commands(report, results, options)
    return results


def timed(step: Callable) -> Callable:
    """A step that ends by saying how long it took (unless it was skipped)."""

    @functools.wraps(step)
    def run(report: Report, *args):
        start = time.perf_counter()
        result = step(report, *args)
        if not report.skipped:
            report.note(f"[dim]({time.perf_counter() - start:.1f} s)[/]")
        return result

    return run


def _sample_videos(count: int) -> list[Path]:
    return [from_checkout(SAMPLE_VIDEOS / f"{name}.mp4", "signa demo") for name in CLIPS[:count]]


def _missing(*modules: str) -> bool:
    return any(importlib.util.find_spec(m) is None for m in modules)


@timed
def _translate_step(report, videos, model: Path, options, out: Path, results: dict) -> list[steps.ClipResult]:
    report.step(
        1,
        "Translate real video: Mexican Sign Language (LSM)",
        f"{len(videos)} clip{'s' * (len(videos) > 1)} of samples/videos/ (MSL-150, one sign each): MediaPipe "
        "Holistic landmarks of every frame, then the bundled lsm model reads each clip as one sign.",
    )
    if _missing("cv2", "mediapipe"):
        report.skip(f"reading video {VIDEO_HINT}")
        return []
    extracted = out / "landmarks"
    sources = [SAMPLE_VIDEOS] if len(videos) == len(CLIPS) else videos
    report.command(command_line("extract", *sources, "--out", extracted), "one MediaPipe graph a core")
    shown = [*videos[:1], "..."] if len(videos) > 1 else videos
    report.command(command_line("translate", "lsm", *shown, "--whole"), "the same in one: video in, sign out")
    steps.extract_clips(videos, extracted, options.workers)
    clips = steps.translate_clips(load_model(model, threads="auto"), extracted)
    rows = [
        (c.clip, c.truth, c.sign, f"{c.confidence:.3f}", mark(c.right), str(c.frames),
         seconds(c.decode_ms), seconds(c.landmarks_ms), seconds(c.model_ms))
        for c in clips
    ]  # fmt: skip
    columns = ("clip", "truth", "sign", "confidence", "", "frames", "decode", "landmarks", "model")
    report.table(columns, rows, right=("confidence", "frames", "decode", "landmarks", "model"))
    report.note(
        f"{sum(c.right for c in clips)} of {len(clips)} right. The lsm model was trained on MSL-150's "
        "keypoints, most likely made from these very recordings: this shows the pipeline on real video, "
        "not accuracy on new signers (its model card: signa models)."
    )
    results["clips"] = [c.to_dict() for c in clips]
    return clips


@timed
def _spelling_step(report, model: Path, options, results: dict) -> None:
    report.step(
        2,
        "Fingerspelling on COMPOSED held-out phrases",
        "COMPOSED data: real ASL letter handshapes (samples/letters/) placed into phrases by signa data "
        "compose, not recordings of anyone fingerspelling. Held out: letter frames and phrases the "
        "bundled asl-fingerspelling model never saw.",
    )
    write = "from signa.data.compose.recipe import write_recipe_set; "
    write += f'write_recipe_set("held_out", "{HELD_OUT}")'
    report.command(shlex.join(["python", "-c", write]), "all 300 held-out sequences")
    report.command(command_line("evaluate", "asl-fingerspelling", "--data", HELD_OUT))
    spelled = steps.spell_composed(model, options.composed)
    rows = [(t, p, f"{s:.2f}") for t, p, s in zip(*spelled.columns, strict=True)][:8]
    report.table(("truth (COMPOSED)", "prediction", "score"), rows, right=("score",))
    report.note(
        f"COMPOSED held-out data, first {len(spelled.truths)} sequences: normalised total Levenshtein "
        f"[bold]{spelled.score:.3f}[/] (1 = every character right); {_card_line('asl-fingerspelling')}."
    )
    results["fingerspelling"] = spelled.to_dict()


def _card_line(name: str) -> str:
    """The headline figure of a bundled model's card, as one clause."""
    headline = bundled_model(name).card["headline"]
    return f"its model card: {headline['metric']} {headline['value']:.3f} on {headline['data']}"


@timed
def _onnx_step(report, model: Path, signs: Recognizer, clips, out: Path, results: dict) -> None:
    export = out / "onnx" / "lsm"
    report.step(
        3,
        "Export to ONNX",
        "The lsm checkpoint as one ONNX graph, preprocessing inside (for phones, browsers and "
        "onnxruntime without torch), run beside the checkpoint on the same landmarks.",
    )
    if _missing("onnx", "onnxruntime"):
        report.skip(f"exporting {ONNX_HINT}")
        return
    if not clips:
        report.skip(NO_LANDMARKS)
        return
    report.command(command_line("export", "lsm", "--format", "onnx", "--out", export))
    parity = steps.onnx_parity(model, export, clips, signs)
    rows = [
        (r.clip, r.checkpoint, r.onnx, mark(r.checkpoint == r.onnx), f"{r.confidence_difference:.1e}",
         seconds(r.checkpoint_ms), seconds(r.onnx_ms))
        for r in parity.rows
    ]  # fmt: skip
    columns = ("clip", "checkpoint", "ONNX", "", "|Δ confidence|", "checkpoint time", "ONNX time")
    report.table(columns, rows, right=("|Δ confidence|", "checkpoint time", "ONNX time"))
    report.note(
        f"Same sign {parity.same} of {len(parity.rows)}, largest confidence difference "
        f"{parity.max_difference:.1e}; {shown_path(export)}/ holds {parity.size_bytes / 1e6:.1f} MB."
    )
    results["onnx"] = parity.to_dict()


@timed
def _animation_step(report, clips, signs: Recognizer, out: Path, results: dict) -> None:
    report.step(4, "Skeleton animation", "The landmarks and the model's answer drawn over the video.")
    if not clips:
        report.skip(NO_LANDMARKS)
        return
    clip = clips[0]
    gif = out / f"{clip.clip}.gif"
    landmarks, video = Path(clip.landmarks_file), Path(clip.video)
    options = ("--video", video, "--model", "lsm", "--whole", "--out", gif)
    report.command(command_line("show", landmarks, *options))
    steps.animate(clip, gif, signs)
    frames, (width, height) = steps.gif_facts(gif)
    report.note(
        f"Written: [bold]{shown_path(gif)}[/] ({frames} frames, {width}×{height}); open it in a browser."
    )
    results["animation"] = {"path": str(gif), "frames": frames, "size": [width, height]}


def _next_commands(report: Report, results: dict, options: DemoOptions) -> None:
    report.console.print()
    report.console.rule("[bold]Next")
    onnx = Path(results["onnx"]["export"]) if "onnx" in results else "lsm"
    report.command(command_line("translate", "lsm", SAMPLE_VIDEOS / "yo_001.mp4"), "a clip, cut at the rests")
    report.command(command_line("live", "lsm", "--video", SAMPLE_VIDEOS / "hoy_001.mp4"), "or --camera 0")
    report.command(command_line("serve", onnx), "the translator page: camera or video in, text out")
    report.command(command_line("models"), "the bundled models and their cards")
    report.command(command_line("demo", "--train"), "small models trained from scratch (1-4 min)")
    report.note(f"Done in {results['seconds']:.0f} s; results in {shown_path(options.out / 'demo.json')}.")
