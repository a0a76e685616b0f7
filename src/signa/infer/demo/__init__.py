"""``signa demo``: what SIGNA does, in under two minutes on 2 CPU cores, offline, on the repo's own
models and data.

    signa demo                  # translate 5 real LSM videos, spell COMPOSED phrases, export, animate
    signa demo --out DIR        # where it writes (default runs/demo)
    signa demo --train          # small models trained from scratch instead (1-4 min)

    >>> from signa.infer.demo import DemoOptions, run_demo
    >>> run_demo(DemoOptions(clips=2))["clips"][0]["sign"]
    'ambulancia'
"""

from signa.infer.demo.run import DemoOptions, run_demo
from signa.infer.demo.training import train_demo

__all__ = ["DemoOptions", "run_demo", "train_demo"]
