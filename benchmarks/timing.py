"""The timing helper every benchmark uses, and the precisions worth timing on this CPU."""

from __future__ import annotations

from signa.timing import median_ms

__all__ = ["median_ms", "precisions"]


def precisions() -> tuple[str, ...]:
    """fp32, and bf16 where the CPU has it natively (``signa.cpu``: AMX or AVX512_BF16). Emulated
    bf16 is skipped, as ``precision: auto`` skips it: it ran 14-27x slower than fp32."""
    from signa.cpu import native_bf16

    return ("fp32", "bf16") if native_bf16() else ("fp32",)
