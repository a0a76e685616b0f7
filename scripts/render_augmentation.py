"""Render a real landmark sequence beside its augmented version, as an animated GIF (or MP4).

Usage:
    # the whole cfg_2 training pipeline on the default real sequence (asl-signs "hello" in ../shared/data)
    .venv/bin/python scripts/render_augmentation.py runs/augment.gif

    # one transform alone, always applied; see which steps fired in the printout
    .venv/bin/python scripts/render_augmentation.py runs/fingers.gif --transform fingers_drop --seed 3

    # another sequence (any file signa reads: long/wide parquet, .pose, .npy), the cfg_1 recipe,
    # and frame 40 saved as a PNG to look at
    .venv/bin/python scripts/render_augmentation.py runs/cfg1.gif \\
        --sequence ../shared/data/pose/FOOTBALL.parquet --preset cfg_1 --png runs/frame40.png --frame 40

Transforms (--transform): the pipeline steps flip, resample, dynamic_resample, time_shift, affine,
fingers_drop, part_drop, temporal_mask, spatial_mask, and the single part drops pose_drop,
face_drop, hands_drop. Without --transform the full pipeline runs with its probabilities, exactly
as ``build_fingerspelling_augment(config)`` does with the same seed.

The panels show globally normalised coordinates (y downwards, as in the image); missing or dropped
points are not drawn. The shorter sequence holds its last frame. ``.mp4`` needs ffmpeg.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402
from matplotlib import animation  # noqa: E402

from signa.data.augment.base import Transform, chance  # noqa: E402
from signa.data.augment.fingerspelling import (  # noqa: E402
    FingerspellingAugmentConfig,
    fingerspelling_steps,
)
from signa.data.augment.fingerspelling_ops import (  # noqa: E402
    PartDrop,
    PoseDrop,
    finger_groups,
    part_points,
    pose_mirror_pairs,
)
from signa.data.layout import FINGERSPELLING_130  # noqa: E402
from signa.data.preprocess import normalise, select_landmarks  # noqa: E402
from signa.data.readers import read_sequences  # noqa: E402
from signa.files import atomic_path  # noqa: E402

DEFAULT_SEQUENCE = (
    Path(__file__).resolve().parents[1].parent
    / "shared/data/asl-signs/train_landmark_files/61333/2671685092.parquet"
)
PART_COLOURS = {"left_hand": "tab:blue", "right_hand": "tab:red", "face": "tab:gray", "pose": "tab:green"}


def load_sequence(path: Path) -> torch.Tensor:
    """(T, 130, 3) globally normalised landmarks of the first sequence in ``path``, missing = 0."""
    landmarks = torch.from_numpy(read_sequences(path)[0].landmarks)
    return normalise(select_landmarks(landmarks, FINGERSPELLING_130))


def single_transforms(config: FingerspellingAugmentConfig) -> dict[str, Transform]:
    steps = {name: transform for name, (transform, _) in fingerspelling_steps(config).items()}
    steps["pose_drop"] = PoseDrop(config.pose_drop_first_pair)
    steps["face_drop"] = PartDrop(("face",))
    steps["hands_drop"] = PartDrop(("left_hand", "right_hand"))
    return steps


def augment(x: torch.Tensor, config: FingerspellingAugmentConfig, name: str | None, seed: int):
    """(augmented, names of the steps that fired), drawing exactly as the built pipeline does."""
    generator = torch.Generator().manual_seed(seed)
    if name is not None:
        return single_transforms(config)[name](x, generator), [name]
    fired = []
    for step, (transform, p) in fingerspelling_steps(config).items():
        if chance(generator, p):
            x = transform(x, generator)
            fired.append(step)
    return x, fired


def skeleton() -> list[list[int]]:
    """Point chains to draw as lines: each finger from the wrist, and each arm."""
    chains = []
    fingers = finger_groups(FINGERSPELLING_130).reshape(2, 5, 4)
    for hand, wrist in zip(fingers, ("left_hand", "right_hand"), strict=True):
        first = int(part_points(FINGERSPELLING_130, wrist)[0])
        chains += [[first, *finger.tolist()] for finger in hand]
    pairs = pose_mirror_pairs(FINGERSPELLING_130)  # shoulder, elbow, wrist, ... on both sides
    chains += [pairs[:3, side].tolist() for side in (0, 1)]
    return chains


class Panel:
    """One animated axis: scatter coloured by part, skeleton lines, a title with the frame number."""

    def __init__(self, ax, x: torch.Tensor, label: str, limits):
        self.ax, self.x, self.label = ax, x, label
        self.parts = {name: part_points(FINGERSPELLING_130, name) for name in PART_COLOURS}
        self.dots = {
            name: ax.scatter([], [], s=8, c=colour, label=name) for name, colour in PART_COLOURS.items()
        }
        self.chains = skeleton()
        self.lines = [ax.plot([], [], lw=1, c="k", alpha=0.6)[0] for _ in self.chains]
        ax.set_xlim(*limits[0])
        ax.set_ylim(limits[1][1], limits[1][0])  # image y points down
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])

    def draw(self, t: int):
        frame = self.x[min(t, len(self.x) - 1)]  # (130, 3)
        present = ~(frame == 0).all(-1)
        for name, points in self.parts.items():
            shown = points[present[points]]
            self.dots[name].set_offsets(frame[shown, :2].numpy().reshape(-1, 2))
        for line, chain in zip(self.lines, self.chains, strict=True):
            chain = [p for p in chain if present[p]]
            line.set_data(frame[chain, 0].numpy(), frame[chain, 1].numpy())
        held = " (ended)" if t >= len(self.x) else ""
        self.ax.set_title(
            f"{self.label}  frame {min(t, len(self.x) - 1) + 1}/{len(self.x)}{held}", fontsize=9
        )


def limits(*sequences: torch.Tensor):
    """Shared ((xmin, xmax), (ymin, ymax)) over the present points of all sequences, with a margin."""
    xy = torch.cat([x[~(x == 0).all(-1)][:, :2] for x in sequences])
    low, high = xy.amin(0), xy.amax(0)
    margin = 0.05 * (high - low)
    return [(float(low[i] - margin[i]), float(high[i] + margin[i])) for i in range(2)]


def render(original, augmented, title: str, out: Path, fps: int, png: Path | None, png_frame: int):
    bounds = limits(original, augmented)
    aspect = (bounds[1][1] - bounds[1][0]) / (bounds[0][1] - bounds[0][0])
    fig, axes = plt.subplots(1, 2, figsize=(10, 5 * aspect + 0.9))
    fig.suptitle(title, fontsize=10, y=0.99)
    fig.subplots_adjust(left=0.01, right=0.99, bottom=0.01, top=1 - 0.8 / (5 * aspect + 0.9), wspace=0.04)
    panels = [Panel(axes[0], original, "original", bounds), Panel(axes[1], augmented, "augmented", bounds)]
    fig.legend(
        *axes[0].get_legend_handles_labels(),
        loc="upper center",
        ncol=4,
        fontsize=8,
        frameon=False,
        bbox_to_anchor=(0.5, 0.95),
    )
    frames = max(len(original), len(augmented))

    def update(t):
        for panel in panels:
            panel.draw(t)

    if png is not None:
        update(png_frame)
        with atomic_path(png) as tmp:
            fig.savefig(tmp, format="png", dpi=100)
    writer = animation.PillowWriter(fps=fps) if out.suffix == ".gif" else animation.FFMpegWriter(fps=fps)
    with tempfile.TemporaryDirectory(dir=out.parent) as folder:  # the writers pick the format by suffix
        partial = Path(folder) / out.name
        animation.FuncAnimation(fig, update, frames=frames).save(partial, writer=writer, dpi=80)
        os.replace(partial, out)  # atomic
    plt.close(fig)


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("out", type=Path, help="output animation, .gif (pillow) or .mp4 (ffmpeg)")
    parser.add_argument("--sequence", type=Path, default=DEFAULT_SEQUENCE, help="landmark file to render")
    parser.add_argument("--transform", choices=sorted(single_transforms(FingerspellingAugmentConfig())))
    parser.add_argument("--preset", choices=("cfg_2", "cfg_1"), default="cfg_2")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--fps", type=int, default=10)
    parser.add_argument("--png", type=Path, help="also save one frame as a PNG")
    parser.add_argument("--frame", type=int, default=0, help="frame index for --png")
    args = parser.parse_args()

    original = load_sequence(args.sequence)
    config = FingerspellingAugmentConfig.preset(args.preset)
    augmented, fired = augment(original, config, args.transform, args.seed)
    steps = ", ".join(fired) or "none"
    title = f"{args.sequence.name}: {args.transform or args.preset} (seed {args.seed}): {steps}"
    print(title)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    render(original, augmented, title, args.out, args.fps, args.png, args.frame)
    print(f"wrote {args.out} ({max(len(original), len(augmented))} frames)")


if __name__ == "__main__":
    main()
