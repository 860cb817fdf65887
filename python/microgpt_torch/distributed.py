"""Process-group setup for DDP under torchrun: one process per device, NCCL between GPUs, gloo on CPUs. Run
without torchrun (no RANK / WORLD_SIZE in the environment), a script is one process and no group is made."""
from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist

from .errors import MicrogptTorchError


@dataclass(frozen=True)
class World:
    """This process's place: rank, world size, local rank, its device, and whether a process group exists."""

    rank: int
    size: int
    local_rank: int
    device: torch.device
    grouped: bool

    @property
    def is_main(self) -> bool:
        """Rank 0: the process that writes logs and the saved folder."""
        return self.rank == 0


def _env_int(name: str) -> int | None:
    value = os.environ.get(name)
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        raise MicrogptTorchError(f"environment: {name} must be an integer (torchrun sets it), found {value!r}") from None


def start(device: str = "auto") -> World:
    """Joins the process group torchrun describes (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR/PORT) and picks
    this process's device: ``auto`` is cuda:LOCAL_RANK when CUDA is available, else the CPU; ``cpu`` and
    ``cuda`` force one. The backend is NCCL on CUDA, gloo on the CPU.

    Raises MicrogptTorchError when CUDA is asked for but absent, or there are fewer GPUs than local ranks.
    """
    rank, size, local = _env_int("RANK"), _env_int("WORLD_SIZE"), _env_int("LOCAL_RANK")
    launched = rank is not None and size is not None
    rank, size, local = (rank or 0), (size or 1), (local or 0)
    if device not in ("auto", "cpu", "cuda"):
        raise MicrogptTorchError(f"--device must be auto, cpu or cuda, found {device!r}")
    use_cuda = device == "cuda" or (device == "auto" and torch.cuda.is_available())
    if use_cuda:
        if not torch.cuda.is_available():
            raise MicrogptTorchError("--device cuda: CUDA is not available to this PyTorch", hint="use --device cpu (gloo)")
        if local >= torch.cuda.device_count():
            raise MicrogptTorchError(
                f"local rank {local} has no GPU: this node has {torch.cuda.device_count()}",
                hint="set --nproc_per_node to at most the number of GPUs",
            )
        torch.cuda.set_device(local)
        where = torch.device("cuda", local)
    else:
        where = torch.device("cpu")
    if launched:
        backend = "nccl" if use_cuda else "gloo"
        if not dist.is_available() or (backend == "gloo" and not dist.is_gloo_available()):
            raise MicrogptTorchError(f"distributed: this PyTorch has no {backend} backend")
        dist.init_process_group(backend=backend, rank=rank, world_size=size)
    return World(rank, size, local, where, launched)


def all_sum(world: World, value: float, dtype: torch.dtype = torch.float64) -> float:
    """The sum of ``value`` over every process (the value itself for one process)."""
    if not world.grouped:
        return value
    t = torch.tensor([value], dtype=dtype, device=world.device)
    dist.all_reduce(t, op=dist.ReduceOp.SUM)
    return float(t.item())


def all_ok(world: World, ok: bool) -> bool:
    """Whether ``ok`` holds on every process (so all stop together when one hits a problem)."""
    if not world.grouped:
        return ok
    t = torch.tensor([0 if ok else 1], dtype=torch.int32, device=world.device)
    dist.all_reduce(t, op=dist.ReduceOp.SUM)
    return int(t.item()) == 0


def stop(world: World) -> None:
    """Leaves the process group, if one was made."""
    if world.grouped and dist.is_initialized():
        dist.destroy_process_group()
