import json

import numpy as np
import pytest
import torch
from fs_data import TINY_MODEL, write_fingerspelling_set

from signa.config import apply_overrides, read_mapping
from signa.errors import SignaError
from signa.train.config import experiment_from_dict
from signa.train.fingerspelling import FingerspellingTask
from signa.train.loop import train
from signa.train.task import Progress

CFG_2 = "configs/fingerspelling/cfg_2.yaml"


@pytest.fixture(scope="module")
def fs_root(tmp_path_factory):
    return write_fingerspelling_set(tmp_path_factory.mktemp("fs") / "kaggle")


def fs_experiment(root, tmp_path, *overrides):
    data = apply_overrides(
        read_mapping(CFG_2),
        [
            *TINY_MODEL,
            f"data.train={root}",
            f"data.cache={tmp_path / 'cache'}",
            "data.batch_size=4",
            "data.n_folds=2",
            "train.epochs=1",
            "train.progress=false",
            "train.grad_accumulation=1",
            "data.num_workers=0",
            "train.tensorboard=false",
            *overrides,
        ],
    )
    return experiment_from_dict(data, CFG_2)


def test_split_epoch_and_batch(fs_root, tmp_path):
    task = FingerspellingTask(fs_experiment(fs_root, tmp_path))
    train_set, valid_set = task.build_datasets()
    train_ids = {train_set.store.index[r]["sequence_id"] for r in train_set.rows}
    valid_ids = {valid_set.store.index[r]["sequence_id"] for r in valid_set.rows}
    assert not train_ids & valid_ids and all(int(i) < 1000 for i in valid_ids)
    signers = {train_set.store.index[r]["participant_id"] for r in valid_set.rows}
    assert not signers & {train_set.store.index[r]["participant_id"] for r in train_set.rows[:8]}
    regular = sum(1 for i in train_ids if int(i) < 1000)
    order = task.epoch_indices(0, np.random.default_rng(0), len(train_set))
    assert len(order) == regular + 2  # one sequence per unique supplemental phrase
    batch = task.collate([train_set[i] for i in order[:4]])
    assert batch["points"].shape[0] == 4 and batch["points"].shape[2:] == (130, 3)
    assert batch["target"].shape == batch["backward"].shape == (4, 33)
    assert batch["mask"].shape == batch["points"].shape[:2]


def test_loss_combines_forward_backward_and_confidence(fs_root, tmp_path):
    task = FingerspellingTask(fs_experiment(fs_root, tmp_path, "options.decoder_mask_p=0.0"))
    train_set, _ = task.build_datasets()
    models = task.build_models()
    batch = task.collate([train_set[i] for i in range(4)])
    loss, logs = task.training_step(models, batch, Progress(0, 0, 1))
    expected = 0.98 * (0.6 * logs["ce_forward"] + 0.4 * logs["ce_backward"]) + 0.02 * logs["confidence_bce"]
    assert torch.allclose(loss, expected)
    loss.backward()


def test_train_and_evaluate(fs_root, tmp_path):
    from signa.evaluate.evaluate import evaluate_checkpoint

    run = tmp_path / "run"
    result = train(fs_experiment(fs_root, tmp_path, "data.n_folds=4"), run)
    assert "normalized_levenshtein" in result.metrics and result.metrics["sequences"] > 0
    assert (run / "valid_predictions.csv").is_file()
    evaluation = evaluate_checkpoint(run, fs_root, out_dir=tmp_path / "eval", batch_size=8)
    assert evaluation.summary()["n"] == 24 and evaluation.summary()["metric"] == "normalized_levenshtein"
    assert len(evaluation.worst) == 10
    assert json.loads((tmp_path / "eval" / "metrics.json").read_text())["n"] == 24
    assert (tmp_path / "eval" / "predictions.csv").read_text().startswith("sequence_id,phrase,prediction")


def test_phrase_longer_than_the_decoder_allows(tmp_path):
    root = write_fingerspelling_set(tmp_path / "long", signers=2, supplemental=0)
    text = (root / "train.csv").read_text().replace("kaggle", "k" * 40)
    (root / "train.csv").write_text(text)
    task = FingerspellingTask(fs_experiment(root, tmp_path, "data.supplemental=false"))
    with pytest.raises(SignaError, match="longer than the decoder allows") as err:
        task.build_datasets()
    assert err.value.path.endswith("train.csv")


