"""A local, private question-answering assistant for news articles."""

__version__ = "0.1.0"
