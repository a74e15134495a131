"""Switch off the phone-home features of the libraries we use, before any of them is imported.

Called once at the edge (the CLI, the UI). Uses setdefault so a user can still opt in."""

from __future__ import annotations

import os

PRIVATE_ENV = {
    "ANONYMIZED_TELEMETRY": "False",  # Chroma
    "GRADIO_ANALYTICS_ENABLED": "False",  # Gradio
    "HF_HUB_DISABLE_TELEMETRY": "1",  # huggingface_hub
    "DO_NOT_TRACK": "1",
    # Not privacy, but the same edge: quiet library progress bars and warnings in our output.
    "TOKENIZERS_PARALLELISM": "false",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "TRANSFORMERS_VERBOSITY": "error",
}


def apply() -> None:
    for key, value in PRIVATE_ENV.items():
        os.environ.setdefault(key, value)
