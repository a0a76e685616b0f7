"""Landmark layout, readers, caches, datasets and augmentations."""
