"""Bad input of every kind, across the commands: exit code 2, exactly one line
``error: <path>: <problem>`` on stderr, and no traceback. Each case builds its bad file from real
recordings (samples/asl-signs) or the tiny checkpoints, then runs the real entry point in-process."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from cli_helpers import REPO, assert_one_error_line, toy_config

SIGNS = REPO / "samples" / "asl-signs"
CLIP = SIGNS / "train_landmark_files" / "16069" / "497384476.parquet"
LETTERS = REPO / "samples" / "letters" / "asl_ai_hand_landmarks.parquet"
SIGNS_CONFIG = REPO / "configs" / "signs" / "asl-signs-small.yaml"


@dataclass
class Context:
    tmp: Path
    toy_run: Path
    signs_checkpoint: Path

    def file(self, name: str, content: str | bytes) -> Path:
        path = self.tmp / name
        path.parent.mkdir(parents=True, exist_ok=True)
        (path.write_bytes if isinstance(content, bytes) else path.write_text)(content)
        return path

    def clip(self, name: str, change: Callable[[pa.Table], pa.Table]) -> Path:
        """A real asl-signs clip, changed."""
        path = self.tmp / name
        pq.write_table(change(pq.read_table(CLIP)), path)
        return path

    def dataset(self, change: Callable[[pa.Table], pa.Table] | None = None) -> Path:
        """A copy of the 12-sequence asl-signs sample, its first clip changed."""
        root = Path(shutil.copytree(SIGNS, self.tmp / "signs"))
        if change is not None:
            first = root / (root / "train.csv").read_text().splitlines()[1].split(",")[0]
            pq.write_table(change(pq.read_table(first)), first)
            self.changed = first
        return root

    def truncated_checkpoint(self) -> Path:
        folder = Path(shutil.copytree(self.toy_run / "checkpoint", self.tmp / "truncated"))
        weights = folder / "model.safetensors"
        weights.write_bytes(weights.read_bytes()[:100])
        return folder


def _with_column(table: pa.Table, name: str, values) -> pa.Table:
    return table.set_column(table.schema.get_field_index(name), name, pa.array(values))


def infinite_x(table: pa.Table) -> pa.Table:
    x = table["x"].to_numpy().copy()
    x[:543] = np.inf  # the first frame: stored and selected points among them
    return _with_column(table, "x", x)


def far_frames(table: pa.Table) -> pa.Table:
    frames = table["frame"].to_numpy().astype(np.int64)
    last = frames == frames.max()
    return _with_column(table, "frame", np.where(last, 5_000_000, frames).astype(np.int32))


def no_detection(table: pa.Table) -> pa.Table:
    for name in ("x", "y", "z"):
        table = _with_column(table, name, np.full(table.num_rows, np.nan))
    return table


def drop_x(table: pa.Table) -> pa.Table:
    return table.drop(["x"])


def unknown_type(table: pa.Table) -> pa.Table:
    return _with_column(table, "type", pc.replace_substring(table["type"], "face", "fac3"))


NOT_UTF8 = b"hello\n\xff\xfe world\n"

# id -> build(context) -> (arguments, the path the error line must name, a word of the problem)
CASES: dict[str, Callable[[Context], tuple[list, object, str]]] = {
    "inspect missing file": lambda c: (
        ["data", "inspect", c.tmp / "nope.parquet"],
        c.tmp / "nope.parquet",
        "no",
    ),
    "inspect unknown kind": lambda c: (
        ["data", "inspect", c.file("clip.txt", "x")],
        c.tmp / "clip.txt",
        "unknown file kind",
    ),
    "inspect garbage parquet": lambda c: (
        ["data", "inspect", c.file("bad.parquet", b"not parquet at all")],
        c.tmp / "bad.parquet",
        "parquet",
    ),
    "inspect parquet without x": lambda c: (
        ["data", "inspect", c.clip("nox.parquet", drop_x)],
        c.tmp / "nox.parquet",
        "columns",
    ),
    "inspect unknown landmark type": lambda c: (
        ["data", "inspect", c.clip("type.parquet", unknown_type)],
        c.tmp / "type.parquet",
        "unknown landmark type",
    ),
    "inspect huge frame gap": lambda c: (
        ["data", "inspect", c.clip("gap.parquet", far_frames)],
        c.tmp / "gap.parquet",
        "renumber the frames",
    ),
    "inspect empty folder": lambda c: (
        ["data", "inspect", c.file("empty/.keep", "") and c.tmp / "empty"],
        c.tmp / "empty",
        "no landmark files",
    ),
    "inspect csv without columns": lambda c: (
        ["data", "inspect", c.file("t/train.csv", "a,b\n1,2\n")],
        c.tmp / "t" / "train.csv",
        "lacks column",
    ),
    "inspect non-UTF-8 csv": lambda c: (
        ["data", "inspect", c.file("u/train.csv", NOT_UTF8)],
        c.tmp / "u" / "train.csv",
        "not UTF-8",
    ),
    "prepare negative workers": lambda c: (
        ["data", "prepare", SIGNS, "--out", c.tmp / "o", "--workers", -3],
        "--workers:",
        "greater than or equal to 1",
    ),
    "prepare unknown dtype": lambda c: (
        ["data", "prepare", SIGNS, "--out", c.tmp / "o", "--dtype", "int8"],
        "--dtype:",
        "float16",
    ),
    "prepare folder without csv": lambda c: (
        ["data", "prepare", c.file("d/x.txt", "") and c.tmp / "d", "--out", c.tmp / "o"],
        c.tmp / "d" / "train.csv",
        "no such file",
    ),
    "prepare wrong task": lambda c: (
        ["data", "prepare", SIGNS, "--out", c.tmp / "o", "--task", "fingerspelling"],
        SIGNS,
        "not fingerspelling",
    ),
    "prepare infinite coordinates": lambda c: (
        ["data", "prepare", c.dataset(infinite_x), "--out", c.tmp / "o"],
        c.changed,
        "infinite coordinate",
    ),
    "prepare out is a file": lambda c: (
        ["data", "prepare", SIGNS, "--out", c.file("taken", "x")],
        c.tmp / "taken",
        "a file is in the way",
    ),
    "compose non-UTF-8 phrases": lambda c: (
        ["data", "compose", LETTERS, "--phrases", c.file("p.txt", NOT_UTF8), "--out", c.tmp / "c"],
        c.tmp / "p.txt",
        "not UTF-8",
    ),
    "compose missing phrases": lambda c: (
        ["data", "compose", LETTERS, "--phrases", c.tmp / "none.txt", "--out", c.tmp / "c"],
        c.tmp / "none.txt",
        "not found",
    ),
    "compose letter without pose": lambda c: (
        ["data", "compose", LETTERS, "--phrases", c.file("p.txt", "abc 9\n"), "--out", c.tmp / "c"],
        c.tmp / "p.txt",
        "line 1",
    ),
    "train missing config": lambda c: (["train", c.tmp / "none.yaml"], c.tmp / "none.yaml", "not found"),
    "train unparsable config": lambda c: (
        ["train", c.file("bad.yaml", "a: [1,\n")],
        c.tmp / "bad.yaml",
        "cannot parse",
    ),
    "train unknown key": lambda c: (
        ["train", toy_config(c.tmp), "--set", "optim.lrr=1"],
        c.tmp / "toy.yaml",
        "unknown config key 'optim.lrr'",
    ),
    "train malformed --set YAML": lambda c: (
        ["train", SIGNS_CONFIG, "--set", "model.widths=[64,64"],
        SIGNS_CONFIG,
        "not a YAML value",
    ),
    "train --set without =": lambda c: (
        ["train", toy_config(c.tmp), "--set", "optim.lr"],
        c.tmp / "toy.yaml",
        "key=value",
    ),
    "train negative batch size": lambda c: (
        ["train", SIGNS_CONFIG, "--set", "data.batch_size=-4"],
        SIGNS_CONFIG,
        "batch_size",
    ),
    "train fold out of range": lambda c: (
        ["train", SIGNS_CONFIG, "--fold", 7],
        SIGNS_CONFIG,
        "fold must be -1",
    ),
    "train negative weight decay": lambda c: (
        ["train", SIGNS_CONFIG, "--set", "optim.weight_decay=-1"],
        SIGNS_CONFIG,
        "weight_decay",
    ),
    "train wrong type": lambda c: (
        ["train", SIGNS_CONFIG, "--set", "optim.lr=fast"],
        SIGNS_CONFIG,
        "optim.lr",
    ),
    "train zero threads": lambda c: (
        ["train", SIGNS_CONFIG, "--threads", 0],
        "--threads:",
        "greater than or equal to 1",
    ),
    "train resume without checkpoint": lambda c: (
        ["train", toy_config(c.tmp), "--run-dir", c.tmp / "new", "--resume"],
        c.tmp / "new",
        "nothing to resume",
    ),
    "train unknown option": lambda c: (["train", SIGNS_CONFIG, "--bogus"], "No such option", "--bogus"),
    "evaluate zero batch size": lambda c: (
        ["evaluate", c.toy_run, "--data", c.tmp, "--batch-size", 0],
        "--batch-size:",
        "greater than or equal to 1",
    ),
    "evaluate missing checkpoint": lambda c: (
        ["evaluate", c.tmp / "run", "--data", c.tmp],
        c.tmp / "run",
        "no such file or bundled model",
    ),
    "evaluate truncated weights": lambda c: (
        ["evaluate", c.truncated_checkpoint(), "--data", c.tmp],
        c.tmp / "truncated" / "model.safetensors",
        "corrupt checkpoint weights",
    ),
    "soup truncated checkpoint": lambda c: (
        ["soup", c.toy_run / "checkpoint", c.truncated_checkpoint(), "--out", c.tmp / "s"],
        c.tmp / "truncated" / "model.safetensors",
        "corrupt checkpoint weights",
    ),
    "soup of one": lambda c: (
        ["soup", c.toy_run / "checkpoint", "--out", c.tmp / "s"],
        c.toy_run / "checkpoint",
        "two",
    ),
    "model unknown --set key": lambda c: (
        ["model", SIGNS_CONFIG, "--set", "foo=1"],
        SIGNS_CONFIG,
        "only model.*",
    ),
    "model unknown model key": lambda c: (
        ["model", SIGNS_CONFIG, "--set", "model.foo=1"],
        SIGNS_CONFIG,
        "model.foo",
    ),
    "predict infinite coordinates": lambda c: (
        ["predict", c.signs_checkpoint, c.clip("inf.parquet", infinite_x)],
        c.tmp / "inf.parquet",
        "infinite coordinate",
    ),
    "predict nothing detected": lambda c: (
        ["predict", c.signs_checkpoint, c.clip("nan.parquet", no_detection)],
        c.tmp / "nan.parquet",
        "no detected landmark",
    ),
    "predict bad label map": lambda c: (
        ["predict", c.signs_checkpoint, CLIP, "--labels", c.file("labels.json", NOT_UTF8)],
        c.tmp / "labels.json",
        "not valid JSON",
    ),
    # a bad option: the line names it, ``error: --option: problem``
    "export bad lengths": lambda c: (
        _export(c, "--format", "tflite", "--lengths", "a,b"),
        "--lengths:",
        "frame counts",
    ),
    "export zero length": lambda c: (
        _export(c, "--format", "tflite", "--lengths", "0,64"),
        "--lengths:",
        "positive",
    ),
    "export unknown format": lambda c: (_export(c, "--format", "coreml"), "--format:", "coreml"),
    "export unknown precision": lambda c: (_export(c, "--precision", "fp8"), "--precision:", "fp8"),
    "export unknown variant": lambda c: (_export(c, "--variant", "beam"), "--variant:", "beam"),
    "export unknown route": lambda c: (
        _export(c, "--format", "tflite", "--route", "tfjs"),
        "--route:",
        "tfjs",
    ),
    "export tflite stepwise": lambda c: (
        _export(c, "--format", "tflite", "--variant", "stepwise"),
        "--variant:",
        "unrolled graph only",
    ),
    "export signs --kaggle": lambda c: (_export(c, "--kaggle"), "--kaggle:", "fingerspelling"),
    "predict unknown precision": lambda c: (
        ["predict", c.signs_checkpoint, CLIP, "--precision", "fp8"],
        "--precision:",
        "fp8",
    ),
    "extract bad shard": lambda c: (
        ["extract", c.tmp, "--out", c.tmp / "x", "--shard", "3/3"],
        "--shard:",
        "K/N",
    ),
    "extract unknown format": lambda c: (
        ["extract", c.tmp, "--out", c.tmp / "x", "--format", "mp4"],
        "--format:",
        "mp4",
    ),
    "live camera and video": lambda c: (
        ["live", c.signs_checkpoint, "--camera", 0, "--video", CLIP],
        "--camera/--video:",
        "not both",
    ),
    "compose bad frames block": lambda c: (
        [
            "data",
            "compose",
            LETTERS,
            "--phrases",
            c.file("p.txt", "abc\n"),
            "--out",
            c.tmp / "c",
            "--frames-block",
            "mid",
        ],
        "--frames-block:",
        "first, last, all or a:b",
    ),
    "prepare unknown task": lambda c: (
        ["data", "prepare", SIGNS, "--out", c.tmp / "o", "--task", "poses"],
        "--task:",
        "fingerspelling, signs",
    ),
    "translate negative rest": lambda c: (
        ["translate", c.signs_checkpoint, CLIP, "--min-rest", -1],
        "--min-rest:",
        "greater than or equal to 0",
    ),
    "serve port out of range": lambda c: (["serve", c.signs_checkpoint, "--port", 70000], "--port:", "65535"),
}


def _export(c: Context, *options) -> list:
    return ["export", c.signs_checkpoint, "--out", c.tmp / "e", *options]


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_is_one_line_and_exit_2(case, tmp_path, toy_run, signs_checkpoint, signa):
    args, path, word = CASES[case](Context(tmp_path, toy_run, signs_checkpoint))
    code, _, err = signa(*args)
    assert_one_error_line(code, err, path, word)


def test_the_table_covers_at_least_50_kinds():
    assert len(CASES) >= 50
