"""Two processes with gloo on CPU train exactly like one process with the same global batch."""

import json
import os
import socket

import safetensors.torch
import torch
import torch.multiprocessing as mp
from toy_task import toy_experiment

from signa.train import loop
from signa.train.config import experiment_from_dict
from signa.train.distributed import gather_shards, shard

SETTINGS = ("model.dropout=0.0", "train.epochs=2", "train.log_every=4", "train.checkpoint_every_steps=8")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _worker(rank: int, world: int, port: int, run_dir: str, weights_dir: str) -> None:
    os.environ.update(
        RANK=str(rank),
        WORLD_SIZE=str(world),
        LOCAL_RANK=str(rank),
        MASTER_ADDR="127.0.0.1",
        MASTER_PORT=str(port),
    )
    torch.set_num_threads(1)
    original_run = loop._Trainer.run

    def run_and_dump(self):
        result = original_run(self)
        torch.save(self.task.models["model"].state_dict(), f"{weights_dir}/rank{rank}.pt")
        assert gather_shards(shard(list(range(11)))) == list(range(11))
        return result

    loop._Trainer.run = run_and_dump
    loop.train(experiment_from_dict(toy_experiment(*SETTINGS, "data.batch_size=4")), run_dir, device="cpu")


def _logged(run_dir, kind, key):
    lines = (run_dir / "metrics.jsonl").read_text().splitlines()
    return [(r["step"], r[key]) for r in map(json.loads, lines) if r["kind"] == kind]


def test_two_gloo_processes_match_one_process(tmp_path):
    mp.spawn(_worker, args=(2, _free_port(), str(tmp_path / "ddp"), str(tmp_path)), nprocs=2, join=True)
    single = experiment_from_dict(toy_experiment(*SETTINGS, "data.batch_size=8"))
    loop.train(single, tmp_path / "single")

    rank0, rank1 = torch.load(tmp_path / "rank0.pt"), torch.load(tmp_path / "rank1.pt")
    assert all(torch.equal(rank0[k], rank1[k]) for k in rank0), "ranks drifted apart"
    alone = safetensors.torch.load_file(str(tmp_path / "single" / "checkpoint" / "model.safetensors"))
    assert all(torch.allclose(alone[k], rank0[k], atol=1e-5) for k in alone)
    for kind, key in (("train", "loss"), ("eval", "mse"), ("eval", "n")):
        ddp, one = _logged(tmp_path / "ddp", kind, key), _logged(tmp_path / "single", kind, key)
        assert [s for s, _ in ddp] == [s for s, _ in one] and len(ddp) > 0
        assert all(abs(a - b) < 1e-5 for (_, a), (_, b) in zip(ddp, one, strict=True)), (kind, key)
