"""The task registry: ``task: NAME`` in an experiment picks a registered :class:`~signa.train.task.Task`.

A task module registers its class with ``@register_task("name")``; a lookup imports the built-in task
modules first, so a new task joins by adding its module (and importing it before the lookup).
"""

from signa.registry import Registry

TASKS = Registry("task", ("signa.train.fingerspelling", "signa.train.signs"), "name")
register_task = TASKS.register
task_class = TASKS.get
