"""The ``signa`` Typer application and the help texts its commands share."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="signa",
    help="SIGNA: sign language to text from MediaPipe Holistic landmarks.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
LAYOUT_HELP = (
    "Order of the values in .npy keypoint vectors: blocks such as pose25v,left_hand,right_hand, "
    "a YAML file, or mp-data (the default, 1662 values)."
)
# click's UsageError (bad option or argument), the base of typer.BadParameter; typer may vendor click
USAGE_ERROR = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "UsageError")
data_app = typer.Typer(help="Read, inspect, prepare and compose landmark data.", no_args_is_help=True)
app.add_typer(data_app, name="data")
NAMED = " or a bundled model's name (signa models)"
THREADS_HELP = (
    "CPU threads (default: PyTorch one per million parameters, at most the cores available;"
    " ONNX/TFLite the cores, at most 4)."
)


@app.callback()
def _root() -> None:
    """SIGNA: sign language to text from MediaPipe Holistic landmarks."""
