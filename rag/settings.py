"""One frozen settings object, built at the edge (CLI flags over `RAG_*` environment over
defaults) and passed down. Nothing here is read at import time, and there is no global.

Each field carries its section, a one-line help and its limits in `field(metadata=...)`, so one
table drives parsing, validation, error messages and the docs (`Settings.by_section()`). Access
stays flat (`settings.k`) because the rest of the code reads it that way; sections are for
people, not for code. Every way of making a Settings (defaults, `from_env`, `with_`, the
constructor) is validated, so a bad value fails at the edge with one line that names the
setting and what it accepts, never deep inside a model load."""

from __future__ import annotations

import math
import os
from dataclasses import Field, dataclass, field, fields, replace
from pathlib import Path
from typing import Any, NamedTuple

from rag.errors import SettingsError

# Schema of what ingest writes; bump it when the stored chunk layout changes.
SCHEMA_VERSION = 2  # 2: token-sized chunks, contextual headers, sentence vectors

ENV_PREFIX = "RAG_"
SECTIONS = ("index", "ingest", "chunking", "retrieval", "llm", "ui")
# `RAG_*` names that are not settings but are ours (scripts/install.sh), so never "typos".
ENV_ALLOWED = frozenset(
    {"RAG_VENV", "RAG_EXTRAS", "RAG_DEBUG", "RAG_CHECKPOINTS", "RAG_CHECKPOINT_PAUSE_S"}
)
# An unknown `RAG_*` name this close to a setting's (difflib ratio, prefix left out) is taken for
# a typo; anything further off is left alone, as other tools may share the prefix.
TYPO_CUTOFF = 0.8

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


def _default_threads() -> int:
    # llama.cpp is fastest with one thread per physical core; on small machines that is all of them.
    return max(1, os.cpu_count() or 1)


def _meta(
    section: str,
    doc: str,
    *,
    lo: float | None = None,
    hi: float | None = None,
    below: str | None = None,
) -> dict[str, Any]:
    """A field's docs and limits: `lo`/`hi` inclusive, `below` the name of another field this
    one must stay under (a limit that depends on another setting)."""
    return {"section": section, "help": doc, "min": lo, "max": hi, "below": below}


class SettingDoc(NamedTuple):
    """One row of the settings reference (README, `--help` texts)."""

    name: str
    env: str
    default: Any
    accepts: str
    help: str


