import csv

import pytest
from fs_data import write_fingerspelling_set
from test_fingerspelling_task import fs_experiment

from signa.errors import SignaError
from signa.files import write_records_csv
from signa.train.config import write_experiment
from signa.train.fingerspelling import FingerspellingTask
from signa.train.loop import VALID_PREDICTIONS_FILE
from signa.train.oof import out_of_fold_table


def _fake_fold_run(run_dir, experiment, predict):
    """A finished fold run: its experiment and the predictions of its held-out rows."""
    _, valid = FingerspellingTask(experiment).build_datasets()
    records = []
    for row in valid.rows:
        sequence_id, phrase = valid.store.index[row]["sequence_id"], valid.store.index[row]["phrase"]
        records.append({"sequence_id": sequence_id, "phrase": phrase, "prediction": predict(phrase)})
        records[-1]["score"] = 1.0 if predict(phrase) == phrase else 0.0
    run_dir.mkdir(parents=True)
    write_experiment(run_dir / "experiment.yaml", experiment)
    write_records_csv(run_dir / VALID_PREDICTIONS_FILE, records)


def test_oof_table_feeds_round_two(tmp_path):
    root = write_fingerspelling_set(tmp_path / "kaggle")
    runs = [tmp_path / "fold0", tmp_path / "fold1"]
    _fake_fold_run(runs[0], fs_experiment(root, tmp_path, "data.fold=0"), lambda phrase: phrase)
    _fake_fold_run(runs[1], fs_experiment(root, tmp_path, "data.fold=1"), lambda phrase: "")
    with pytest.raises(SignaError, match="held out by none of the runs"):
        out_of_fold_table(runs[:1], tmp_path / "partial.csv")

    rows = out_of_fold_table(runs, tmp_path / "oof.csv")
    assert len(rows) == 24 and sum(r["is_supplemental"] for r in rows) == 8
    assert {r["score"] for r in rows if r["is_supplemental"]} == {0.5}
    assert {r["score"] for r in rows if not r["is_supplemental"]} == {0.0, 1.0}
    with (tmp_path / "oof.csv").open() as f:
        assert len(list(csv.DictReader(f))) == 24

    round_two = FingerspellingTask(
        fs_experiment(root, tmp_path, "data.fold=-1", f"data.oof={tmp_path / 'oof.csv'}")
    )
    train_set, valid_set = round_two.build_datasets()
    assert valid_set is None and sorted(set(train_set.scores.tolist())) == [0.0, 0.5, 1.0]


def test_full_fit_run_has_no_out_of_fold_predictions(tmp_path):
    root = write_fingerspelling_set(tmp_path / "kaggle", signers=2, supplemental=0)
    run = tmp_path / "full"
    run.mkdir()
    write_experiment(run / "experiment.yaml", fs_experiment(root, tmp_path, "data.fold=-1"))
    with pytest.raises(SignaError, match="full-fit run"):
        out_of_fold_table([run], tmp_path / "oof.csv")
