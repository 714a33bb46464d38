"""Tasks, on-disk layouts, batches, the embedded digits suite and the standard-dataset registry."""

from bench.data.loader import BatchSampler, to_float, to_uint8
from bench.data.readers import ImageSet, Split, read_split
from bench.data.tasks import Task, all_tasks, get_task, register_task

__all__ = ["BatchSampler", "ImageSet", "Split", "Task", "all_tasks", "get_task", "read_split", "register_task",
           "to_float", "to_uint8"]