def test_data_folder_with_no_sequences(tmp_path):
    (tmp_path / "empty").mkdir()
    task = FingerspellingTask(fs_experiment(tmp_path / "empty", tmp_path))
    with pytest.raises(SignaError, match="no sequences"):
        task.build_datasets()


def test_vocabulary_of_another_checkpoint_is_refused(fs_root, tmp_path):
    task = FingerspellingTask(fs_experiment(fs_root, tmp_path))
    meta = {"task": "fingerspelling", "vocab": {"a": 0, "b": 1}}
    with pytest.raises(SignaError, match="vocabulary"):
        task.check_checkpoint_meta(meta, "ckpt/config.json")


def test_checkpoint_of_another_task_is_refused(fs_root, tmp_path):
    task = FingerspellingTask(fs_experiment(fs_root, tmp_path))
    with pytest.raises(SignaError, match="checkpoint is for task 'signs'"):
        task.check_checkpoint_meta({"task": "signs", "labels": {"hello": 0}}, "ckpt/config.json")


def test_data_outside_the_checkpoint_vocabulary(tmp_path):
    root = write_fingerspelling_set(tmp_path / "upper", signers=2, supplemental=0)
    (root / "train.csv").write_text((root / "train.csv").read_text().replace("hello", "HELLO"))
    task = FingerspellingTask(fs_experiment(root, tmp_path))
    with pytest.raises(SignaError, match=r"outside the vocabulary: \['E', 'H', 'L', 'O'\]") as err:
        task.eval_dataset(root)
    assert err.value.path.endswith("train.csv")


def test_full_fit_needs_no_folds(tmp_path):
    root = write_fingerspelling_set(tmp_path / "two", signers=2, supplemental=0)
    task = FingerspellingTask(fs_experiment(root, tmp_path, "data.fold=-1", "data.n_folds=4"))
    train_set, valid_set = task.build_datasets()
    assert len(train_set) == 8 and valid_set is None


def test_folds_do_not_depend_on_the_training_seed(fs_root, tmp_path):
    held_out = []
    for seed in (1, 2):
        _, valid = FingerspellingTask(fs_experiment(fs_root, tmp_path, f"seed={seed}")).build_datasets()
        held_out.append(valid.rows)
    assert held_out[0] == held_out[1]


def test_joint_ctc_loss_mixes_attention_and_ctc(fs_root, tmp_path):
    overrides = ("options.decoder_mask_p=0.0", "model.heads=[attention, ctc]", "options.ctc_loss_weight=0.3")
    task = FingerspellingTask(fs_experiment(fs_root, tmp_path, *overrides))
    train_set, _ = task.build_datasets()
    batch = task.collate([train_set[i] for i in range(4)])
    loss, logs = task.training_step(task.build_models(), batch, Progress(0, 0, 1))
    attention = 0.6 * logs["ce_forward"] + 0.4 * logs["ce_backward"]
    expected = 0.98 * (0.7 * attention + 0.3 * logs["ctc"]) + 0.02 * logs["confidence_bce"]
    assert torch.allclose(loss, expected) and logs["ctc"] > 0
    loss.backward()


def test_decoding_the_model_cannot_run_is_refused_before_training(fs_root, tmp_path):
    task = FingerspellingTask(fs_experiment(fs_root, tmp_path, "options.eval_decoding=rescore"))
    task.build_datasets()
    with pytest.raises(SignaError, match="options.eval_decoding: rescore decoding needs .* ctc"):
        task.build_models()


def test_ctc_only_model_trains_and_evaluates(fs_root, tmp_path):
    overrides = ("model.heads=[ctc]", "model.backward_decoder=false", "data.n_folds=4")
    result = train(fs_experiment(fs_root, tmp_path, *overrides), tmp_path / "run")
    assert "normalized_levenshtein" in result.metrics and result.metrics["sequences"] > 0
    assert (tmp_path / "run" / "valid_predictions.csv").is_file()


def test_folds_grouped_by_phrase_keep_each_phrase_on_one_side(fs_root, tmp_path):
    task = FingerspellingTask(
        fs_experiment(fs_root, tmp_path, "data.fold_by=phrase", "data.supplemental=false")
    )
    train_set, valid_set = task.build_datasets()
    phrases = [{s.store.index[r]["phrase"] for r in s.rows} for s in (train_set, valid_set)]
    assert phrases[1] and not phrases[0] & phrases[1]
