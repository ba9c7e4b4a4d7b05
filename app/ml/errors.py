"""The ML package's errors: each says what went wrong and what the trader can do about it."""

from __future__ import annotations


class DataError(ValueError):
    """Bars that cannot be used (unreadable CSV, bad prices, too little history), with what to fix."""


class TrainingCancelled(Exception):
    """Training stopped because the caller's `cancelled()` answered True; nothing was saved."""


class ModelStoreError(Exception):
    """A model file that cannot be saved, found, read or used."""


class ModelIntegrityError(ModelStoreError):
    """The model file's sha256 differs from the one recorded when it was saved."""


class UntrustedModelError(ModelStoreError):
    """The model file holds types outside the allow-list, so loading it could run foreign code."""

    def __init__(self, message: str, types: tuple[str, ...]) -> None:
        super().__init__(message)
        self.types = types