@dataclass(frozen=True)
class Settings:
    """Everything tunable, read flat (`settings.k`) by the code and grouped into sections for
    people (`by_section`). Frozen, so one object can be shared by threads and cached on."""

    index_dir: Path = field(default=Path("index"), metadata=_meta("index", "folder of the index"))
    embed_model: str = field(
        default="all-MiniLM-L6-v2",
        metadata=_meta("index", "sentence-transformers model for chunks and questions"),
    )
    # int8: the ONNX export's MatMul weights quantised per channel (onnxruntime's dynamic
    # quantisation). Retrieval with it end to end holds on MultiHop-RAG dev (within 0.005 of
    # float32, scripts/RETRIEVAL_RESULTS.md) and it embeds 1.35x faster on AVX2, so a new index is
    # int8 where there is no faster bulk embedder. None (not set): what the index records
    # (`rag.index.manifest.embeds_int8`), so an index built in float32 keeps working without
    # `--rebuild`; set, it must match the index.
    embed_int8: bool | None = field(
        default=None,
        metadata=_meta(
            "index",
            "embed with the int8 model (unset: as the index records; for a new one, int8 "
            "unless this machine has a GPU or bfloat16); changes the index",
        ),
    )
    headers: bool = field(
        default=True,
        metadata=_meta(
            "index", "contextual chunk headers (title, outlet, date); changes the index"
        ),
    )
    # Sentence vectors for the second stage; doubles ingest time, so off unless measured worth it.
    sentence_vectors: bool = field(
        default=False,
        metadata=_meta("index", "store sentence vectors for the second stage; doubles ingest time"),
    )

    # A Chroma server instead of the embedded store (`chroma run`); BM25, the documents table
    # and the manifest stay in index_dir.
    chroma_url: str = field(
        default="", metadata=_meta("index", "Chroma server URL (http://host:port); empty: embedded")
    )
    chroma_collection: str = field(
        default="chunks", metadata=_meta("index", "collection name on the Chroma server")
    )
    # A secret: never shown (repr=False), sent as a bearer token to a proxy in front of Chroma.
    chroma_token: str = field(
        default="", repr=False, metadata=_meta("index", "bearer token for the Chroma server")
    )

    # Ingest: caps and the network. The cap protects the machine from a runaway file (a 10 GB
    # log renamed .txt), not from news, which is far smaller.
    max_file_mb: float = field(
        default=50.0,
        metadata=_meta("ingest", "largest file or fetched page to ingest, in MB", lo=0.001),
    )
    fetch_timeout_s: float = field(
        default=10.0,
        metadata=_meta("ingest", "seconds to wait for a web server before giving up", lo=0.1),
    )
    # A crafted file can keep a parser busy for minutes (see rag/sources/deadline.py); a news
    # article, page or 300-page report reads in a second or two.
    max_read_s: float = field(
        default=8.0,
        metadata=_meta(
            "ingest",
            "CPU seconds to read one file, page or feed before skipping it (0: none)",
            lo=0,
        ),
    )
    lock_wait_s: float = field(
        default=30.0,
        metadata=_meta("ingest", "seconds `rag ingest` waits for another writer", lo=0),
    )
    bulk_bf16: bool = field(
        default=True,
        metadata=_meta(
            "ingest", "embed large ingests in bfloat16 (CPUs with AVX512-BF16/AMX, or a GPU)"
        ),
    )

    # Chunking, in the embedding model's word pieces (header and [CLS]/[SEP] included), so that
    # everything embedded fits the model's 256-piece window; the split never depends on an LLM.
    chunk_tokens: int = field(
        default=256,
        metadata=_meta(
            "chunking", "chunk size in embedding tokens; changes the index", lo=32, hi=512
        ),
    )
    chunk_overlap_tokens: int = field(
        default=40,
        metadata=_meta(
            "chunking", "tokens shared by neighbouring chunks", lo=0, below="chunk_tokens"
        ),
    )

    # Retrieval
    max_question_chars: int = field(
        default=1000,
        metadata=_meta("retrieval", "longest question accepted, in characters", lo=10),
    )
    k: int = field(default=4, metadata=_meta("retrieval", "passages given to the model", lo=1))
    # Tuned 20 -> 50.
    candidates: int = field(
        default=50,
        metadata=_meta("retrieval", "chunks per retriever and sub-query before fusion", lo=1),
    )
    rrf_k: int = field(
        default=60, metadata=_meta("retrieval", "reciprocal-rank-fusion constant", lo=1)
    )
    # Prompt economy: about this many tokens of evidence units go to the model. On a CPU every
    # prompt token costs about 10 ms before the first word; 300 keeps the prompt under 400.
    prompt_budget: int = field(
        default=300,
        metadata=_meta("retrieval", "tokens of evidence units (S1..S9) in the prompt", lo=50),
    )
    # Second stage and question analysis (see rag/search/retrieve.py for what each does)
    # Boosts are in units of a first-place reciprocal-rank score; 0 switches a part off.
    rerank_candidates: int = field(
        default=0,
        metadata=_meta(
            "retrieval", "fused chunks per sub-query the second stage rescores; 0: off", lo=0
        ),
    )
    sentence_weight: float = field(
        default=2.0,
        metadata=_meta("retrieval", "second stage: weight of the best sentence's similarity", lo=0),
    )
    outlet_boost: float = field(
        default=1.0,
        metadata=_meta("retrieval", "boost for a chunk from an outlet the question names", lo=0),
    )
    outlet_filter: bool = field(
        default=False, metadata=_meta("retrieval", "restrict the question to the outlets it names")
    )
    cover_outlets: bool = field(
        default=True,
        metadata=_meta("retrieval", "each outlet a story of the question names keeps a place"),
    )
    date_boost: float = field(
        default=0.5,
        metadata=_meta("retrieval", "boost for a chunk from a day the question names", lo=0),
    )
    decompose: bool = field(
        default=True,
        metadata=_meta("retrieval", "one sub-query per story for multi-story questions"),
    )
    # Tuned: off.
    clause_text: bool = field(
        default=False,
        metadata=_meta("retrieval", "a sub-query searches its clause, else the whole question"),
    )
    whole_weight: float = field(
        default=1.0,
        metadata=_meta(
            "retrieval", "weight of the whole question's ranking among the sub-queries'", lo=0
        ),
    )
    dedupe: float = field(
        default=0.6,
        metadata=_meta(
            "retrieval", "near-duplicate threshold, word 5-gram Jaccard; 0: off", lo=0, hi=1
        ),
    )
    # Fusion weights, tuned on the odd-id half of the MultiHop-RAG dev queries: all-MiniLM-L6-v2
    # ranks far below BM25 over headed chunks there, so it only breaks ties (see README).
    w_dense: float = field(
        default=0.1, metadata=_meta("retrieval", "fusion weight of the dense ranking", lo=0)
    )
    w_bm25: float = field(
        default=1.0, metadata=_meta("retrieval", "fusion weight of the BM25 ranking", lo=0)
    )

    # Models
    # Any OpenAI-compatible server (llama.cpp's llama-server, `python -m llama_cpp.server`, vLLM)
    # instead of the in-process model; `model` is then unused.
    llm_url: str = field(
        default="",
        metadata=_meta(
            "llm", "OpenAI-compatible model server, e.g. http://host:8080/v1; empty: in-process"
        ),
    )
    llm_model: str = field(
        default="", metadata=_meta("llm", "model name on the server; empty: the first it lists")
    )
    # A secret: never shown (repr=False); OPENAI_API_KEY is read when this is empty.
    llm_api_key: str = field(
        default="", repr=False, metadata=_meta("llm", "API key for the model server")
    )
    llm_timeout_s: float = field(
        default=120.0,
        metadata=_meta("llm", "seconds to wait for the model server's next reply", lo=0.1),
    )
    # How many next-token alternatives to ask the server for: the evidence choice reads the
    # options' probabilities among them. vLLM allows 20 by default.
    llm_top_logprobs: int = field(
        default=20,
        metadata=_meta("llm", "next-token alternatives asked of the server", lo=1, hi=100),
    )
    model: str = field(
        default="qwen2.5-coder-1.5b-instruct-q4_k_m",
        metadata=_meta("llm", "catalogue name or .gguf path"),
    )
    models_dir: Path | None = field(
        default=None, metadata=_meta("llm", "model cache; unset: the user cache dir")
    )
    n_gpu_layers: int = field(
        default=0, metadata=_meta("llm", "layers offloaded to the GPU; -1: all", lo=-1)
    )
    n_threads: int = field(default=0, metadata=_meta("llm", "CPU threads; 0: one per core", lo=0))
    # Below 256 the prompt alone (instructions and passages) does not fit.
    n_ctx: int = field(default=4096, metadata=_meta("llm", "context window in tokens", lo=256))
    max_tokens: int = field(
        default=256, metadata=_meta("llm", "longest answer in tokens", lo=1, below="n_ctx")
    )
    temperature: float = field(
        default=0.0, metadata=_meta("llm", "sampling temperature; 0: greedy", lo=0, hi=2)
    )
    # llama.cpp takes a 32-bit unsigned seed.
    seed: int = field(
        default=0, metadata=_meta("llm", "sampling seed, so answers repeat", lo=0, hi=2**32 - 1)
    )

    def __post_init__(self) -> None:
        """Validates whatever way the object was made (constructor, `with_`, `from_env`), and
        normalises types (int to float, str to Path) so that equal settings compare equal."""
        current = {f.name: getattr(self, f.name) for f in fields(self)}
        for name, value in _validated(current, {}).items():
            if value is not current[name]:
                object.__setattr__(self, name, value)

    @property
    def threads(self) -> int:
        return self.n_threads or _default_threads()

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **overrides: Any) -> Settings:
        """Defaults, then `RAG_<FIELD>` environment variables, then explicit overrides
        (None means "not given"). Raises SettingsError naming the variable (or, for an
        override, the setting) when a value is not accepted, or when an unknown `RAG_*` name
        looks like a misspelt setting, which would otherwise be ignored without a word."""
        env = dict(os.environ) if env is None else env
        by_name = {f.name: f for f in fields(cls)}
        _check_typos(env, [env_name(n) for n in by_name])
        given: dict[str, Any] = {}
        shown: dict[str, str] = {}
        for name, f in by_name.items():
            raw = env.get(env_name(name))
            if raw is not None and raw != "":
                shown[name] = f"{env_name(name)}={_show(raw, raw=True)}"
                given[name] = _parse(f, raw, shown[name])
        for name, value in overrides.items():
            if value is None:
                continue
            if name not in by_name:
                raise TypeError(f"Settings has no field {name!r}")
            given[name], shown[name] = value, f"{name}={_show(value)}"
        for key in ("index_dir", "models_dir"):
            if isinstance(given.get(key), str | os.PathLike):
                given[key] = Path(given[key]).expanduser()
        merged = {n: given.get(n, f.default) for n, f in by_name.items()}
        _validated(merged, shown)  # first, to label errors by where each value came from
        return cls(**given)

    def with_(self, **changes: Any) -> Settings:
        """A copy with some fields changed; validated like any other Settings."""
        return replace(self, **changes)

    @classmethod
    def by_section(cls) -> dict[str, list[SettingDoc]]:
        """Every setting, grouped by section in SECTIONS order: the source for docs."""
        groups: dict[str, list[SettingDoc]] = {}
        for f in fields(cls):
            accepts = _accepts(f, text=True)
            doc = SettingDoc(f.name, env_name(f.name), f.default, accepts, f.metadata["help"])
            groups.setdefault(f.metadata["section"], []).append(doc)
        return {s: groups[s] for s in SECTIONS if s in groups}


