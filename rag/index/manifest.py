"""The on-disk index: where its parts live, and the manifest that says how it was built.

`index/` holds `chroma/` (chunks and embeddings), `documents.sqlite` (whole documents),
`keywords/` (the keyword index, tantivy) and `manifest.json` (embedding model, chunking, schema
version, counts). Opening checks the manifest against the settings in use, so a query is never
embedded with another model than the chunks were.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rag.errors import IndexMismatchError, IndexMissingError, InputError
from rag.index.checkpoints import checkpoint
from rag.settings import SCHEMA_VERSION, Settings

MANIFEST = "manifest.json"


@dataclass(frozen=True)
class IndexPaths:
    root: Path

    @property
    def chroma(self) -> Path:
        return self.root / "chroma"

    @property
    def documents(self) -> Path:
        return self.root / "documents.sqlite"

    @property
    def keywords(self) -> Path:
        return self.root / "keywords"

    @property
    def bm25(self) -> Path:
        """Where indexes before the incremental keyword index kept theirs (bm25s): converted to
        `keywords/` once, by the next ingest or `rag index check --repair`."""
        return self.root / "bm25"

    @property
    def manifest(self) -> Path:
        return self.root / MANIFEST


# Build parameters added later, recorded only when not at the value every older index was built
# with: the parameters are part of each document's content hash, and an upgrade must not
# re-embed an unchanged archive.
BEFORE = {"embed_precision": "float32"}


def new_index_int8(settings: Settings) -> bool:
    """The precision of an index not built yet: int8 (1.35x the float32 embedding speed on AVX2,
    retrieval within 0.005 on MultiHop-RAG dev), unless this machine has the bulk embedder, a GPU
    or bfloat16 instructions, which embeds a large ingest faster still and needs a float32
    index (its vectors are float32's to cosine 0.9999, not int8's)."""
    from rag.llm.embed import bulk_hardware

    return not (settings.bulk_bf16 and bulk_hardware())


def embeds_int8(settings: Settings) -> bool:
    """Whether the index's chunks, and so its questions, are embedded with the int8 model: as
    set, else as the index's manifest records (an index from before the option is float32),
    else `new_index_int8` for an index not built yet."""
    if settings.embed_int8 is not None:
        return settings.embed_int8
    try:
        manifest = read_manifest(IndexPaths(settings.index_dir))
    except (OSError, ValueError):  # unreadable: `rag index check` says so; ingest rewrites it
        manifest = None
    if manifest is None:
        return new_index_int8(settings)
    return manifest.get("embed_precision", BEFORE["embed_precision"]) == "int8"


def resolved(settings: Settings) -> Settings:
    """`settings` with the embedding precision decided (`embeds_int8`), once, where an index is
    opened or written: a run that writes the manifest midway must not change its mind."""
    if settings.embed_int8 is not None:
        return settings
    return settings.with_(embed_int8=embeds_int8(settings))


def build_params(settings: Settings) -> dict[str, Any]:
    """What must match between ingest and ask for an index to be usable."""
    params: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "embed_model": settings.embed_model,
        "chunking": {
            "splitter": "llama_index.SentenceSplitter",
            "unit": "embedding tokens",
            "chunk_size": settings.chunk_tokens,
            "chunk_overlap": settings.chunk_overlap_tokens,
            "headers": settings.headers,
            "sentence_vectors": settings.sentence_vectors,
        },
    }
    if embeds_int8(settings):
        params["embed_precision"] = "int8"
    return params


def store_params(settings: Settings) -> dict[str, Any]:
    """Where the chunks live. Not a build parameter: the server may move (a new URL), but an
    index whose chunks are on a server is useless without one, and the other way round."""
    if settings.chroma_url:
        return {"store": "server", "collection": settings.chroma_collection}
    return {"store": "embedded"}


def check_store(paths: IndexPaths, settings: Settings) -> None:
    """Refuse to open an index's chunks in the wrong place: a server-built index without
    `--chroma` would look empty (and `index check --repair` would re-embed it all), an embedded
    one pointed at a server would look empty there. Manifests from before this say nothing."""
    try:
        manifest = read_manifest(paths) or {}
    except (OSError, ValueError):
        return  # `rag index check` reports an unreadable manifest itself
    _check_store(manifest, paths, settings)


def _check_store(manifest: dict[str, Any], paths: IndexPaths, settings: Settings) -> None:
    """`check_store` on a manifest already read."""
    store, collection = manifest.get("store"), manifest.get("collection", "chunks")
    if store == "server" and not settings.chroma_url:
        raise IndexMismatchError(
            f"The chunks of {paths.root} live on a Chroma server (collection {collection!r}). "
            "Give its URL with --chroma or RAG_CHROMA_URL."
        )
    if store == "embedded" and settings.chroma_url:
        raise IndexMismatchError(
            f"The chunks of {paths.root} live in its own folder, not on {settings.chroma_url}. "
            "Unset RAG_CHROMA_URL (--chroma), or ingest into a new --index for the server."
        )
    if store == "server" and collection != settings.chroma_collection:
        raise IndexMismatchError(
            f"The chunks of {paths.root} are in the server's collection {collection!r}, not "
            f"{settings.chroma_collection!r}. Set RAG_CHROMA_COLLECTION={collection}."
        )


def read_manifest(paths: IndexPaths) -> dict[str, Any] | None:
    if not paths.manifest.is_file():
        return None
    return json.loads(paths.manifest.read_text("utf-8"))


def write_manifest(paths: IndexPaths, settings: Settings, counts: dict[str, int]) -> None:
    old = read_manifest(paths) or {}
    now = datetime.now(UTC).isoformat(timespec="seconds")
    data = {
        **build_params(settings),
        **counts,
        **store_params(settings),
        "created": old.get("created", now),
        "updated": now,
    }
    tmp = paths.manifest.with_suffix(".tmp")
    checkpoint("manifest")
    tmp.write_text(json.dumps(data, indent=2) + "\n", "utf-8")
    checkpoint("manifest-write")
    tmp.replace(paths.manifest)


def check_compatible(paths: IndexPaths, settings: Settings) -> None:
    """Raise if the index was built with another embedding model, chunking or schema."""
    manifest = read_manifest(paths)
    if manifest is None:
        return
    _check_store(manifest, paths, settings)
    want = build_params(settings)
    diffs = [
        key
        for key in [*want, *(k for k in BEFORE if k not in want)]
        if manifest.get(key, BEFORE.get(key)) != want.get(key, BEFORE.get(key))
    ]
    if diffs:
        raise IndexMismatchError(
            f"The index in {paths.root} was built with other {', '.join(diffs)} "
            f"(manifest: {', '.join(f'{d}={manifest.get(d)}' for d in diffs)}). "
            "Re-run `rag ingest --rebuild`, or use another --index."
        )


def require_folder(root: Path) -> None:
    """Refuse an index path that names a file (a mistyped --index), before anything opens it."""
    if root.exists() and not root.is_dir():
        raise InputError(f"{root}: the index path is a file. Give a folder with --index.")


def require_ingested(paths: IndexPaths, settings: Settings) -> None:
    require_folder(paths.root)
    manifest = read_manifest(paths)
    if manifest is None or not manifest.get("documents"):
        raise IndexMissingError(
            f"Nothing has been ingested into {paths.root} yet. Run `rag ingest [PATH]` first."
        )
    check_compatible(paths, settings)
