"""Storage errors. Each message says what happened and what to do, on one line."""


class StorageError(Exception):
    """Base class; ``str()`` is the one-line message for the user."""


class CorruptDatabase(StorageError):
    pass


class DatabaseBusy(StorageError):
    pass


class Unwritable(StorageError):
    pass


class AlreadyRecording(StorageError):
    pass
