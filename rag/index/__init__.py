"""Stage 2, the index: what is on disk and how it is written. The Chroma store, the keyword index,
the documents table, the manifest, the write lock, ingest, and `rag index check`. Builds on
sources and models; knows nothing of search or answers."""
