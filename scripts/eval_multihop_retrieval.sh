#!/usr/bin/env bash
# The score-reaching retrieval run on MultiHop-RAG dev queries (Tang & Yang, 2024; ODC-BY 1.0).
# Not for CI: the first run ingests 609 articles (about 20 minutes on 2 shared CPU cores), then
# retrieves for 874 scored queries. Interrupt and rerun at will: finished work is kept.
#
#   bash scripts/eval_multihop_retrieval.sh [extra `rag eval retrieval` options]
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${DATA:-../shared/eval/multihop_rag}
export HF_HUB_OFFLINE=1
PYTHONPATH=$PWD .venv/bin/python -m rag.cli eval retrieval \
  --corpus "$DATA/corpus.json" --queries "$DATA/queries_dev.json" \
  --index "${INDEX:-index-eval-corpus}" --k 10 \
  --output "${OUTPUT:-scripts/results/multihop_dev_retrieval.jsonl}" "$@"
