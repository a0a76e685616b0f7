"""``signa data``: compose, inspect and prepare landmark data."""

from __future__ import annotations

from pathlib import Path

import typer

from signa.cli.apps import LAYOUT_HELP, data_app
from signa.errors import SignaError


@data_app.command("compose")
def data_compose(
    letters: list[Path] = typer.Argument(
        ..., help="Letter sources: hand table, letter data set folder, <LETTER>/*.npy."
    ),
    phrases: Path = typer.Option(..., "--phrases", help="Text file, one phrase per line."),
    out: Path = typer.Option(..., "--out", help="Output folder (Kaggle wide layout)."),
    alphabet: str = typer.Option(
        "kaggle", "--alphabet", help="Character map JSON, alphabet YAML, or a shipped one: kaggle, lsp."
    ),
    frames_block: str = typer.Option(
        "all", "--frames-block", help="Block of each letter's samples: first|last|all|a:b."
    ),
    signers: int = typer.Option(4, "--signers", min=1, help="Number of synthetic signers (participant ids)."),
    seed: int = typer.Option(0, "--seed"),
    body: list[Path] = typer.Option(
        None, "--body", help="Holistic recordings whose face and pose frame the hand."
    ),
    per_phrase: int = typer.Option(1, "--per-phrase", min=1, help="Sequences composed per phrase."),
) -> None:
    """Compose fingerspelled sequences (COMPOSED data) from letter handshapes and a phrase list."""
    from signa.data.compose import compose_dataset

    summary = compose_dataset(
        letters, phrases, out, alphabet, frames_block, signers, seed, body or None, per_phrase
    )
    typer.echo(
        f"composed {summary['sequences']} sequences ({summary['frames']['total']} frames, "
        f"{len(summary['letters'])} letters, {summary['body_templates']} body templates) in {out}"
    )


@data_app.command("inspect")
def data_inspect(
    paths: list[Path] = typer.Argument(
        ..., help="Landmark files or folders (.parquet, .pose, .npy, train.csv)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON list instead of a table."),
    layout: str | None = typer.Option(None, "--layout", help=LAYOUT_HELP),
) -> None:
    """Per sequence: id, frames, and the fraction of frames in which each landmark group is missing."""
    import json

    from rich.console import Console

    from signa.data.inspect import inspect_paths, render_table

    records = list(inspect_paths(paths, layout))
    if as_json:
        typer.echo(json.dumps(records, indent=2))
    else:
        Console().print(render_table(records))


@data_app.command("prepare")
def data_prepare(
    root: Path = typer.Argument(
        ..., help="Kaggle-layout dataset folder (train.csv + landmark files), or a folder of sign folders."
    ),
    out: Path = typer.Option(..., "--out", help="Folder for the prepared store."),
    task: str = typer.Option(None, "--task", help="fingerspelling or signs (default: from the csv columns)."),
    dtype: str = typer.Option("float16", "--dtype", help="float16 or float32."),
    workers: int = typer.Option(1, "--workers", min=1, help="Parallel worker processes."),
    table: list[str] = typer.Option(["train.csv"], "--table", help="csv file(s) under ROOT to include."),
    layout: str | None = typer.Option(None, "--layout", help=LAYOUT_HELP),
) -> None:
    """Turn a Kaggle-layout dataset into a compact memory-mappable store (resumable)."""
    from signa.data.cache import DTYPES, LAYOUTS, finished_parts, prepare_dataset

    if task is not None and task not in LAYOUTS:
        raise SignaError(f"must be one of {', '.join(LAYOUTS)}, not {task!r}", "--task")
    if dtype not in DTYPES:
        raise SignaError(f"must be one of {', '.join(DTYPES)}, not {dtype!r}", "--dtype")
    try:
        store = prepare_dataset(root, out, task, dtype, workers, table, layout=layout)
    except KeyboardInterrupt:
        typer.echo(f"interrupted: {_kept(finished_parts(out), out)}", err=True)
        raise typer.Exit(130) from None
    frames = sum(row["frames"] for row in store.index)
    typer.echo(
        f"{out}: {len(store)} sequences, {frames} frames, {len(store.positions)} points, {store.dtype}"
    )


def _kept(parts: int, out: Path) -> str:
    if not parts:
        return f"no part was finished, nothing is kept in {out}; run the same command to start again"
    finished = "1 finished part is" if parts == 1 else f"{parts} finished parts are"
    return f"{finished} kept in {out}; run the same command to resume"
