"""SIGNA's version, written into every checkpoint and export (a leaf module: importable from any stage)."""

__version__ = "0.1.0"
