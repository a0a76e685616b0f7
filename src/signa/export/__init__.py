"""Export trained models to ONNX and TFLite, preprocessing inside the graph, with ``export.json``."""

from signa.export.exporter import ExportOptions, export_checkpoints
from signa.export.metadata import ExportInfo, read_export_info

__all__ = ["ExportInfo", "ExportOptions", "export_checkpoints", "read_export_info"]
