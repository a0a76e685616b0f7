"""The work of ``signa demo``'s steps, without the talking (:mod:`signa.infer.demo.run` does that).

1. :func:`extract_clips` + :func:`translate_clips`: real videos -> MediaPipe landmarks (the extraction
   pool, one graph per worker) -> one sign each, with the time of each stage;
2. :func:`spell_composed`: the fingerspelling model on held-out COMPOSED sequences, scored as on its card;
3. :func:`onnx_parity`: a checkpoint exported to ONNX answers as the checkpoint does;
4. :func:`animate`: the skeleton and the answer drawn over a video (``signa show``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from signa.data.readers import read_kaggle_long
from signa.errors import SignaError
from signa.files import replaced_folder
from signa.infer.extract import (
    LANDMARKS_DIR,
    ExtractOptions,
    extract_with_progress,
    find_videos,
    read_records,
)
from signa.infer.reproduce import composed_held_out
from signa.infer.runtime import Recognizer, load_model
from signa.infer.translate import translate
from signa.metrics import sample_scores


@dataclass(frozen=True)
class ClipResult:
    """One clip translated whole: its sign (the video's name) beside the model's answer, and the
    milliseconds each stage took for the whole clip."""

    clip: str
    truth: str
    sign: str
    confidence: float
    frames: int
    decode_ms: float
    landmarks_ms: float
    model_ms: float
    landmarks_file: str
    video: str

    @property
    def right(self) -> bool:
        return self.sign == self.truth

    def to_dict(self) -> dict:
        return asdict(self) | {"right": self.right}


@dataclass(frozen=True)
class SpellingResult:
    """Held-out composed phrases, the model's texts, each one's score and the total score."""

    truths: tuple[str, ...]
    texts: tuple[str, ...]
    scores: tuple[float, ...]
    score: float
    metric: str = "normalized_total_levenshtein"

    @property
    def columns(self) -> tuple[tuple[str, ...], tuple[str, ...], tuple[float, ...]]:
        return self.truths, self.texts, self.scores

    def to_dict(self) -> dict:
        rows = [{"truth": t, "text": p, "score": s} for t, p, s in zip(*self.columns, strict=True)]
        return {"data": "COMPOSED", "metric": self.metric, "score": self.score, "sequences": rows}


@dataclass(frozen=True)
class ParityRow:
    clip: str
    checkpoint: str
    onnx: str
    confidence_difference: float
    checkpoint_ms: float
    onnx_ms: float


@dataclass(frozen=True)
class ParityResult:
    """The checkpoint's and the ONNX model's answers on the same landmarks."""

    export: str
    size_bytes: int
    rows: tuple[ParityRow, ...]

    @property
    def same(self) -> int:
        return sum(r.checkpoint == r.onnx for r in self.rows)

    @property
    def max_difference(self) -> float:
        return max(r.confidence_difference for r in self.rows)

    def to_dict(self) -> dict:
        rows = [asdict(r) for r in self.rows]
        summary = {
            "same": self.same,
            "total": len(self.rows),
            "max_confidence_difference": self.max_difference,
        }
        return {"export": self.export, "size_bytes": self.size_bytes, **summary, "rows": rows}


def extract_clips(videos: Sequence[Path], out: Path, workers: int = 0) -> Path:
    """MediaPipe landmarks of ``videos`` into folder ``out`` (``signa extract``'s layout), made afresh:
    built beside it and swapped in whole. ``workers``: 0 = one per core (at most one per video)."""
    jobs = find_videos(videos)
    with replaced_folder(out) as folder:
        summary = extract_with_progress(jobs, folder, ExtractOptions(workers=workers))
        if summary.failed:
            video, problem = summary.failed[0]
            raise SignaError(problem, video)
    return out


def translate_clips(recognizer: Recognizer, extracted: Path) -> list[ClipResult]:
    """Each extracted clip recognised whole (an isolated-sign recording) by ``recognizer``."""
    results = []
    for record in read_records(extracted):
        path = extracted / LANDMARKS_DIR / f"{record['key']}.parquet"
        landmarks = read_kaggle_long(path).landmarks
        timeline = translate(recognizer, landmarks, record["fps"], rule=None)
        (entry,) = timeline.entries
        results.append(
            ClipResult(
                clip=record["key"],
                truth=record["sign"],
                sign=entry.answer,
                confidence=float(entry.confidence),
                frames=record["frames"],
                decode_ms=record["decode_ms_per_frame"] * record["frames"],
                landmarks_ms=record["ms_per_frame"] * record["frames"],
                model_ms=timeline.timings_ms["model"],
                landmarks_file=str(path),
                video=record["path"],
            )
        )
    return results


def spell_composed(model: Path, count: int) -> SpellingResult:
    """The first ``count`` held-out composed sequences of the bundled fingerspelling recipe, read and
    scored as the model card's figure is (:func:`signa.infer.reproduce.composed_held_out`: no gate)."""
    composed = composed_held_out(model, count)
    scores = tuple(float(s) for s in sample_scores(composed.truths, composed.predictions))
    return SpellingResult(tuple(composed.truths), tuple(composed.predictions), scores, composed.score)


def onnx_parity(
    checkpoint: Path, out: Path, clips: Sequence[ClipResult], recognizer: Recognizer
) -> ParityResult:
    """Export ``checkpoint`` to ONNX in ``out`` (made afresh) and run both on the clips' landmarks."""
    from signa.export import ExportOptions, export_checkpoints

    with replaced_folder(out) as folder:
        export_checkpoints([checkpoint], folder, ExportOptions(format="onnx"))
    exported = load_model(out)
    rows = []
    for clip in clips:
        landmarks = read_kaggle_long(clip.landmarks_file).landmarks
        mine, theirs = recognizer.predict(landmarks), exported.predict(landmarks)
        difference = abs(float(mine.confidence) - float(theirs.confidence))
        rows.append(ParityRow(clip.clip, mine.sign, theirs.sign, difference, mine.ms, theirs.ms))
    size = sum(f.stat().st_size for f in out.iterdir() if f.is_file())
    return ParityResult(str(out), size, tuple(rows))


def animate(clip: ClipResult, out: Path, recognizer: Recognizer) -> Path:
    """``clip``'s skeleton and the model's answer drawn over its video, as a GIF (``signa show``)."""
    from signa.infer.show import show_file

    return show_file(clip.landmarks_file, out, clip.video, recognizer, whole=True)


def gif_facts(path: Path) -> tuple[int, tuple[int, int]]:
    """(frames, (width, height)) of a written GIF."""
    from PIL import Image

    with Image.open(path) as gif:
        return gif.n_frames, gif.size
