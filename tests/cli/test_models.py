"""``signa models`` and bundled model names on the command line."""

import json

import pytest

from cli_runner import run_cli
from signa.bundled import MODELS_DIR, bundled_model

NAMES = ["asl-fingerspelling", "asl-signs", "lsm"]


def test_models_lists_the_bundled_models(monkeypatch, capsys):
    code, out, _ = run_cli(monkeypatch, capsys, "models")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split()[:5] == ["name", "task", "labels", "parameters", "size"]
    for name in NAMES:
        card = bundled_model(name).card
        row = next(line for line in lines if line.startswith(name + " "))
        assert (
            card["task"] in row
            and f"{card['parameters']:,}" in row
            and f"{card['headline']['value']:.3f}" in row
        )
        assert f"{name}: {MODELS_DIR / name / 'card.md'}" in lines


def test_models_json(monkeypatch, capsys):
    code, out, _ = run_cli(monkeypatch, capsys, "models", "--json")
    assert code == 0
    rows = json.loads(out)
    assert [row["name"] for row in rows] == NAMES
    for row in rows:
        assert set(row) == {
            "name",
            "task",
            "description",
            "labels",
            "parameters",
            "size_bytes",
            "headline",
            "card",
        }
        assert row["headline"]["value"] == bundled_model(row["name"]).card["headline"]["value"]


def test_model_accepts_a_bundled_name(monkeypatch, capsys):
    code, out, _ = run_cli(monkeypatch, capsys, "model", "lsm", "--json")
    assert code == 0
    assert json.loads(out)["parameters"]["total"] == bundled_model("lsm").card["parameters"]


def test_predict_accepts_a_bundled_name(monkeypatch, capsys, tmp_path):
    from signa.data.compose import held_out_sequences
    from signa.data.writers import write_kaggle_wide

    sequence = held_out_sequences(limit=1)[0]
    write_kaggle_wide(tmp_path / "one.parquet", {0: sequence.landmarks})
    code, out, err = run_cli(monkeypatch, capsys, "predict", "asl-fingerspelling", tmp_path / "one.parquet")
    assert code == 0, err
    assert out.startswith(f"{tmp_path / 'one.parquet'}: '")


@pytest.mark.parametrize("command", [["predict", "lsn", "x.parquet"], ["evaluate", "lsn", "--data", "x"]])
def test_an_unknown_model_name_is_one_line(monkeypatch, capsys, tmp_path, command):
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli(monkeypatch, capsys, *command)
    assert code == 2 and out == ""
    assert err == f"error: lsn: no such file or bundled model (known: {', '.join(NAMES)})\n"


def test_a_folder_hiding_a_bundled_model_is_one_line_naming_it(monkeypatch, capsys, tmp_path):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "lsm").mkdir()
    code, out, err = run_cli(monkeypatch, capsys, "evaluate", "lsm", "--data", "x")
    assert code == 2 and out == ""
    assert err.startswith("error: lsm: not a SIGNA checkpoint: config.json is missing; a bundled model")
    assert err.count("\n") == 1 and str(MODELS_DIR / "lsm") in err
