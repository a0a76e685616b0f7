"""``signa compare``: fingerspelling configs trained, scored, exported and timed alike, in one table."""

from __future__ import annotations

from pathlib import Path

import typer

from signa.cli.apps import app


@app.command("compare")
def compare_command(
    configs: list[Path] = typer.Argument(
        ..., help="Experiment configs, one row each (their model sections)."
    ),
    data: Path = typer.Option(..., "--data", help="Folder with data_train/ and data_eval/."),
    out: Path = typer.Option(..., "--out", help="Folder for the runs, compare.json and compare.md."),
    recipe: Path | None = typer.Option(
        None,
        "--recipe",
        help="Config whose data, optimiser and schedule every row trains with (default: the first).",
    ),
    seeds: int = typer.Option(3, "--seeds", min=1, help="Seeds per config (0 .. N-1)."),
    overrides: list[str] = typer.Option([], "--set", help="Override a key for every row (repeatable)."),
    repeats: int = typer.Option(5, "--repeats", min=1, help="Latency runs per measurement (median)."),
    frames: str = typer.Option("128,384", "--frames", help="Latency sequence lengths, comma-separated."),
    threads: int = typer.Option(1, "--threads", min=1, help="CPU threads for training and timing."),
    beam: int = typer.Option(4, "--beam", min=1, help="Attention candidates of the CTC rescoring row."),
    ctc_weight: float = typer.Option(0.5, "--ctc-weight", min=0.0, max=1.0, help="CTC weight in rescoring."),
) -> None:
    """Compare configs on the same data, recipe, step budget and seeds (resumable)."""
    from signa.errors import SignaError
    from signa.infer.compare import CompareOptions, compare

    try:
        lengths = tuple(int(n) for n in frames.split(","))
    except ValueError:
        raise SignaError(f"--frames must be comma-separated frame counts, got {frames!r}") from None
    options = CompareOptions(
        data,
        out,
        recipe,
        seeds,
        tuple(overrides),
        repeats,
        lengths,
        threads,
        beam,
        ctc_weight,
        log=lambda line: typer.echo(line, err=True),
    )
    result = compare(configs, options)
    typer.echo((out / "compare.md").read_text(), nl=False)
    typer.echo(f"{out / 'compare.json'}: {len(result['rows'])} rows, {seeds} seeds each")
