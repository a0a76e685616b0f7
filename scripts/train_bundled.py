"""Train, score and bundle one of SIGNA's bundled models: src/signa/assets/models/NAME/ with its card.

Usage:
    .venv/bin/python scripts/train_bundled.py lsm                  # 3 seeds, ~1 min each on 2 cores
    .venv/bin/python scripts/train_bundled.py asl-signs            # 3 seeds x 4 signer folds, ~10 min
    .venv/bin/python scripts/train_bundled.py asl-fingerspelling   # 3 seeds, ~10 min each on 2 idle cores
    .venv/bin/python scripts/train_bundled.py lsm --work runs/bundled/lsm --seeds 42   # one seed only

The recipe of each model is ``configs/bundled/NAME.yaml``: the experiment config and overrides, the
seeds to train, the one to bundle and the card's text. Every seed's run goes to ``WORK/seed<S>``
(``WORK/seed<S>/fold<k>`` for signer folds); a run folder that already holds a checkpoint is resumed,
so an interrupted job continues and a finished run is only scored again. Then the bundled seed's
``model.safetensors`` and ``config.json`` (not its training state) and ``card.json`` + ``card.md`` are
written to a new folder swapped in for the old one (``signa.files.swap_folder``).
"""

from __future__ import annotations

import argparse
import datetime
import glob
import shutil
import sys
from pathlib import Path

import numpy as np
import torch
import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from signa.bundled import CARD_JSON, CARD_MD, MODELS_DIR  # noqa: E402
from signa.cpu import available_cores, cpu_features  # noqa: E402
from signa.data.compose.recipe import SPLITS, write_recipe_set  # noqa: E402
from signa.data.signs import SignSequences  # noqa: E402
from signa.evaluate.evaluate import evaluate_checkpoint  # noqa: E402
from signa.evaluate.sign_baseline import baseline_fold_accuracies  # noqa: E402
from signa.files import replaced_folder, write_json_atomic, write_text_atomic  # noqa: E402
from signa.infer.reproduce import composed_held_out, reference_videos  # noqa: E402
from signa.metrics import normalized_total_levenshtein  # noqa: E402
from signa.models.checkpoint import CONFIG_FILE, WEIGHTS_FILE, load_model, read_checkpoint_config  # noqa: E402
from signa.train.config import load_experiment  # noqa: E402
from signa.train.data import open_store  # noqa: E402
from signa.train.loop import train  # noqa: E402
from signa.train.signs import SignsTask  # noqa: E402
from signa.version import __version__  # noqa: E402

RECIPES = REPO / "configs" / "bundled"
STD = "sample std"  # ddof=1, as signa compare; the cards say "mean ± sample std over N runs"


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("name", help="a recipe of configs/bundled/ (lsm, asl-signs, asl-fingerspelling)")
    parser.add_argument("--work", type=Path, help="run folders and composed data (default runs/bundled/NAME)")
    parser.add_argument("--seeds", type=int, nargs="+", help="seeds to train (default: the recipe's)")
    parser.add_argument("--out", type=Path, default=MODELS_DIR, help="where the bundled folder goes")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (1 is fastest on a busy CPU)")
    return parser.parse_args(argv)


def spread(values: list[float]) -> dict:
    """Mean and sample standard deviation (ddof=1; 0 for a single value) of ``values``."""
    std = float(np.std(values, ddof=1)) if len(values) > 1 else 0.0
    return {"values": values, "mean": float(np.mean(values)), "std": std}


def train_or_resume(experiment, run_dir: Path, threads: int) -> dict:
    """Train into ``run_dir``, resuming it where it holds a checkpoint; the last validation's metrics."""
    resume = (run_dir / "checkpoint").exists()
    print(f"{'resuming' if resume else 'training'} {run_dir}", flush=True)
    return train(experiment, run_dir, resume=resume, threads=threads).metrics


