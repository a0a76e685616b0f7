"""``signa extract``: videos -> Kaggle long parquet landmarks, per-video records and one ``train.csv``.

    signa extract VIDEO_OR_FOLDER... --out DIR [--format pose] [--workers N] [--shard K/N]

Output folder::

    DIR/landmarks/<key>.parquet    543 rows a frame (signa.data.writers.write_kaggle_long)
    DIR/landmarks/<key>.pose       with --format pose
    DIR/records/<key>.json         frames, fps, size, detection rate per part, ms per frame, sign
    DIR/train.csv                  path,participant_id,sequence_id,sign (asl-signs columns)
    DIR/sign_to_prediction_index_map.json

so that ``DIR`` is a Kaggle-layout folder for ``signa data prepare`` and ``signa train``. ``<key>`` is
the video's path below the folder it was found in, without suffix (``hola/clip_001``); a video given
directly is keyed by its file name. Its sign is the name of the folder holding it, or for a video at
the top of an input, its file name without a trailing ``_001``-style number (``hola_001.mp4`` ->
``hola``); a ``--labels`` csv (``video,sign[,participant_id]``) overrides both.

A video counts as done when its record exists; the record is written last and every file atomically,
so an interrupted run resumes where it stopped and never leaves a half-written file. Videos run in a
process pool, one MediaPipe graph per worker, largest first. ``--shard K/N`` (K = 0..N-1) takes
every N-th video of the sorted list, so N machines of a job array split a corpus deterministically
and write into one shared ``DIR``; ``--merge`` then rebuilds ``train.csv`` from all records.
"""

from __future__ import annotations

import csv
import io
import json
import multiprocessing
import os
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from pathlib import Path

from signa.data.readers import read_csv_table
from signa.data.writers import write_kaggle_long, write_pose
from signa.errors import SignaError
from signa.files import write_json_atomic, write_text_atomic
from signa.infer.holistic import HolisticSettings, HolisticTracker
from signa.infer.video import VIDEO_SUFFIXES, extract_landmarks, require_hands

LANDMARKS_DIR, RECORDS_DIR = "landmarks", "records"
TRAIN_COLUMNS = ("path", "participant_id", "sequence_id", "sign")
LABEL_MAP_FILE = "sign_to_prediction_index_map.json"
FORMATS = ("parquet", "pose")
_TRAILING_NUMBER = re.compile(r"[_-]\d+$")


@dataclass(frozen=True)
class VideoJob:
    """One video to extract, where its outputs go (``key``) and what it shows."""

    video: str
    key: str
    sign: str
    participant_id: str = "0"


@dataclass(frozen=True)
class ExtractOptions:
    """``formats``: parquet always, ``pose`` too if listed. ``workers``: 0 = one per CPU core."""

    formats: tuple[str, ...] = ("parquet",)
    workers: int = 0
    shard: tuple[int, int] = (0, 1)
    settings: HolisticSettings = HolisticSettings()

    def __post_init__(self):
        unknown = set(self.formats) - set(FORMATS)
        if unknown:
            known = ", ".join(FORMATS)
            raise SignaError(f"unknown format {', '.join(sorted(unknown))}; choose from {known}", "--format")


@dataclass
class ExtractSummary:
    """What a run did: records of the videos extracted now, count skipped, failures, train.csv."""

    extracted: list[dict] = field(default_factory=list)
    skipped: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)  # (video, problem)
    train_csv: str | None = None

    def to_dict(self) -> dict:
        return {
            "extracted": len(self.extracted),
            "skipped": self.skipped,
            "failed": [{"video": v, "problem": p} for v, p in self.failed],
            "train_csv": self.train_csv,
            "records": self.extracted,
        }


def find_videos(inputs: Sequence[str | Path], labels: str | Path | None = None) -> list[VideoJob]:
    """Every video of ``inputs`` (files, or folders searched recursively), keyed and labelled."""
    jobs: list[VideoJob] = []
    for item in map(Path, inputs):
        if item.is_dir():
            found = sorted(p for p in item.rglob("*") if p.suffix.lower() in VIDEO_SUFFIXES and p.is_file())
            if not found:
                raise SignaError(f"no videos ({', '.join(VIDEO_SUFFIXES)}) in the folder", item)
            jobs += [_job(p, p.relative_to(item)) for p in found]
        elif item.exists():
            jobs.append(_job(item, Path(item.name)))
        else:
            raise SignaError("no such file or folder", item)
    if labels is not None:
        jobs = _apply_labels(jobs, Path(labels))
    _check_unique_keys(jobs)
    return sorted(jobs, key=lambda j: j.key)


def _job(video: Path, relative: Path) -> VideoJob:
    key = relative.with_suffix("").as_posix()
    sign = relative.parent.name if relative.parent != Path(".") else _TRAILING_NUMBER.sub("", video.stem)
    return VideoJob(str(video), key, sign)


def _apply_labels(jobs: list[VideoJob], labels: Path) -> list[VideoJob]:
    rows = read_csv_table(labels, ("video", "sign"))
    listed = {(labels.parent / r["video"]).resolve(): r for r in rows}
    out = []
    for job in jobs:
        row = listed.get(Path(job.video).resolve())
        if row is not None:
            job = replace(job, sign=row["sign"], participant_id=row.get("participant_id") or "0")
        out.append(job)
    return out


def _check_unique_keys(jobs: list[VideoJob]) -> None:
    seen: dict[str, str] = {}
    for job in jobs:
        if job.key in seen:
            raise SignaError(f"two videos would share the output {job.key}: {seen[job.key]}", job.video)
        seen[job.key] = job.video