def env_name(name: str) -> str:
    """The environment variable for a setting: `k` -> `RAG_K`."""
    return f"{ENV_PREFIX}{name.upper()}"


def _check_typos(env: dict[str, str], known: list[str]) -> None:
    """An unknown `RAG_*` name close to a real one is almost surely a typo, and ignoring it
    would silently run with the default; names further off may belong to other tools."""
    import difflib

    stems = {n.removeprefix(ENV_PREFIX): n for n in known}
    for var in sorted(env):
        if not var.startswith(ENV_PREFIX) or var in known or var in ENV_ALLOWED:
            continue
        # Compare without the shared prefix, which would make any short name look close.
        stem = var.removeprefix(ENV_PREFIX).upper()
        close = difflib.get_close_matches(stem, list(stems), n=1, cutoff=TYPO_CUTOFF)
        if close:
            raise SettingsError(f"Unknown setting {var}; did you mean {stems[close[0]]}?")


def _kind(f: Field[Any]) -> str:
    """The field's value type from its annotation (a string, as annotations are postponed)."""
    return {"Path | None": "Path", "bool | None": "bool"}.get(str(f.type), str(f.type))


def _show(value: Any, *, raw: bool = False) -> str:
    """A value as it goes into the one-line message: an environment string as typed, a Python
    string quoted (so k='4' is told apart from k=4), never a newline, never endless."""
    text = value if raw else repr(value) if isinstance(value, str) else str(value)
    if not text.isprintable():
        text = repr(text)
    return text if len(text) <= 60 else text[:57] + "..."


