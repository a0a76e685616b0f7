import json
import warnings

import pytest
import safetensors.torch
import torch
from toy_task import toy_experiment

from signa.errors import SignaError
from signa.models.checkpoint import load_model
from signa.train.config import experiment_from_dict
from signa.train.loop import train


def _train(run_dir, *overrides, resume=False):
    return train(experiment_from_dict(toy_experiment(*overrides)), run_dir, resume=resume)


def _weights(run_dir):
    return safetensors.torch.load_file(str(run_dir / "checkpoint" / "model.safetensors"))


def test_training_writes_run_folder_and_learns(tmp_path):
    result = _train(tmp_path / "run", "train.epochs=6", "optim.lr=0.03")
    run = tmp_path / "run"
    records = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    evals = [r for r in records if r["kind"] == "eval"]
    assert len(evals) == 6 and evals[-1]["mse"] < evals[0]["mse"] / 2
    assert {"loss", "grad_norm", "lr", "mean_prediction"} <= set(records[0])
    assert result.step == 6 * 16 and result.metrics["mse"] == evals[-1]["mse"]
    model, config = load_model(run)
    assert config["task"] == "toy" and config["experiment"]["train"]["epochs"] == 6
    assert (run / "experiment.yaml").is_file() and (run / "checkpoint" / "train_state.pt").is_file()


class _Stop(Exception):
    pass


def test_resume_after_kill_gives_the_same_weights(tmp_path, monkeypatch):
    settings = ("train.epochs=2", "train.checkpoint_every_steps=5", "train.ema_decay=0.9")
    _train(tmp_path / "straight", *settings)

    from signa.train import loop

    original = loop._Trainer._optimizer_step
    calls = {"n": 0}

    def dies_at_step_23(self):
        calls["n"] += 1
        if calls["n"] == 23:  # mid-epoch 2, three steps after the checkpoint of step 20
            raise _Stop
        return original(self)

    monkeypatch.setattr(loop._Trainer, "_optimizer_step", dies_at_step_23)
    with pytest.raises(_Stop):
        _train(tmp_path / "killed", *settings)
    monkeypatch.setattr(loop._Trainer, "_optimizer_step", original)
    _train(tmp_path / "killed", *settings, resume=True)

    straight, resumed = _weights(tmp_path / "straight"), _weights(tmp_path / "killed")
    assert all(torch.equal(straight[k], resumed[k]) for k in straight)
    lines = (tmp_path / "killed" / "metrics.jsonl").read_text()
    assert lines == (tmp_path / "straight" / "metrics.jsonl").read_text()


def test_gradient_accumulation_matches_a_larger_batch(tmp_path):
    common = ("model.dropout=0.0", "train.epochs=1")
    _train(tmp_path / "big", *common, "data.batch_size=8")
    _train(tmp_path / "accumulated", *common, "data.batch_size=4", "train.grad_accumulation=2")
    big, accumulated = _weights(tmp_path / "big"), _weights(tmp_path / "accumulated")
    assert all(torch.allclose(big[k], accumulated[k], atol=1e-6) for k in big)


def test_bf16_autocast_trains(tmp_path):
    result = _train(tmp_path / "run", "train.precision=bf16", "train.epochs=1")
    assert result.metrics["mse"] == result.metrics["mse"]  # not NaN


def test_existing_run_needs_resume_and_resume_needs_a_checkpoint(tmp_path):
    _train(tmp_path / "run", "train.epochs=1")
    with pytest.raises(SignaError, match="--resume"):
        _train(tmp_path / "run", "train.epochs=1")
    with pytest.raises(SignaError, match="nothing to resume"):
        _train(tmp_path / "empty", resume=True)


def test_resume_with_another_model_is_refused(tmp_path):
    _train(tmp_path / "run", "train.epochs=1")
    with pytest.raises(SignaError, match="model.hidden is 32 here but the run used 16"):
        _train(tmp_path / "run", "train.epochs=1", "model.hidden=32", resume=True)


def test_too_little_data_for_one_step(tmp_path):
    with pytest.raises(SignaError, match="fewer than one optimiser step"):
        _train(tmp_path / "run", "data.batch_size=100")


def test_fp16_with_gradient_scaler_trains(tmp_path):
    result = _train(tmp_path / "run", "train.precision=fp16", "train.epochs=1")
    assert result.metrics["mse"] == result.metrics["mse"]  # not NaN
    state = torch.load(tmp_path / "run" / "checkpoint" / "train_state.pt", weights_only=True)
    assert state["scaler"]["scale"] > 0


def test_a_swap_cut_short_by_a_kill_is_repaired(tmp_path):
    from signa.train.checkpointing import latest_checkpoint

    run = tmp_path / "run"
    _train(run, "train.epochs=1")
    (run / "checkpoint").rename(run / ".checkpoint.old")  # killed between the two renames
    assert latest_checkpoint(run) == run / "checkpoint"
    assert (run / "checkpoint" / "model.safetensors").is_file()


def test_weights_of_another_architecture_are_refused(tmp_path):
    from toy_task import ToyMlp

    from signa.train.checkpointing import load_module_state

    small, big = ToyMlp(ToyMlp.Config(hidden=8)), ToyMlp(ToyMlp.Config(hidden=16))
    with pytest.raises(SignaError, match="do not fit the configured model: .*size mismatch"):
        load_module_state(big, small.state_dict(), "model", tmp_path / "train_state.pt")


def test_data_is_the_same_with_any_number_of_workers(tmp_path):
    _train(tmp_path / "main", "train.epochs=1")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _train(tmp_path / "workers", "train.epochs=1", "data.num_workers=2")
    main, workers = _weights(tmp_path / "main"), _weights(tmp_path / "workers")
    assert all(torch.equal(main[k], workers[k]) for k in main)
    # forking the workers out of a process that holds JAX's threads (an in-process litert-torch
    # conversion before, say) warns that it will likely deadlock; SIGNA keeps JAX out of its processes
    assert not [w for w in caught if "fork" in str(w.message)], [str(w.message) for w in caught]
