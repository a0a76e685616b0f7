"""Processes and devices: one process per GPU under ``torchrun``, or one process alone.

Usage (one node with 8 GPUs; several nodes add ``--nnodes``, ``--node-rank`` and a rendezvous)::

    torchrun --nproc-per-node 8 -m signa train configs/fingerspelling/cfg_2.yaml
    torchrun --nnodes 2 --node-rank 0 --nproc-per-node 8 --rdzv-backend c10d \\
        --rdzv-endpoint HOST:29500 -m signa train configs/fingerspelling/cfg_2.yaml

``torchrun`` sets ``RANK``, ``WORLD_SIZE`` and ``LOCAL_RANK``; :func:`setup` reads them and joins the
process group (NCCL on GPU, gloo on CPU). Sharding is deterministic: the global order of an epoch is
one list, and process ``r`` of ``W`` takes items ``r, r + W, r + 2W, ...``, so each global batch is
the same set of samples whatever the number of processes.
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
import torch.distributed as dist

from signa.cpu import default_threads


@dataclass(frozen=True)
class Runtime:
    """Where a task runs: device, this process's rank among ``world_size``, and the run folder."""

    device: torch.device = torch.device("cpu")
    rank: int = 0
    world_size: int = 1
    run_dir: Path | None = None

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def setup(device: str | None = None) -> Runtime:
    """Join the process group started by ``torchrun`` (if any) and pick this process's device."""
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    if device is None:
        device = f"cuda:{local_rank}" if torch.cuda.is_available() else "cpu"
    device = torch.device(device)
    if device.type == "cuda":
        torch.cuda.set_device(device)
    if world_size > 1 and not dist.is_initialized():
        backend = "nccl" if device.type == "cuda" else "gloo"
        dist.init_process_group(backend, timeout=datetime.timedelta(minutes=30))
    return Runtime(device=device, rank=rank, world_size=world_size)


def teardown() -> None:
    if dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()


def world_size() -> int:
    return dist.get_world_size() if dist.is_initialized() else 1


def rank() -> int:
    return dist.get_rank() if dist.is_initialized() else 0


def barrier() -> None:
    if dist.is_initialized():
        dist.barrier()


def shard(items: list, rank_: int | None = None, world: int | None = None) -> list:
    """This process's share of ``items``: every ``world``-th item from ``rank``."""
    rank_ = rank() if rank_ is None else rank_
    world = world_size() if world is None else world
    return items[rank_::world]


def gather_shards(records: list[Any]) -> list[Any]:
    """Undo :func:`shard`: every process gets all records, in the order of the sharded list."""
    world = world_size()
    if world == 1:
        return records
    shards: list[list[Any]] = [[] for _ in range(world)]
    dist.all_gather_object(shards, records)
    merged = []
    for i in range(max(len(s) for s in shards)):
        merged.extend(s[i] for s in shards if i < len(s))
    return merged


def gather_all(value: Any) -> list[Any]:
    """``value`` of every process, by rank."""
    if not dist.is_initialized():
        return [value]
    values: list[Any] = [None] * dist.get_world_size()
    dist.all_gather_object(values, value)
    return values


def all_reduce_mean(values: torch.Tensor) -> torch.Tensor:
    """Mean of ``values`` over processes (for logged losses)."""
    if dist.is_initialized():
        values = values.clone()
        dist.all_reduce(values)
        values /= dist.get_world_size()
    return values


def broadcast_object(value: Any) -> Any:
    """Process 0's ``value`` on every process."""
    if not dist.is_initialized():
        return value
    box = [value]
    dist.broadcast_object_list(box, src=0)
    return box[0]


def set_cpu_threads(requested: int | str | None, modules) -> int:
    """Set torch's intra-op threads: a number, ``"auto"`` for :func:`signa.cpu.default_threads` of the
    modules' parameter count, or None to leave them as they are (a library caller's process keeps its
    own setting; the command line passes ``"auto"``); returns the number in use."""
    if requested is None:
        return torch.get_num_threads()
    if requested != "auto" and (not isinstance(requested, int) or requested < 1):
        raise ValueError(f"threads must be a whole number of at least 1 or 'auto', not {requested!r}")
    parameters = sum(p.numel() for m in modules for p in m.parameters())
    threads = default_threads(parameters) if requested == "auto" else requested
    if threads is not None:
        torch.set_num_threads(threads)
    return torch.get_num_threads()