def composed_fingerspelling(recipe: dict, work: Path, seeds: list[int], threads: int) -> dict:
    """Compose the recipe's sets, train each seed, score each on the full held-out set."""
    for split in SPLITS:
        if not (work / split / "composed.json").is_file():
            write_recipe_set(split, work / split)
    data = [f"data.train={work / 'train'}", f"data.valid={work / 'held_out'}"]
    experiment = load_experiment(REPO / recipe["config"], [*data, *recipe["overrides"]])
    subset = recipe["ci_subset"]
    per_seed = {}
    for seed in seeds:
        run = work / f"seed{seed}"
        validation = train_or_resume(experiment.replace(seed=seed), run, threads)
        torch.set_num_threads(threads)
        scored = composed_held_out(run / "checkpoint")
        head = normalized_total_levenshtein(scored.truths[:subset], scored.predictions[:subset])
        per_seed[seed] = {"held_out": scored.score, "ci_subset": head, "training_validation": validation}
        if seed == recipe["bundle_seed"]:
            pairs = zip(scored.truths[:8], scored.predictions[:8], strict=True)
            examples = [{"truth": truth, "prediction": read} for truth, read in pairs]
        print(f"seed {seed}: held out {scored.score:.4f}, first {subset} {head:.4f}", flush=True)
    bundled = per_seed[recipe["bundle_seed"]]
    metric = "normalised total Levenshtein"
    return {
        "run": work / f"seed{recipe['bundle_seed']}",
        "headline": {
            "metric": metric,
            "value": bundled["held_out"],
            "data": f"{scored.n} held-out COMPOSED sequences",
            "tolerance": recipe["tolerance"],
        },
        "checks": {"ci_subset": {"metric": metric, "first": subset, "value": bundled["ci_subset"]}},
        "per_seed": per_seed,
        "spread": {"held_out": spread([v["held_out"] for v in per_seed.values()])},
        "examples": examples,
    }


def signs_folds(recipe: dict, work: Path, seeds: list[int], threads: int) -> dict:
    """Every seed on every signer-grouped fold; the bundled run is one of them."""
    data = str(REPO / recipe["data"])
    experiment = load_experiment(REPO / recipe["config"], [f"data.train={data}", *recipe["overrides"]])
    per_seed, sizes = {}, {}
    for seed in seeds:
        folds = []
        for fold in range(experiment.data.n_folds):
            run = work / f"seed{seed}" / f"fold{fold}"
            train_or_resume(experiment.replace(seed=seed).with_data(fold=fold), run, threads)
            evaluation = evaluate_checkpoint(run, data, threads=threads, fold=fold)
            folds.append(evaluation.score)
            sizes[fold] = len(evaluation.records)
            print(f"seed {seed} fold {fold}: held-out accuracy {folds[-1]:.4f}", flush=True)
        per_seed[seed] = spread(folds)
    fold, n = recipe["bundle_fold"], experiment.data.n_folds
    run = work / f"seed{recipe['bundle_seed']}" / f"fold{fold}"
    bundled = per_seed[recipe["bundle_seed"]]["values"][fold]
    every = spread([v for s in per_seed.values() for v in s["values"]])
    headline = {
        "metric": "accuracy",
        "value": every["mean"],
        "std": every["std"],
        "runs": len(every["values"]),
        "data": f"{n}-fold signer-grouped cross-validation x {len(seeds)} seeds, each run scored on signers"
        " it never saw",
    }
    check = {"fold": fold, "n_folds": n, "sequences": sizes[fold], "value": bundled}
    return {
        "run": run,
        "headline": headline,
        "checks": {"held_out_fold": {**check, "tolerance": recipe["tolerance"]}},
        "per_seed": per_seed,
        "spread": {f"cross_validation ({n} signer folds x {len(seeds)} seeds)": every},
        "baselines": sign_baselines(experiment, data),
    }


def sign_baselines(experiment, data: str) -> dict:
    """The yardsticks on the same signer folds: the majority class and a logistic regression."""
    task = SignsTask(experiment)
    store = open_store(data, experiment.data.cache, "signs")
    folds, labels = task.folds(store), task.encode_labels(store, Path(data))
    sequences = SignSequences(store, list(range(len(store))), labels, task.max_len)
    return {
        "logistic regression on hand statistics (signa.evaluate.sign_baseline)": spread(
            baseline_fold_accuracies(sequences, labels, folds)
        ),
        "majority class": float(np.bincount(labels).max() / len(labels)),
    }


def signs_full(recipe: dict, work: Path, seeds: list[int], threads: int) -> dict:
    """Each seed on all the data; scored on its own training set and on the reference videos."""
    data = str(REPO / recipe["data"])
    experiment = load_experiment(REPO / recipe["config"], [f"data.train={data}", *recipe["overrides"]])
    videos = sorted(Path(p) for p in glob.glob(str(REPO / recipe["videos"])))
    per_seed = {}
    for seed in seeds:
        run = work / f"seed{seed}"
        train_or_resume(experiment.replace(seed=seed), run, threads)
        evaluation = evaluate_checkpoint(run, data, threads=threads)
        accuracy, n = evaluation.score, len(evaluation.records)
        rows = reference_videos(run / "checkpoint", videos)
        per_seed[seed] = {"training_accuracy": accuracy, "videos": rows}
        print(f"seed {seed}: training accuracy {accuracy:.4f}, videos {sum(r['correct'] for r in rows)}/5")
    bundled = per_seed[recipe["bundle_seed"]]
    return {
        "run": work / f"seed{recipe['bundle_seed']}",
        "headline": {
            "metric": "accuracy",
            "value": bundled["training_accuracy"],
            "data": f"its own {n} training sequences",
            "tolerance": recipe["tolerance"],
        },
        "checks": {"reference_videos": bundled["videos"]},
        "per_seed": per_seed,
        "spread": {"training_accuracy": spread([v["training_accuracy"] for v in per_seed.values()])},
    }


