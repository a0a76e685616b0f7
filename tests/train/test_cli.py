import json

import yaml
from toy_task import toy_experiment
from typer.testing import CliRunner

from signa.cli import app


def _config(tmp_path):
    path = tmp_path / "toy.yaml"
    path.write_text(yaml.safe_dump(toy_experiment("train.epochs=1")))
    return path


def test_train_then_evaluate_from_the_command_line(tmp_path):
    runner = CliRunner()
    run = tmp_path / "run"
    args = ["train", str(_config(tmp_path)), "--set", "optim.lr=0.02", "--seed", "5", "--run-dir", str(run)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    saved = yaml.safe_load((run / "experiment.yaml").read_text())
    assert saved["seed"] == 5 and saved["optim"]["lr"] == 0.02
    result = runner.invoke(
        app, ["evaluate", str(run), "--data", str(tmp_path), "--json", "--out", str(tmp_path / "e")]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["metric"] == "mse" and summary["n"] == 20
    assert (tmp_path / "e" / "predictions.csv").is_file()


def test_bad_config_is_one_line_and_exit_code_2(tmp_path):
    import subprocess
    import sys

    code = (
        "import sys; sys.argv = ['signa', 'train', sys.argv[1], '--set', 'optim.lrr=1']; "
        "from signa.cli import main; main()"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(_config(tmp_path))], capture_output=True, text=True
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [proc.stderr.strip()] and "optim.lrr" in proc.stderr


def test_worst_sample_lines_leave_out_empty_fields():
    from signa.cli import record_line

    line = record_line({"sequence_id": 30, "prediction": "ab", "confidence": None, "score": -0.4286})
    assert line == "sequence_id=30  prediction=ab  score=-0.429"
