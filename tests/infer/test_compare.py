"""``signa compare`` at CI size: three configs (attention, CTC, joint) × two seeds on a few phrases
composed from real letter handshapes, one epoch. Checks the table's plumbing, the identical step
budget, resuming and refusals, not the scores (docs/comparison.md has the real run)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
import yaml

import signa.train.loop
from cli_runner import run_cli
from composed_data import compose_comparison_data
from signa.errors import SignaError
from signa.infer.compare import CompareOptions, compare, markdown

REPO = Path(__file__).resolve().parents[2]
CONFIGS = REPO / "configs" / "fingerspelling"
TINY = (
    *("train.epochs=1", "data.batch_size=8", "model.dim=32", "model.max_phrase=8", "model.max_len=64"),
    *("model.encoder.layers=1", "model.encoder.conv_kernel=5", "model.decoder.layers=1"),
    "model.decoder.ffn_dim=32",
)


@pytest.fixture(scope="module")
def composed(tmp_path_factory, shared_data) -> Path:
    folder = tmp_path_factory.mktemp("composed")
    compose_comparison_data(folder, 24, 8, 6, shared_data)
    return folder


@pytest.fixture(scope="module")
def configs(tmp_path_factory) -> list[Path]:
    joint = yaml.safe_load((CONFIGS / "composed-small.yaml").read_text())
    joint["model"]["heads"] = ["attention", "ctc"]
    path = tmp_path_factory.mktemp("configs") / "joint.yaml"
    path.write_text(yaml.safe_dump(joint))
    return [CONFIGS / "composed-small.yaml", CONFIGS / "ctc.yaml", path]


def options_for(data: Path, out: Path) -> CompareOptions:
    recipe = CONFIGS / "composed-small.yaml"
    return CompareOptions(data, out, recipe, seeds=2, overrides=TINY, repeats=1, frames=(16,), beam=2)


@pytest.fixture(scope="module")
def compared(composed, configs, tmp_path_factory) -> tuple[CompareOptions, dict]:
    options = options_for(composed, tmp_path_factory.mktemp("compare"))
    return options, compare(configs, options)


def test_every_row_is_trained_alike_scored_and_measured(compared):
    options, result = compared
    names = [row["config"] for row in result["rows"]]
    assert names == ["composed-small", "ctc", "joint", "joint + CTC rescoring"]
    assert {row["steps"] for row in result["rows"]} == {3}  # 24 phrases, batch 8, one epoch
    assert "model.dim=32" in result["overrides"] and result["seeds"] == 2
    for row in result["rows"]:
        assert len(row["scores"]) == 2 and all(s <= 1 for s in row["scores"])
        assert row["parameters"] > 0 and row["train_samples_per_s"] > 0
    for row in result["rows"][:3]:
        assert row["onnx_mb"] > 0 and min(row["pytorch_ms_16"], row["onnx_ms_16"]) > 0
    assert json.loads((options.out / "compare.json").read_text()) == result
    table = (options.out / "compare.md").read_text().splitlines()
    assert len(table) == 6 and table[0].startswith("| config | score (mean ± std)")
    assert table[-1].endswith("| — | — | — |")  # rescoring is not exported


def test_a_rerun_redoes_only_the_unfinished_seed(compared, configs, monkeypatch):
    options, first = compared
    calls = []
    real_train = signa.train.loop.train
    monkeypatch.setattr(signa.train.loop, "train", lambda *a, **k: calls.append(a[1]) or real_train(*a, **k))
    (options.out / "runs" / "ctc-seed1" / "result.json").unlink()
    (options.out / "runs" / "ctc-seed1" / "checkpoint" / "model.safetensors").unlink()  # half-written
    again = compare(configs, options)
    assert [Path(run).name for run in calls] == ["ctc-seed1"]
    assert [r["config"] for r in again["rows"]] == [r["config"] for r in first["rows"]]
    assert again["rows"][0] == first["rows"][0]


def test_a_rerun_with_other_settings_is_refused(compared, configs):
    options, _ = compared
    changed = dataclasses.replace(options, overrides=(*TINY, "optim.lr=0.01"))
    with pytest.raises(SignaError, match="cannot resume: optim.lr is 0.01 here but the run used 0.003"):
        compare(configs, changed)


def test_bad_inputs_fail_before_anything_trains(composed, configs, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("model:\n  arch: fingerspelling\n  encoder: {layerz: 2}\n")
    options = options_for(composed, tmp_path / "out")
    with pytest.raises(SignaError, match="layerz") as error:
        compare([configs[0], bad], options)
    assert error.value.path == str(bad) and not (tmp_path / "out").exists()
    with pytest.raises(SignaError, match="data_train/ and data_eval/"):
        compare(configs, options_for(tmp_path, tmp_path / "out"))
    with pytest.raises(SignaError, match="share a name"):
        compare([configs[0], configs[0]], options)


def test_markdown_marks_what_a_row_lacks():
    row = {"config": "x + CTC rescoring", "mean": 0.5, "std": 0.01, "parameters": 1234}
    table = markdown({"frames": [128], "rows": [row | {"train_samples_per_s": 9.6}]})
    assert table.splitlines()[-1] == "| x + CTC rescoring | 0.500 ± 0.010 | 1,234 | 10 | — | — | — |"


def test_the_command_prints_one_line_for_a_bad_config(composed, tmp_path, monkeypatch, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("model: [not, a, mapping]\n")
    code, out, err = run_cli(monkeypatch, capsys, "compare", bad, "--data", composed, "--out", tmp_path / "o")
    assert code == 2 and out == ""
    assert err.strip() == f"error: {bad}: a compared config needs a model section"
