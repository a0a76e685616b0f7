"""The bundled models: names resolve, the files are what the cards say, and the cards' figures come back.

The reproduction tests re-run each card's evaluation on the real data (the fingerspelling one on its
composed held-out set, re-created from the repo's samples; the sign models on ../shared/data).
"""

import glob
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import safetensors

import signa
from signa import bundled
from signa.bundled import MODELS_DIR, bundled_model, bundled_models, render_models, resolve_model
from signa.errors import SignaError
from signa.evaluate.evaluate import evaluate_checkpoint
from signa.infer.reproduce import composed_held_out, reference_videos
from signa.models.checkpoint import load_model

NAMES = ["asl-fingerspelling", "asl-signs", "lsm"]
BUNDLE_FILES = {"model.safetensors", "config.json", "card.md", "card.json"}


def test_the_three_models_are_bundled():
    assert [model.name for model in bundled_models()] == NAMES


def test_an_existing_path_wins_over_a_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "lsm").mkdir()
    assert resolve_model("lsm") == tmp_path.joinpath("lsm").relative_to(tmp_path)
    assert resolve_model(tmp_path / "lsm") == tmp_path / "lsm"


def test_a_folder_that_hides_a_bundled_model_says_so(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "lsm").mkdir()
    with pytest.raises(SignaError) as error:
        signa.load_model("lsm")
    assert str(error.value).startswith("lsm: not a SIGNA checkpoint: config.json is missing; a bundled model")
    assert str(MODELS_DIR / "lsm") in str(error.value)
    (tmp_path / "other").mkdir()
    with pytest.raises(SignaError) as error:
        signa.load_model("other")
    assert "bundled" not in str(error.value)


def leftover_models_dir(root: Path) -> Path:
    """A copy of the lsm bundle with what an interrupted bundling leaves: hidden folders, training state."""
    models = root / "signa" / "assets" / "models"
    shutil.copytree(MODELS_DIR / "lsm", models / "lsm")
    shutil.copytree(MODELS_DIR / "lsm", models / ".lsm.new")
    shutil.copytree(MODELS_DIR / "lsm", models / ".lsm.old")
    (models / "lsm" / "train_state.pt").write_bytes(b"not shipped")
    return models


def test_hidden_and_incomplete_folders_are_no_models(tmp_path, monkeypatch):
    models = leftover_models_dir(tmp_path)
    (models / "half").mkdir()
    shutil.copyfile(MODELS_DIR / "lsm" / "config.json", models / "half" / "config.json")
    monkeypatch.setattr(bundled, "MODELS_DIR", models)
    monkeypatch.chdir(tmp_path)
    assert [model.name for model in bundled_models()] == ["lsm"]
    for name in (".lsm.new", ".lsm.old", "half"):
        with pytest.raises(SignaError, match=r"no such file or bundled model \(known: lsm\)"):
            resolve_model(name)


def test_the_wheel_ships_complete_bundles_only(tmp_path):
    """pyproject.toml's package-data globs, applied as setuptools does (glob, relative to the package)."""
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    models = leftover_models_dir(tmp_path)
    pyproject = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = pyproject["tool"]["setuptools"]["package-data"]["signa"]
    package = tmp_path / "signa"
    shipped = {
        Path(f).relative_to(models)
        for p in patterns
        for f in glob.glob(str(package / p))
        if Path(f).is_file()
    }
    assert shipped == {Path("lsm") / name for name in bundled.BUNDLE_FILES}


@pytest.mark.parametrize("name", NAMES)
def test_bundled_configs_hold_no_machine_path(name):
    def strings(value):
        if isinstance(value, dict):
            return [s for item in value.values() for s in strings(item)]
        if isinstance(value, list):
            return [s for item in value for s in strings(item)]
        return [value] if isinstance(value, str) else []

    config = json.loads((MODELS_DIR / name / "config.json").read_text(encoding="utf-8"))
    absolute = [
        s for s in strings(config) if Path(s).is_absolute() or s[1:3] in (":/", ":\\") or "/work/" in s
    ]
    assert absolute == []


def test_a_name_resolves_to_its_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert resolve_model("lsm") == MODELS_DIR / "lsm"


def test_an_unknown_name_is_one_error_listing_the_known_ones(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SignaError) as error:
        resolve_model("lsn")
    assert str(error.value) == f"lsn: no such file or bundled model (known: {', '.join(NAMES)})"
    with pytest.raises(SignaError, match="known: asl-fingerspelling"):
        bundled_model("lsn")


@pytest.mark.parametrize("name", NAMES)
def test_weights_are_safetensors_under_10_mb_and_nothing_else_ships(name):
    folder = MODELS_DIR / name
    assert {p.name for p in folder.iterdir()} == BUNDLE_FILES  # no train_state.pt, no pickle
    with safetensors.safe_open(folder / "model.safetensors", framework="pt") as weights:
        assert len(list(weights.keys())) > 0
    assert bundled_model(name).size_bytes() < 10_000_000


@pytest.mark.parametrize("name", NAMES)
def test_the_card_describes_these_weights(name):
    card = bundled_model(name).card
    model, config = load_model(MODELS_DIR / name)
    assert card["parameters"] == sum(p.numel() for p in model.parameters())
    assert card["task"] == config["task"] == signa.load_model(name).task
    labels = config["labels"] if config["task"] == "signs" else config["vocab"]
    assert card["labels"] == len(labels)
    assert card["seeds"]["bundled"] in card["seeds"]["trained"]
    assert sorted(card["seeds"]["per_seed"]) == sorted(str(seed) for seed in card["seeds"]["trained"])