def _accepts(
    f: Field[Any], *, text: bool = False, bound: Any = None, bound_label: str | None = None
) -> str:
    """What a field accepts, in words, e.g. 'a whole number from 32 to 512'. `text`: as an
    environment string (bools spelt 1/0, yes/no...), else as a Python value."""
    kind, meta = _kind(f), f.metadata
    if kind == "bool":
        return "one of 1/0, true/false, yes/no, on/off" if text else "True or False"
    if kind == "str":
        return "a text" if f.default == "" else "a non-empty text"
    if kind == "Path":
        return "a folder path"
    noun = "a whole number" if kind == "int" else "a number"
    lo, hi = meta["min"], meta["max"]
    fmt = (lambda v: str(int(v))) if kind == "int" else (lambda v: f"{v:g}")
    if lo is not None and hi is not None:
        accepted = f"{noun} from {fmt(lo)} to {fmt(hi)}"
    elif lo is not None:
        accepted = f"{noun} >= {fmt(lo)}"
    elif hi is not None:
        accepted = f"{noun} <= {fmt(hi)}"
    else:
        accepted = noun
    if meta["below"]:
        other = bound_label or (env_name(meta["below"]) if text else meta["below"])
        accepted += f" and below {other}" + ("" if bound is None else f"={bound}")
    return accepted


