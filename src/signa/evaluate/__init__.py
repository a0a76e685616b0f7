"""Metrics and evaluation of trained models."""
