"""Export trained models to ONNX and TFLite, preprocessing inside the graph, with ``export.json``.

``ExportOptions`` and ``export_checkpoints`` (which need torch) are imported on first use, so the
torch-free modules of this package (``metadata``, ``runtimes``) serve inference without torch.
"""

from signa.export.metadata import ExportInfo, read_export_info

__all__ = ["ExportInfo", "ExportOptions", "export_checkpoints", "read_export_info"]


def __getattr__(name: str):
    if name in ("ExportOptions", "export_checkpoints"):
        from signa.export import exporter

        return getattr(exporter, name)
    raise AttributeError(f"module 'signa.export' has no attribute {name!r}")