def _error(f: Field[Any], label: str, **how: Any) -> SettingsError:
    """The one line: what was given, what is accepted, and what the setting is for."""
    return SettingsError(f"{label}: expected {_accepts(f, **how)} ({f.metadata['help']}).")


def _parse(f: Field[Any], raw: str, label: str) -> Any:
    """An environment string as the field's type; range checks come later, with the others."""
    kind, stripped = _kind(f), raw.strip()
    if kind == "bool" and stripped.lower() in _TRUE | _FALSE:
        return stripped.lower() in _TRUE
    if kind in ("int", "float"):
        try:
            return int(stripped) if kind == "int" else float(stripped)
        except ValueError:
            pass
    if kind == "Path":
        return Path(raw)
    if kind == "str":
        return raw
    raise _error(f, label, text=True)


_REJECTED = object()  # a value of the wrong type (distinct from None, which models_dir takes)


def _coerced(f: Field[Any], value: Any) -> Any:
    """The value in the field's type, or _REJECTED. Strict on purpose: a string '4' for `k` or
    1 for a bool is a caller's mistake, not something to guess about."""
    kind = _kind(f)
    if kind == "bool":
        ok = isinstance(value, bool) or (value is None and f.default is None)
        return value if ok else _REJECTED
    if isinstance(value, bool):  # bool is an int subclass; True is not a number of passages
        return _REJECTED
    if kind == "int":
        return value if isinstance(value, int) else _REJECTED
    if kind == "float":
        ok = isinstance(value, int | float) and math.isfinite(value)
        return float(value) if ok else _REJECTED
    if kind == "Path":
        if value is None and f.default is None:
            return None
        ok = isinstance(value, str | os.PathLike) and str(value) != ""
        return Path(value) if ok else _REJECTED
    if isinstance(value, str) and f.default == "":  # optional texts: empty means "not set"
        return value.strip()
    return value if isinstance(value, str) and value.strip() else _REJECTED


def _validated(values: dict[str, Any], shown: dict[str, str]) -> dict[str, Any]:
    """Checks a complete set of field values: types, ranges, then limits set by other fields.
    `shown` labels values by where they came from (`RAG_K=abc`, `k=0`); the rest are labelled
    by setting name. Returns the values in their fields' types."""
    by_name = {f.name: f for f in fields(Settings)}

    def from_text(name: str) -> bool:
        return shown.get(name, "").startswith(ENV_PREFIX)

    def label(name: str, text: bool) -> str:
        if name in shown:
            return shown[name]
        given = env_name(name) if text else name
        # A default is only worth naming as such when something else was given.
        return f"{given}={_show(values[name])}" + (" (default)" if shown else "")

    def bound_label(name: str, text: bool) -> str:
        # The other setting, the way the user gave it (if they did) or would give it.
        return shown[name].split("=", 1)[0] if name in shown else env_name(name) if text else name

    out: dict[str, Any] = {}
    for name, value in values.items():
        f = by_name[name]
        v = _coerced(f, value)
        lo, hi = f.metadata["min"], f.metadata["max"]
        if v is _REJECTED or (lo is not None and v < lo) or (hi is not None and v > hi):
            below, text = f.metadata["below"], from_text(name)
            where = below and bound_label(below, text)
            raise _error(f, label(name, text), text=text, bound_label=where)
        out[name] = v
    for name, value in out.items():
        below = by_name[name].metadata["below"]
        if below and value >= out[below]:
            text = from_text(name) or from_text(below)
            where = bound_label(below, text)
            raise _error(by_name[name], label(name, text), bound=out[below], bound_label=where)
    return out
