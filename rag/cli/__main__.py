"""`python -m rag.cli`: the same as `rag`."""

from rag.cli import main

main()
