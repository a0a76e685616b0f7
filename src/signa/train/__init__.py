"""Training: the experiment config, the ``Task`` interface and the one loop that drives every task."""
