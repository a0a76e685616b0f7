"""The isolated-sign task: each training trick alone, the mean teacher, distillation, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from signa.data.layout import GROUP_SLICES
from signa.data.vocab import LabelMap
from signa.data.writers import write_kaggle_long
from signa.errors import SignaError
from signa.models.registry import build_model
from signa.train.config import experiment_from_dict
from signa.train.signs import SignsTask
from signa.train.signs_losses import ManifoldMix
from signa.train.task import Progress

TINY = {"arch": "islr6", "n_classes": 3, "max_len": 10, "dense_dim": 16, "widths": [32, 48, 32], "heads": 4}
SIGNS = ("apple", "bird", "cat")


def write_dataset(root: Path, signs=SIGNS, signers=4, per_sign=2, seed=0) -> Path:
    """A tiny Kaggle-layout asl-signs folder of random sequences with hands."""
    rng = np.random.default_rng(seed)
    rows = ["path,participant_id,sequence_id,sign"]
    for signer in range(signers):
        for s, sign in enumerate(signs):
            for k in range(per_sign):
                landmarks = rng.normal(0.5, 0.1, size=(int(rng.integers(6, 14)), 543, 3)).astype(np.float32)
                landmarks[:, GROUP_SLICES["left_hand"], 0] += 0.1 * s
                sequence_id = f"{signer}{s}{k}"
                relative = f"train_landmark_files/{signer}/{sequence_id}.parquet"
                (root / relative).parent.mkdir(parents=True, exist_ok=True)
                write_kaggle_long(root / relative, landmarks)
                rows.append(f"{relative},{signer},{sequence_id},{sign}")
    (root / "train.csv").write_text("\n".join(rows) + "\n")
    mapping = {sign: i for i, sign in enumerate(SIGNS)}
    (root / "sign_to_prediction_index_map.json").write_text(json.dumps(mapping))
    return root


def make_task(tmp_path, options=None, train="", **data) -> SignsTask:
    config = {
        "task": "signs",
        "model": TINY,
        "data": {"train": str(train), "cache": str(tmp_path / "cache"), "batch_size": 4, **data},
        "train": {"epochs": 10},
        "options": options or {},
    }
    return SignsTask(experiment_from_dict(config))


def batch(views=1, size=6, frames=8, seed=0):
    g = torch.Generator().manual_seed(seed)
    mask = torch.ones(views, size, frames, dtype=torch.bool)
    mask[:, 0, 5:] = False
    return {
        "points": torch.randn(views, size, frames, 100, 3, generator=g) * mask[..., None, None],
        "mask": mask,
        "label": torch.arange(size) % 3,
        "sequence_id": [f"s{i}" for i in range(size)],
    }


# -- the tricks, one by one ----------------------------------------------------------------------


def test_mix_applies_before_the_chosen_layer():
    model = build_model("islr6", {k: v for k, v in TINY.items() if k != "arch"}).eval()
    b = batch()
    identity = ManifoldMix(0, torch.arange(6), torch.ones(6))
    with torch.no_grad():
        plain = model(b["points"][0], b["mask"][0])
        assert torch.allclose(model(b["points"][0], b["mask"][0], identity), plain, atol=1e-6)
        swapped = ManifoldMix(1, torch.arange(6).roll(1), torch.zeros(6))
        assert not torch.allclose(model(b["points"][0], b["mask"][0], swapped), plain)


# -- the task's training step --------------------------------------------------------------------


def labelled_task(tmp_path, options=None) -> SignsTask:
    labels = tmp_path / "labels.json"
    labels.write_text(json.dumps({s: i for i, s in enumerate(SIGNS)}))
    task = make_task(tmp_path, options, labels=str(labels))
    task.models = task.build_models()
    return task


@pytest.mark.parametrize(
    "options, views, logged",
    [
        ({"mean_teacher": False, "mixup_p": 0.0}, 1, {"ce", "mixup"}),
        ({"mean_teacher": True, "mixup_p": 1.0}, 2, {"ce", "mixup", "consistency"}),
        (
            {"mean_teacher": True, "teacher_model": {"dense_dim": 24, "widths": [32, 64, 32]}},
            3,
            {"ce", "mixup", "consistency", "distilled_ce", "distilled_consistency"},
        ),
        ({"mean_teacher": False, "teacher_model": {"dense_dim": 24}}, 2, {"ce", "mixup", "distilled_ce"}),
    ],
)
def test_training_step_for_each_switch(tmp_path, options, views, logged):
    task = labelled_task(tmp_path, options)
    assert task._views() == views
    loss, logs = task.training_step(task.models, batch(views), Progress(0, 3, 100))
    assert torch.isfinite(loss) and logged <= set(logs)
    loss.backward()
    for name in task.trainable():
        assert any(p.grad is not None for p in task.models[name].parameters())
    if "teacher" in task.models:
        assert all(p.grad is None for p in task.models["teacher"].parameters())


def test_mixup_one_always_mixes_and_zero_never(tmp_path):
    for p, expected in ((1.0, 1.0), (0.0, 0.0)):
        task = labelled_task(tmp_path, {"mean_teacher": False, "mixup_p": p})
        _, logs = task.training_step(task.models, batch(), Progress(0, 0, 100))
        assert float(logs["mixup"]) == expected


def test_mean_teacher_warm_starts_and_averages_batchnorm_statistics(tmp_path):
    task = labelled_task(tmp_path, {"mean_teacher": True})
    student, teacher = task.models["model"], task.models["teacher"]
    with torch.no_grad():
        for p in student.parameters():
            p.add_(1.0)
        student.full_mlp[1].running_mean.fill_(4.0)
    before = teacher.classifier.bias.clone()
    task.after_optimizer_step(Progress(0, 1, 100))  # decay min(1 - 1/2, 0.97) = 0.5
    assert torch.allclose(teacher.classifier.bias, before + 0.5)
    assert torch.allclose(teacher.full_mlp[1].running_mean, torch.full((16,), 2.0))
    task.after_optimizer_step(Progress(0, 1000, 2000))  # decay 0.97
    assert torch.allclose(teacher.full_mlp[1].running_mean, torch.full((16,), 2.0 * 0.97 + 4.0 * 0.03))


def test_distillation_saves_the_small_model(tmp_path):
    task = labelled_task(tmp_path, {"teacher_model": {"dense_dim": 24, "widths": [32, 64, 32]}})
    assert set(task.models) == {"model", "student", "teacher"}
    assert task.inference_model() is task.models["model"]
    assert task.models["teacher"].config.dense_dim == 24 and task.models["model"].config.dense_dim == 16
    assert task.trainable() == ["model", "student"]


# -- data and bad input --------------------------------------------------------------------------


def test_datasets_are_signer_independent(tmp_path):
    root = write_dataset(tmp_path / "signs")
    task = make_task(tmp_path, train=root, fold=1, n_folds=2)
    train, valid = task.build_datasets()
    train_signers = {train.signer(i) for i in range(len(train))}
    valid_signers = {valid.signer(i) for i in range(len(valid))}
    assert train_signers and valid_signers and not train_signers & valid_signers
    sample = train[0]
    assert len(sample["points"]) == 2 and sample["points"][0].shape[1:] == (100, 3)
    collated = task.collate([train[0], train[1]])
    assert collated["points"].shape[:2] == (2, 2) and collated["mask"].shape[:2] == (2, 2)


def test_unknown_sign_in_the_csv_is_an_error(tmp_path):
    root = write_dataset(tmp_path / "signs", signs=("apple", "dragon"), signers=2, per_sign=1)
    task = make_task(tmp_path, train=root)
    with pytest.raises(SignaError, match="unknown sign 'dragon'") as err:
        task.build_datasets()
    assert "train.csv" in str(err.value)


def test_label_map_that_does_not_match_the_checkpoint_is_an_error(tmp_path):
    root = write_dataset(tmp_path / "signs", signers=2, per_sign=1)
    (root / "sign_to_prediction_index_map.json").write_text(json.dumps({"apple": 0, "bird": 1, "dog": 2}))
    task = make_task(tmp_path)
    task.check_checkpoint_meta({"task": "signs", "labels": {s: i for i, s in enumerate(SIGNS)}}, tmp_path)
    with pytest.raises(SignaError, match="does not match the checkpoint.*'dog'"):
        task.eval_dataset(root)
    with pytest.raises(SignaError, match="no label map"):
        task.check_checkpoint_meta({"task": "signs"}, tmp_path)


def test_a_subset_label_map_in_another_order_is_matched_by_name(tmp_path):
    root = write_dataset(tmp_path / "signs", signs=("cat", "apple"), signers=2, per_sign=1)
    (root / "sign_to_prediction_index_map.json").write_text(json.dumps({"cat": 0, "apple": 1}))
    task = make_task(tmp_path)
    task.check_checkpoint_meta({"task": "signs", "labels": {s: i for i, s in enumerate(SIGNS)}}, tmp_path)
    dataset = task.eval_dataset(root)
    assert sorted(set(dataset.labels.tolist())) == [0, 2]


def test_model_size_must_match_the_label_map(tmp_path):
    labels = tmp_path / "labels.json"
    labels.write_text(json.dumps({"apple": 0, "bird": 1}))
    task = make_task(tmp_path, labels=str(labels))
    with pytest.raises(SignaError, match="n_classes is 3 but the label map has 2"):
        task.build_models()


def test_n_classes_left_out_comes_from_the_label_map(tmp_path):
    labels = tmp_path / "labels.json"
    labels.write_text(json.dumps({"apple": 0, "bird": 1, "cat": 2, "dog": 3, "egg": 4, "fig": 5, "gum": 6}))
    task = make_task(tmp_path, labels=str(labels))
    task = SignsTask(task.experiment.replace(model={**task.experiment.model, "n_classes": None}))
    assert task.build_models()["model"].classifier.out_features == 7


def test_evaluation_records_summary_and_report(tmp_path):
    task = labelled_task(tmp_path, {"mean_teacher": False})
    records = task.evaluation_records(task.models["model"].eval(), batch())
    metrics = task.summarize(records)
    # 3 signs: every sign is in the top 5, so no top-5 accuracy is reported; counts are integers
    assert set(metrics) == {"accuracy", "sequences"} and metrics["sequences"] == len(records)
    assert isinstance(metrics["sequences"], int)
    task.write_report(records, metrics, tmp_path)
    lines = (tmp_path / "confusion_matrix.csv").read_text().splitlines()
    assert lines[0] == "true \\ predicted,apple,bird,cat" and len(lines) == 4
    assert sum(int(v) for line in lines[1:] for v in line.split(",")[1:]) == 6


@pytest.mark.parametrize(
    "name, distilled, teacher",
    [("islr6-len25", 9_819_298, 35_143_010), ("islr6-len80", 6_943_394, 13_688_418)],
)
def test_shipped_configs_build_the_reference_sizes(name, distilled, teacher):
    from signa.train.config import load_experiment

    experiment = load_experiment(f"configs/signs/{name}.yaml")
    task = SignsTask(experiment)
    task.labels = LabelMap(tuple(f"sign{i}" for i in range(250)))
    task.models = task.build_models()
    sizes = {k: sum(p.numel() for p in m.parameters()) for k, m in task.models.items()}
    assert sizes == {"model": distilled, "student": teacher, "teacher": teacher}
    assert task._views() == 3 and task.trainable() == ["model", "student"]


def test_resumed_signs_run_with_mean_teacher_ends_with_the_same_weights(tmp_path, monkeypatch):
    """Evaluating and saving measure BatchNorm statistics and put the running ones back, so training,
    the teacher's average included, goes on exactly as it would have (synthetic data, 12 steps)."""
    import safetensors.torch

    from signa.train import loop

    root = write_dataset(tmp_path / "signs")
    config = {
        "task": "signs",
        "model": TINY,
        "data": {
            "train": str(root),
            "cache": str(tmp_path / "cache"),
            "batch_size": 4,
            "fold": 0,
            "n_folds": 2,
        },
        "train": {"epochs": 4, "checkpoint_every_steps": 2, "progress": False, "tensorboard": False},
        "options": {"mixup_p": 1.0, "mean_teacher": True},
    }
    experiment = experiment_from_dict(config)
    loop.train(experiment, tmp_path / "straight")
    original, calls = loop._Trainer._optimizer_step, []

    def dies_at_step_8(self):
        calls.append(1)
        if len(calls) == 8:  # mid-epoch 3 (3 steps an epoch): resumed from step 6, the end of epoch 2
            raise KeyboardInterrupt
        return original(self)

    monkeypatch.setattr(loop._Trainer, "_optimizer_step", dies_at_step_8)
    with pytest.raises(KeyboardInterrupt):
        loop.train(experiment, tmp_path / "killed")
    monkeypatch.setattr(loop._Trainer, "_optimizer_step", original)
    loop.train(experiment, tmp_path / "killed", resume=True)
    for name in ("straight", "killed"):
        assert (tmp_path / name / "checkpoint" / "model.safetensors").is_file()
    straight, resumed = (
        safetensors.torch.load_file(str(tmp_path / name / "checkpoint" / "model.safetensors"))
        for name in ("straight", "killed")
    )
    assert straight.keys() == resumed.keys() and all(torch.equal(straight[k], resumed[k]) for k in straight)
    states = [torch.load(tmp_path / n / "checkpoint" / "train_state.pt") for n in ("straight", "killed")]
    teachers = [state["models"]["teacher"] for state in states]
    assert all(torch.equal(teachers[0][k], teachers[1][k]) for k in teachers[0])
