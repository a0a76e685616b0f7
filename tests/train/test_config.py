import pytest
from toy_task import toy_experiment

from signa.config import apply_overrides
from signa.errors import SignaError
from signa.train.config import experiment_from_dict, load_experiment
from signa.train.optim import lr_factor

CFG_2 = "configs/fingerspelling/cfg_2.yaml"


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("optim.lrr=0.1", "unknown config key 'optim.lrr'"),
        ("optim.lr=fast", "'optim.lr' must be float"),
        ("train.precision=fp8", "'train.precision' must be one of"),
        ("model.hidden=big", "'model.hidden' must be int"),
        ("model.depth=3", "unknown config key 'model.depth'"),
        ("augment.colour=1", "unknown config key 'augment.colour'"),
        ("options.n_train=1.5", "'options.n_train' must be int"),
        ("task=juggling", "unknown task 'juggling'"),
        ("model.arch=resnet", "unknown model architecture 'resnet'"),
        ("train.epochs=0", "epochs"),
        ("data.foo=1", r"unknown config key 'data.foo' \(known: train, .*batch_size.*\)"),
    ],
)
def test_bad_experiment_is_one_clear_error(override, message):
    with pytest.raises(SignaError, match=message):
        experiment_from_dict(toy_experiment(override), "exp.yaml")


def test_unknown_top_level_key_lists_only_keys_a_file_may_have():
    with pytest.raises(SignaError, match="unknown config key 'foo'") as caught:
        experiment_from_dict(toy_experiment("foo=1"), "exp.yaml")
    assert "known: task, seed, model, data, optim, train, augment, options)" in str(caught.value)


def test_shipped_configs_load_with_overrides():
    experiment = load_experiment(CFG_2, ["optim.lr=0.001", "data.fold=2", "model.encoder.layers=2"])
    assert experiment.optim.lr == 0.001 and experiment.data.fold == 2
    assert experiment.model["encoder"]["layers"] == 2 and experiment.model["dim"] == 208
    with pytest.raises(SignaError, match=r"cfg_2.yaml: .*'model.encoder.layers' must be int"):
        load_experiment(CFG_2, ["model.encoder.layers=two"])


def test_saved_sections_are_complete():
    experiment = experiment_from_dict(apply_overrides(toy_experiment(), ["model.hidden=12"]))
    assert experiment.model == {"arch": "toy-mlp", "inputs": 8, "hidden": 12, "dropout": 0.1}
    assert experiment.augment == {"noise": 0.05}


def test_schedule_warms_up_then_decays_to_zero():
    assert lr_factor(0, 100, 10, "cosine") == 0.0
    assert lr_factor(5, 100, 10, "cosine") == 0.5
    assert lr_factor(10, 100, 10, "cosine") == 1.0
    assert lr_factor(55, 100, 10, "cosine") == pytest.approx(0.5)
    assert lr_factor(100, 100, 10, "cosine") == pytest.approx(0.0)
    assert lr_factor(55, 100, 10, "linear") == pytest.approx(0.5)
    assert lr_factor(90, 100, 10, "constant") == 1.0


def test_exponent_without_a_dot_is_a_float():
    experiment = experiment_from_dict(toy_experiment("optim.lr=2e-3"))
    assert experiment.optim.lr == 0.002
