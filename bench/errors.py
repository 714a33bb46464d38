"""Errors the harness raises for bad input; the CLI prints them as one clear line."""


class BenchError(Exception):
    """Base class: a problem with the user's input, data or configuration (not a bug)."""


class DataError(BenchError):
    """A dataset file or folder is missing, empty, corrupt or inconsistent."""


class ConfigError(BenchError):
    """An unknown or invalid task, method, setting, override or config value."""


class ChecksumError(DataError):
    """A downloaded file does not match its recorded SHA-256."""


class UnsafeArchiveError(DataError):
    """An archive member would be written outside its target folder."""


class TrainingDiverged(BenchError):
    """A loss became NaN or infinite; the run stopped and kept its last good checkpoint."""


class MissingWeightsError(BenchError):
    """Pretrained weights a metric needs are not on disk."""
