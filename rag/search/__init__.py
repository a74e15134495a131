"""Stage 3, search: question analysis (outlets, dates, sub-queries) and hybrid retrieval over the
index. Knows nothing of answers."""
