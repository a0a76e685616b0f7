"""``signa model``, ``train``, ``evaluate``, ``oof`` and ``soup``: models and their training."""

from __future__ import annotations

from pathlib import Path

import typer

from signa.cli.apps import LAYOUT_HELP, NAMED, THREADS_HELP, app


@app.command("model")
def model_summary(
    config: Path = typer.Argument(
        ..., help="Experiment config (YAML/JSON), a checkpoint or run folder" + NAMED + "."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON object instead of text."),
    overrides: list[str] = typer.Option(
        [], "--set", help="Override a config key, e.g. model.dense_dim=512 (repeatable)."
    ),
) -> None:
    """Print a model's architecture and parameter counts (total, trainable, kept for inference)."""
    import json

    from signa.models.summary import describe, model_from_spec, render

    model, arch = model_from_spec(config, overrides)
    summary = describe(model, arch)
    typer.echo(json.dumps(summary, indent=2) if as_json else render(model, summary))


@app.command("models")
def models_command(
    as_json: bool = typer.Option(False, "--json", help="Print a JSON list instead of a table."),
) -> None:
    """List the bundled models: name, task, labels, parameters, size, headline metric, model card."""
    import json

    from signa.bundled import bundled_models, render_models

    rows = [model.summary() for model in bundled_models()]
    typer.echo(json.dumps(rows, indent=2) if as_json else render_models(rows), nl=as_json)


@app.command("train")
def train_command(
    config: Path = typer.Argument(..., help="Experiment config (YAML)."),
    overrides: list[str] = typer.Option(
        [], "--set", help="Override a config key: key.sub=value (repeatable)."
    ),
    fold: int | None = typer.Option(None, "--fold", help="Validation fold (data.fold); -1 trains on all."),
    seed: int | None = typer.Option(None, "--seed", help="Random seed (seed)."),
    run_dir: Path | None = typer.Option(
        None, "--run-dir", help="Run folder (default runs/<config>/<fold>-<seed>)."
    ),
    resume: bool = typer.Option(False, "--resume", help="Continue the run folder from its last checkpoint."),
    device: str | None = typer.Option(None, "--device", help="cpu, cuda, cuda:1 (default: GPU if any)."),
    layout: str | None = typer.Option(None, "--layout", help=LAYOUT_HELP + " Same as --set data.layout=."),
    threads: int | None = typer.Option(None, "--threads", min=1, help=THREADS_HELP),
) -> None:
    """Train a model; under torchrun, one process per GPU (DDP)."""
    from signa.metrics import format_metrics
    from signa.train.config import load_experiment
    from signa.train.loop import default_run_dir, train

    extra = [f"data.fold={fold}"] * (fold is not None) + [f"seed={seed}"] * (seed is not None)
    extra += [f"data.layout={layout}"] * (layout is not None)
    experiment = load_experiment(config, [*overrides, *extra])
    run = run_dir or default_run_dir(config, experiment)
    result = train(experiment, run, resume=resume, device=device, threads=threads or "auto")
    if result.is_main:
        scores = format_metrics(result.metrics)
        typer.echo(f"{result.run_dir}: {result.step} steps" + (f"; {scores}" if scores else ""))


@app.command("evaluate")
def evaluate_command(
    checkpoint: Path = typer.Argument(..., help="Run folder, checkpoint folder, weights file" + NAMED + "."),
    data: Path | None = typer.Option(
        None, "--data", help="Prepared store or Kaggle-layout folder to score (with --fold: the run's own)."
    ),
    as_json: bool = typer.Option(False, "--json", help='Print {"metric", "score", "n"} as JSON.'),
    out: Path | None = typer.Option(None, "--out", help="Folder for predictions.csv, metrics.json, reports."),
    batch_size: int = typer.Option(32, "--batch-size", min=1),
    worst: int = typer.Option(10, "--worst", min=0, help="How many of the worst samples to list."),
    device: str | None = typer.Option(None, "--device"),
    fold: int | None = typer.Option(None, "--fold", help="Score the held-out fold K of the run's split."),
    threads: int | None = typer.Option(None, "--threads", min=1, help=THREADS_HELP),
) -> None:
    """Score a checkpoint on a data set: the task's metric, per-sample predictions, the worst samples."""
    import json

    from signa.evaluate.evaluate import evaluate_checkpoint
    from signa.metrics import format_metric

    result = evaluate_checkpoint(checkpoint, data, out, batch_size, device, worst, threads or "auto", fold)
    if as_json:
        typer.echo(json.dumps(result.summary()))
        return
    typer.echo(f"{result.metric}: {result.score:.4f} over {len(result.records)} sequences")
    for key, value in result.metrics.items():
        if key not in (result.metric, "sequences"):
            typer.echo(f"  {key}: {format_metric(value)}")
    if result.worst:
        typer.echo("worst samples:")
        for record in result.worst:
            typer.echo("  " + record_line(record))


def record_line(record: dict) -> str:
    """``key=value`` pairs of one evaluated sample; empty fields (e.g. the confidence of a model
    without a confidence head) are left out."""
    return "  ".join(
        f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in record.items() if v is not None
    )


@app.command("oof")
def oof_command(
    run_dirs: list[Path] = typer.Argument(..., help="Fold run folders (all folds, any seeds)."),
    out: Path = typer.Option(..., "--out", help="CSV to write: sequence_id, score, is_supplemental, ..."),
) -> None:
    """Out-of-fold score table of round-1 fold runs, the confidence target of round 2 (data.oof)."""
    from signa.train.oof import out_of_fold_table

    rows = out_of_fold_table(run_dirs, out)
    supplemental = sum(r["is_supplemental"] for r in rows)
    typer.echo(f"{out}: {len(rows) - supplemental} out-of-fold rows, {supplemental} supplemental rows (0.5)")


@app.command("soup")
def soup_command(
    checkpoints: list[Path] = typer.Argument(..., help="Checkpoint folders of one run (e.g. run/epochs/*)."),
    out: Path = typer.Option(..., "--out", help="Folder for the averaged checkpoint."),
) -> None:
    """Average checkpoints uniformly into one (a model soup of the last epochs)."""
    from signa.train.soup import uniform_soup

    folder = uniform_soup(checkpoints, out)
    typer.echo(f"{folder}: uniform soup of {len(checkpoints)} checkpoints")