KINDS = {
    "composed-fingerspelling": composed_fingerspelling,
    "signs-folds": signs_folds,
    "signs-full": signs_full,
}


def card_json(recipe: dict, result: dict, checkpoint: Path, seeds: list[int]) -> dict:
    """The machine-readable card: what ``signa models`` lists and what tests/test_bundled.py checks."""
    config = read_checkpoint_config(checkpoint)
    model, _ = load_model(checkpoint)
    names = sorted(config["labels"], key=config["labels"].get) if config["task"] == "signs" else None
    return {
        "name": recipe["name"],
        "description": recipe["description"],
        "task": config["task"],
        "labels": len(names) if names else len(config["vocab"]),
        "label_names": names,
        "parameters": sum(p.numel() for p in model.parameters()),
        "headline": result["headline"],
        "checks": result["checks"],
        **({"baselines": result["baselines"]} if "baselines" in result else {}),
        "seeds": {"trained": seeds, "bundled": recipe["bundle_seed"], "per_seed": result["per_seed"]},
        "spread": result["spread"],
        "examples": result.get("examples", []),
        "data": {"description": recipe["card"]["data"], "licence": recipe["card"]["licence"]},
        "recipe": f"configs/bundled/{recipe['name']}.yaml",
        "command": f"scripts/train_bundled.py {recipe['name']}",
        "config": recipe["config"],
        "overrides": recipe["overrides"],
        "made": {
            "date": datetime.date.today().isoformat(),
            "signa_version": __version__,
            "torch": torch.__version__,
            "cpu": cpu_features().model,
            "cores": available_cores(),
            "std": f"{STD} (ddof=1)",
        },
    }


def card_markdown(recipe: dict, card: dict) -> str:
    """``card.md``: the recipe's text and the figures of ``card.json``, for people."""
    text = recipe["card"]
    lines = [
        f"# {card['name']}: {card['description']}",
        "",
        f'`signa.load_model("{card["name"]}")`, `signa predict {card["name"]} FILE`. Task {card["task"]},'
        f" {card['labels']} {'signs' if card['label_names'] else 'characters'},"
        f" {card['parameters']:,} parameters.",
        "",
        "## Figures",
        "",
        *_headline_lines(card),
        "| figure | value |",
        "|---|---|",
        *_figure_rows(card),
        "",
    ]
    for title, key in (
        ("Data", "data"),
        ("Licence of the data", "licence"),
        ("Trained on", "trained_on"),
        ("Not trained on", "not_trained_on"),
        ("Evaluation", "evaluation"),
        ("Limits", "limits"),
        ("Intended use", "intended_use"),
    ):
        lines += [f"## {title}", "", text[key], ""]
    lines += [
        "## How it was made",
        "",
        f"`.venv/bin/python {card['command']}` with the recipe `{card['recipe']}` (experiment config"
        f" `{card['config']}`, overrides {card['overrides'] or 'none'}); seeds {card['seeds']['trained']}"
        f" trained, seed {card['seeds']['bundled']} bundled. SIGNA {card['made']['signa_version']}, torch"
        f" {card['made']['torch']}, {card['made']['date']}, on {card['made']['cpu']}"
        f" ({card['made']['cores']} cores). Every figure: `card.json`.",
        "",
    ]
    return "\n".join(lines)


def _headline_lines(card: dict) -> list[str]:
    """The headline figure, and for a cross-validated one the check the tests re-run and the baselines."""
    head, seed = card["headline"], card["seeds"]["bundled"]
    if "std" not in head:
        return [
            f"**{head['metric']} {head['value']:.4f}** on {head['data']} (bundled seed {seed}; reproduced"
            f" by tests/test_bundled.py within {head['tolerance']}).",
            "",
        ]
    check = card["checks"]["held_out_fold"]
    lines = [
        f"**{head['metric']} {head['value']:.3f} ± {head['std']:.3f}** (mean ± {STD} over {head['runs']}"
        f" runs), {head['data']}: the estimate for new signers. The tests do not re-run it (it trains"
        f" {head['runs']} models: `{card['command']}`).",
        "",
        f"Reproducible check: the bundled model (seed {seed}, trained on the other folds) scores"
        f" {head['metric']} {check['value']:.3f} on held-out fold {check['fold']} of {check['n_folds']}"
        f" ({check['sequences']} sequences of unseen signers), reproduced by tests/test_bundled.py within"
        f" {check['tolerance']}. One fold of {check['sequences']} is coarse; it is no estimate of the model.",
        "",
    ]
    return lines + _baseline_lines(card)


