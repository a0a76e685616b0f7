"""``signa live --video`` against ``signa translate`` on the same clip, at this machine's real rate.

Usage:
    .venv/bin/python benchmarks/live.py --model LSM_SIGN_MODEL [--runs 3]

The clip is the five real LSM recordings of ../shared/data/videos (ambulancia, doctor, dolor, hoy,
yo) in a row, one second of rest after each: the last frame held still after the 1st, 3rd and 5th,
black (nobody in view) after the 2nd and 4th. ``translate`` processes every frame; ``live`` replays
the file at its own 30 fps as a camera and processes only the newest frame each time it is free, so
on a slow CPU it sees a fraction of the frames. Reported: both gloss sequences, the share of the
five signs each gets right, the share of segments on which live agrees with translate (and the
mean overlap of its segments with translate's), live's effective frame rate, dropped frames and
latency. LSM_SIGN_MODEL is any sign model whose labels are the five signs (e.g.
one trained on their landmarks as tests/infer/conftest.py's ``lsm_model`` does). Results go to
benchmarks/results/live.json.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
from pathlib import Path

from signa.files import write_json_atomic

REPO = Path(__file__).resolve().parents[1]
VIDEOS = Path(os.environ.get("SIGNA_SHARED_DATA", REPO.parent / "shared" / "data")) / "videos"
SIGNS = ("ambulancia", "doctor", "dolor", "hoy", "yo")


def sentence_clip(out: Path) -> Path:
    """The five recordings at 30 fps with one-second rests: held still, or black, in turn."""
    inputs, chains = [], []
    for i, sign in enumerate(SIGNS):
        inputs += ["-i", str(VIDEOS / f"{sign}_001.mp4")]
        rest = "stop_mode=clone" if i % 2 == 0 else "stop_mode=add:color=black"
        chains.append(f"[{i}:v]fps=30,tpad={rest}:stop_duration=1,setsar=1[v{i}]")
    graph = ";".join(chains) + ";" + "".join(f"[v{i}]" for i in range(len(SIGNS)))
    graph += f"concat=n={len(SIGNS)}:v=1:a=0[out]"
    command = ["ffmpeg", "-loglevel", "error", "-y", *inputs, "-filter_complex", graph, "-map", "[out]"]
    subprocess.run([*command, "-c:v", "libx264", "-crf", "14", str(out)], check=True)
    return out


def correct(signs: list[str]) -> float:
    return agreement(signs, list(SIGNS))


def agreement(signs: list[str], reference: list[str]) -> float:
    """Share of the reference's segments given the same answer at the same position."""
    return sum(a == b for a, b in zip(signs, reference, strict=False)) / len(reference)


def overlap(entries, reference) -> float:
    """Mean intersection over union of each reference segment with the same-position live segment."""
    scores = []
    for ours, theirs in zip(entries, reference, strict=False):
        inter = max(0.0, min(ours.end, theirs.end) - max(ours.start, theirs.start))
        scores.append(inter / (max(ours.end, theirs.end) - min(ours.start, theirs.start)))
    return round(sum(scores) / len(reference), 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    import signa
    from signa.infer.live import live
    from signa.infer.translate import translate

    recognizer = signa.load_model(args.model)
    with tempfile.TemporaryDirectory() as tmp:
        clip = sentence_clip(Path(tmp) / "sentence.mp4")
        offline = translate(recognizer, clip)
        runs = [live(recognizer, video=clip) for _ in range(args.runs)]
    reference = [e.answer for e in offline.entries]
    result = {
        "clip": {"signs": list(SIGNS), "seconds": round(offline.duration_s, 2)},
        "translate": {"glosses": reference, "correct": correct(reference)},
        "live": [
            {
                "glosses": [e.answer for e in r.timeline.entries],
                "correct": correct([e.answer for e in r.timeline.entries]),
                "agreement_with_translate": agreement([e.answer for e in r.timeline.entries], reference),
                "segment_iou_with_translate": overlap(r.timeline.entries, offline.entries),
                "effective_fps": round(r.effective_fps, 2),
                "frames_processed": r.frames_processed,
                "frames_published": r.frames_published,
                "mean_latency_ms": round(r.mean_latency_ms, 1),
            }
            for r in runs
        ],
    }
    print(result)
    write_json_atomic(REPO / "benchmarks" / "results" / "live.json", result)


if __name__ == "__main__":
    main()