@pytest.mark.parametrize(
    ("name", "licences"),
    [("asl-fingerspelling", ["MIT", "CC BY 4.0"]), ("asl-signs", ["CC BY 4.0"]), ("lsm", ["MIT"])],
)
def test_the_cards_name_their_data_licences(name, licences):
    model = bundled_model(name)
    text = model.card_path.read_text(encoding="utf-8")
    assert "## Licence of the data" in text and "## Limits" in text and "## Intended use" in text
    for licence in licences:
        assert licence in model.card["data"]["licence"] and licence in text


def test_models_table_lists_every_model():
    rows = [model.summary() for model in bundled_models()]
    json.dumps(rows)
    table = render_models(rows)
    for row in rows:
        assert row["name"] in table and str(row["card"]) in table
        assert 0 < row["size_bytes"] < 10_000_000


def test_fingerspelling_card_subset_is_reproduced():
    """The first 100 held-out composed sequences (about 10-20 s); the whole 300 run with -m slow."""
    card = bundled_model("asl-fingerspelling").card
    check = card["checks"]["ci_subset"]
    scored = composed_held_out("asl-fingerspelling", limit=check["first"])
    assert scored.score == pytest.approx(check["value"], abs=card["headline"]["tolerance"])


@pytest.mark.slow
def test_fingerspelling_card_headline_is_reproduced():
    card = bundled_model("asl-fingerspelling").card
    scored = composed_held_out("asl-fingerspelling")
    assert scored.n == 300
    assert scored.score == pytest.approx(card["headline"]["value"], abs=card["headline"]["tolerance"])


def test_asl_signs_card_held_out_fold_is_reproduced(shared_data):
    card = bundled_model("asl-signs").card
    fold = card["checks"]["held_out_fold"]["fold"]
    result = evaluate_checkpoint("asl-signs", shared_data / "asl-signs", fold=fold, threads=1)
    check = card["checks"]["held_out_fold"]
    assert result.score == pytest.approx(check["value"], abs=check["tolerance"] + 1e-9)


def test_asl_signs_headline_is_the_cross_validation_beside_its_baselines():
    """The headline is every run's mean, not the bundled run's fold; it says if the baseline is beaten."""
    card = bundled_model("asl-signs").card
    (cross_validation,) = card["spread"].values()
    assert card["headline"]["value"] == pytest.approx(np.mean(cross_validation["values"]))
    assert card["headline"]["runs"] == len(cross_validation["values"]) == 12
    baseline = card["baselines"]["logistic regression on hand statistics (signa.evaluate.sign_baseline)"]
    text = bundled_model("asl-signs").card_path.read_text(encoding="utf-8")
    beaten = card["headline"]["value"] > baseline["mean"] + baseline["std"]
    assert ("does not beat" in text) != beaten
    assert f"majority class: {card['baselines']['majority class']:.3f}" in text
    assert f"held-out fold {card['checks']['held_out_fold']['fold']}" in text


@pytest.mark.parametrize("name", NAMES)
def test_cards_give_sample_std_and_the_cpu(name):
    card = bundled_model(name).card
    text = bundled_model(name).card_path.read_text(encoding="utf-8")
    figures = [
        *card["spread"].values(),
        *(f for f in card.get("baselines", {}).values() if isinstance(f, dict)),
    ]
    for figure in figures:
        assert figure["std"] == pytest.approx(np.std(figure["values"], ddof=1))
    assert "mean ± sample std over" in text and " ± std" not in text
    assert (
        f"on {card['made']['cpu']} ({card['made']['cores']} cores)" in text and "on 2 CPU cores" not in text
    )


def test_lsm_card_figures_are_reproduced(shared_data):
    card = bundled_model("lsm").card
    result = evaluate_checkpoint("lsm", shared_data / "lsm-msl150" / "sample_npy", threads=1)
    assert result.score == pytest.approx(card["headline"]["value"], abs=1e-9)
    videos = sorted(glob.glob(str(shared_data / "videos" / "*_001.parquet")))
    rows = reference_videos("lsm", videos)
    expected = card["checks"]["reference_videos"]
    assert [(r["file"], r["predicted"]) for r in rows] == [(r["file"], r["predicted"]) for r in expected]
    assert [r["confidence"] for r in rows] == pytest.approx([r["confidence"] for r in expected], abs=1e-3)


def test_every_model_entry_point_takes_a_name(tmp_path, monkeypatch):
    from signa.infer.web.model import served_model
    from signa.models.checkpoint import checkpoint_folder
    from signa.models.summary import model_from_spec

    monkeypatch.chdir(tmp_path)
    assert checkpoint_folder("asl-signs") == MODELS_DIR / "asl-signs"  # evaluate, export, soup
    assert served_model("lsm").path == MODELS_DIR / "lsm"  # serve
    assert model_from_spec("asl-signs")[1] == "islr6"  # signa model
    # predict, translate, live
    assert signa.load_model("asl-fingerspelling").path == MODELS_DIR / "asl-fingerspelling"
