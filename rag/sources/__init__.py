"""Stage 1, sources: from files, web pages, PDFs, URLs and feeds to `Document`s, then to chunks
with character offsets; sentences and near-duplicate stories. Knows nothing of the index, search,
answers or models."""