def parse_shard(text: str) -> tuple[int, int]:
    """``"K/N"`` -> (K, N) with 0 <= K < N."""
    match = re.fullmatch(r"(\d+)/(\d+)", text.strip())
    if not match or not int(match[1]) < int(match[2]):
        raise SignaError(f"must be K/N with 0 <= K < N (e.g. 0/8), got {text!r}", "--shard")
    return int(match[1]), int(match[2])


def shard_jobs(jobs: Sequence[VideoJob], shard: tuple[int, int]) -> list[VideoJob]:
    """Every N-th job of the key-sorted list, starting at K: the same split on every machine."""
    k, n = shard
    return sorted(jobs, key=lambda j: j.key)[k::n]


def extract_videos(
    jobs: Sequence[VideoJob],
    out: str | Path,
    options: ExtractOptions = ExtractOptions(),
    on_done: Callable[[VideoJob], None] | None = None,
) -> ExtractSummary:
    """Extract the shard's jobs not done yet into ``out``; write ``train.csv`` unless sharded."""
    out = Path(out)
    mine = shard_jobs(jobs, options.shard)
    todo = [j for j in mine if not record_path(out, j.key).is_file()]
    summary = ExtractSummary(skipped=len(mine) - len(todo))
    for job, outcome in _run(todo, out, options):
        if isinstance(outcome, dict):
            summary.extracted.append(outcome)
        else:
            summary.failed.append((job.video, outcome))
        if on_done is not None:
            on_done(job)
    if options.shard[1] == 1:
        summary.train_csv = str(merge_records(out))
    return summary


def extract_with_progress(
    jobs: Sequence[VideoJob], out: str | Path, options: ExtractOptions
) -> ExtractSummary:
    """:func:`extract_videos` with a progress bar (videos of this shard) on stderr."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    columns = (TextColumn("extract"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        mine = shard_jobs(jobs, options.shard)
        task = bar.add_task("extract", total=len(mine))
        bar.advance(task, sum(record_path(Path(out), j.key).is_file() for j in mine))
        return extract_videos(jobs, out, options, on_done=lambda _: bar.advance(task))


def _run(todo: list[VideoJob], out: Path, options: ExtractOptions) -> Iterable[tuple[VideoJob, dict | str]]:
    """(job, record or problem) as each video finishes: in this process, or in a pool."""
    workers = min(options.workers or os.cpu_count() or 1, len(todo))
    if workers <= 1:
        _use_tracker(options.settings)
        for job in todo:
            yield job, _extract_one(job, out, options.formats)
        return
    largest_first = sorted(todo, key=lambda j: -os.path.getsize(j.video))
    with ProcessPoolExecutor(workers, _pool_context(), _start_worker, (options.settings,)) as pool:
        futures = {pool.submit(_extract_one, job, out, options.formats): job for job in largest_first}
        for future in as_completed(futures):
            yield futures[future], future.result()


def _pool_context():
    """fork (workers start at once) unless this process has loaded MediaPipe: a forked copy of a
    process that ran a graph crashes when it builds its own, so then spawn."""
    fork = "fork" in multiprocessing.get_all_start_methods() and "mediapipe" not in sys.modules
    return multiprocessing.get_context("fork" if fork else "spawn")


_tracker: HolisticTracker | None = None  # this process's MediaPipe graph, reset for each video


def _use_tracker(settings: HolisticSettings) -> None:
    """This process's graph: kept from an earlier call with the same settings, else built."""
    global _tracker
    if _tracker is None or _tracker.settings != settings:
        _tracker = HolisticTracker(settings)


def _start_worker(settings: HolisticSettings) -> None:
    """A pool worker builds its own graph (never one inherited through fork)."""
    global _tracker
    _tracker = HolisticTracker(settings)


def _extract_one(job: VideoJob, out: Path, formats: tuple[str, ...]) -> dict | str:
    """Extract one video and write its files, record last; a user-fixable problem comes back as text."""
    try:
        landmarks, record = extract_landmarks(job.video, tracker=_tracker)
        require_hands(landmarks, job.video)
    except SignaError as err:
        return err.problem
    base = out / LANDMARKS_DIR / job.key
    write_kaggle_long(base.with_suffix(".parquet"), landmarks)
    if "pose" in formats:
        write_pose(base.with_suffix(".pose"), landmarks, record.fps, record.width, record.height)
    row = {"key": job.key, "sign": job.sign, "participant_id": job.participant_id, **record.to_dict()}
    write_json_atomic(record_path(out, job.key), row)
    return row


def record_path(out: Path, key: str) -> Path:
    return out / RECORDS_DIR / f"{key}.json"


def read_records(out: str | Path) -> list[dict]:
    """Every per-video record under ``out/records``, sorted by key."""
    folder = Path(out) / RECORDS_DIR
    records = [json.loads(p.read_text(encoding="utf-8")) for p in folder.rglob("*.json")]
    return sorted(records, key=lambda r: r["key"])


def merge_records(out: str | Path) -> Path:
    """Write ``train.csv`` and the sign map from all records in ``out`` (every shard's); return the csv."""
    out = Path(out)
    records = read_records(out)
    if not records:
        raise SignaError("no extracted videos to list (records/ is empty)", out)
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(TRAIN_COLUMNS)
    for r in records:
        writer.writerow([f"{LANDMARKS_DIR}/{r['key']}.parquet", r["participant_id"], r["key"], r["sign"]])
    write_text_atomic(out / "train.csv", text.getvalue())
    signs = sorted({r["sign"] for r in records})
    write_json_atomic(out / LABEL_MAP_FILE, {sign: i for i, sign in enumerate(signs)})
    return out / "train.csv"
