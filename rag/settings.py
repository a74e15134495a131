"""One frozen settings object, built at the edge (CLI flags over `RAG_*` environment over
defaults) and passed down. Nothing here is read at import time, and there is no global."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

# Schema of what ingest writes; bump it when the stored chunk layout changes.
SCHEMA_VERSION = 2  # 2: token-sized chunks, contextual headers, sentence vectors


def _default_threads() -> int:
    # llama.cpp is fastest with one thread per physical core; on small machines that is all of them.
    return max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class Settings:
    index_dir: Path = Path("index")
    # Retrieval
    k: int = 4
    candidates: int = 50  # per retriever and sub-query, before fusion (tuned: 20 -> 50)
    rrf_k: int = 60
    # Prompt economy: about this many tokens of passage sentences go to the model (0: whole
    # passages). Chosen from the accuracy-against-budget curve in the README.
    prompt_budget: int = 300
    # Second stage and question analysis (see rag/retrieve.py for what each does)
    # Boosts are in units of a first-place reciprocal-rank score; 0 switches a part off.
    rerank_candidates: int = 0  # fused chunks per sub-query that the second stage rescores
    sentence_weight: float = 2.0  # second stage: weight of the best sentence's similarity
    outlet_boost: float = 1.0  # a chunk from an outlet the question names
    outlet_filter: bool = False  # also restrict the whole question to the outlets it names
    date_boost: float = 0.5  # a chunk from a day the question names
    decompose: bool = True  # one sub-query per story for multi-story questions
    clause_text: bool = False  # a sub-query searches its clause, else the whole question (tuned)
    whole_weight: float = 1.0  # the whole question's ranking among the sub-queries' (each 1)
    dedupe: float = 0.6  # near-duplicate threshold (word 5-gram Jaccard); 0: off
    # Fusion weights, tuned on the odd-id half of the MultiHop-RAG dev queries: all-MiniLM-L6-v2
    # ranks far below BM25 over headed chunks there, so it only breaks ties (see README).
    w_dense: float = 0.1
    w_bm25: float = 1.0
    headers: bool = True  # contextual chunk headers (title, outlet, date); changes the index
    # Sentence vectors for the second stage; doubles ingest time, so off unless measured worth it.
    sentence_vectors: bool = False
    # Chunking, in the embedding model's word pieces (header and [CLS]/[SEP] included), so that
    # everything embedded fits the model's 256-piece window; the split never depends on an LLM.
    chunk_tokens: int = 256
    chunk_overlap_tokens: int = 40
    # Models
    embed_model: str = "all-MiniLM-L6-v2"
    model: str = "qwen2.5-coder-1.5b-instruct-q4_k_m"
    models_dir: Path | None = None  # None: the user cache dir
    n_gpu_layers: int = 0
    n_threads: int = 0  # 0: one per core
    n_ctx: int = 4096
    max_tokens: int = 256
    temperature: float = 0.0
    seed: int = 0

    @property
    def threads(self) -> int:
        return self.n_threads or _default_threads()

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **overrides: Any) -> Settings:
        """Defaults, then `RAG_<FIELD>` environment variables, then explicit overrides
        (None means "not given")."""
        env = dict(os.environ) if env is None else env
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get(f"RAG_{f.name.upper()}")
            if raw is not None and raw != "":
                values[f.name] = _convert(f.name, raw, cls)
        values.update({k: v for k, v in overrides.items() if v is not None})
        for key in ("index_dir", "models_dir"):
            if values.get(key) is not None:
                values[key] = Path(values[key]).expanduser()
        return cls(**values)

    def with_(self, **changes: Any) -> Settings:
        return replace(self, **changes)


def _convert(name: str, raw: str, cls: type[Settings]) -> Any:
    default = getattr(cls, name, None)
    if isinstance(default, bool):
        return raw.lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, float):
        return float(raw)
    return raw