def _baseline_lines(card: dict) -> list[str]:
    """The baselines on the same folds, and plainly whether the model beats them."""
    head, lines = card["headline"], []
    for name, figure in card.get("baselines", {}).items():
        if isinstance(figure, dict):
            if head["value"] <= figure["mean"]:
                verdict = "scores below this simple baseline: it does not beat it"
            elif head["value"] <= figure["mean"] + figure["std"]:
                verdict = "is within this simple baseline's spread: it does not beat it"
            else:
                verdict = "beats this simple baseline"
            lines.append(
                f"Baseline, {name}: {figure['mean']:.3f} ± {figure['std']:.3f} (mean ± {STD} over"
                f" {len(figure['values'])} folds). The model {verdict} on {card['labels']} signs."
            )
        else:
            lines.append(f"Baseline, {name}: {figure:.3f}.")
        lines.append("")
    return lines


def _figure_rows(card: dict) -> list[str]:
    rows = []
    for name, figure in card["spread"].items():
        values = ", ".join(f"{v:.4f}" for v in figure["values"])
        name = name.replace("_", " ")
        rows.append(
            f"| {name}, mean ± {STD} over {len(figure['values'])} runs | "
            f"{figure['mean']:.4f} ± {figure['std']:.4f} ({values}) |"
        )
    for seed, figure in card["seeds"]["per_seed"].items():
        if "mean" in figure:  # signer folds
            mean, std = figure["mean"], figure["std"]
            rows.append(f"| seed {seed}, mean ± {STD} over folds | {mean:.4f} ± {std:.4f} |")
    checks = card["checks"]
    if "ci_subset" in checks:
        rows.append(
            f"| the first {checks['ci_subset']['first']} held-out sequences (CI check) | "
            f"{checks['ci_subset']['value']:.4f} |"
        )
    if "reference_videos" in checks:
        counts = [sum(r["correct"] for r in s["videos"]) for s in card["seeds"]["per_seed"].values()]
        rows.append(f"| kit videos recognised, per seed (own source material) | {counts} of 5 |")
    for row in checks.get("reference_videos", []):
        rows.append(
            f"| `{row['file']}` (own source material) | {row['predicted']} ({row['confidence']:.2f}),"
            f" truth {row['truth']} |"
        )
    for example in card.get("examples", []):
        rows.append(f"| held out: {example['truth']!r} | read {example['prediction']!r} |")
    return rows


def portable_config(config: dict, recipe: dict) -> dict:
    """The checkpoint config with the data paths as the repo names them, not as this machine did."""
    data = config["experiment"]["data"]
    if "data" in recipe:
        data["train"] = recipe["data"]
    else:  # composed: the folders scripts/train_bundled.py writes by default
        data["train"], data["valid"] = (f"runs/bundled/{recipe['name']}/{split}" for split in SPLITS)
    return config


def write_bundle(recipe: dict, result: dict, seeds: list[int], out: Path) -> Path:
    """Weights, config and card into a new folder swapped in for ``out/NAME`` (:func:`replaced_folder`)."""
    checkpoint, target = result["run"] / "checkpoint", out / recipe["name"]
    with replaced_folder(target) as new:
        shutil.copyfile(checkpoint / WEIGHTS_FILE, new / WEIGHTS_FILE)  # train_state.pt stays behind
        write_json_atomic(new / CONFIG_FILE, portable_config(read_checkpoint_config(checkpoint), recipe))
        card = card_json(recipe, result, new, seeds)
        write_json_atomic(new / CARD_JSON, card)
        write_text_atomic(new / CARD_MD, card_markdown(recipe, card))
    return target


def main(argv=None) -> Path:
    args = parse_args(argv)
    recipe = yaml.safe_load((RECIPES / f"{args.name}.yaml").read_text(encoding="utf-8"))
    seeds = args.seeds or recipe["seeds"]
    if recipe["bundle_seed"] not in seeds:
        raise SystemExit(f"--seeds must include the bundled seed {recipe['bundle_seed']}")
    torch.set_num_threads(args.threads)
    work = args.work or Path("runs") / "bundled" / args.name
    result = KINDS[recipe["kind"]](recipe, work, seeds, args.threads)
    target = write_bundle(recipe, result, seeds, args.out)
    head = result["headline"]
    print(f"{target}: {head['metric']} {head['value']:.4f} ({head['data']})")
    return target


if __name__ == "__main__":
    main()
