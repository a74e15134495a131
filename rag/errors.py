"""The error family. Every message says what went wrong and what to do about it; the CLI turns
these into one line and a non-zero exit, the UI into a visible error."""


class RagError(Exception):
    """Base class: a problem the user can fix, with a message that says how."""


class InputError(RagError):
    """A path, file or question that cannot be used."""


class IndexMissingError(RagError):
    """Asked before anything was ingested."""


class IndexMismatchError(RagError):
    """The index was built with other settings than the ones in use."""


class ModelError(RagError):
    """A model that is missing, corrupt or cannot be loaded."""


class SettingsError(RagError):
    """A `RAG_*` variable or setting with a value it does not accept, or a misspelt `RAG_*`
    name. A usage error, like a bad flag, so the CLI exits 2 rather than 1."""


class IndexBusyError(RagError):
    """Another process is writing to the index (one writer at a time)."""


class StoreError(RagError):
    """The vector store cannot be reached or used (a Chroma server that is down or misnamed)."""
