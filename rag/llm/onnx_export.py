"""Export a sentence-transformers model folder (a BERT-style transformer) to ONNX, once.

Why: importing sentence-transformers costs about 6 s on 2 cores (it pulls in torch, transformers
and its own training machinery) before a single query is embedded, most of a cold `rag ask`.
onnxruntime and tokenizers, which chromadb already depends on, load in about 0.2 s and give the
same vectors (cosine 1.0000 against sentence-transformers, `tests/test_embed.py`). The export
needs torch, transformers and onnx, and runs the first time a model is used, about 5 s; the
result is cached beside the LLMs. `quantize` writes the int8 variant of an export (the
default for a new index on a machine without a GPU or bfloat16). torch, transformers, onnx and
onnxruntime's quantisation tools are imported only here.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

INPUTS = ("input_ids", "attention_mask", "token_type_ids")
# Part of the cached file's name, so that a change in how the export is made (2: eager attention)
# replaces exports made before.
VERSION = 2


def export(model_dir: Path, target: Path) -> None:
    """Write `model_dir`'s transformer (token embeddings out, no pooling) to `target`, atomically:
    two processes exporting at once each write their own temporary file."""
    import torch
    from transformers import AutoModel
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    # Eager attention: the default (torch's scaled_dot_product_attention) exports with a guard
    # against fully masked rows (IsNaN and Where after every softmax) that took 13% of the int8
    # model's run time, for rows that cannot occur ([CLS] is never masked). The same vectors
    # (cosine 0.9999999 in float32); 11% faster in float32 and 15 to 19% in int8 on AVX2.
    try:
        model = AutoModel.from_pretrained(str(model_dir), attn_implementation="eager").eval()
    except (ValueError, TypeError):  # a model class without the choice: its own attention
        model = AutoModel.from_pretrained(str(model_dir)).eval()

    class TokenEmbeddings(torch.nn.Module):
        # Keyword arguments: positional order of BertModel.forward changed between versions.
        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, token_type_ids):  # type: ignore[no-untyped-def]
            out = self.inner(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            )
            return out.last_hidden_state

    example = tuple(torch.ones((2, 8), dtype=torch.int64) for _ in INPUTS)
    axes = {name: {0: "batch", 1: "tokens"} for name in (*INPUTS, "token_embeddings")}
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # tracer warnings about Python control flow
        torch.onnx.export(
            TokenEmbeddings(model),
            example,
            str(tmp),
            input_names=list(INPUTS),
            output_names=["token_embeddings"],
            dynamic_axes=axes,
            opset_version=17,
            dynamo=False,  # the TorchScript exporter: no onnxscript needed, and it is exact here
        )
    tmp.replace(target)


def quantize(source: Path, target: Path) -> None:
    """Write `source` with its MatMul weights quantised to int8, one scale per output channel
    (onnxruntime's dynamic quantisation: activations are quantised on the fly), atomically.
    Per channel because one scale per tensor put the vectors at cosine 0.94 from float32
    instead of 0.994; MatMul only because the embedding table's lookup gains no speed."""
    import logging

    from onnxruntime.quantization import QuantType, quantize_dynamic

    tmp = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    # It logs (to the root logger) a suggestion to run its shape-inference pre-processing first,
    # which is for static quantisation; quiet for this call only.
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        quantize_dynamic(
            str(source),
            str(tmp),
            weight_type=QuantType.QInt8,
            per_channel=True,
            op_types_to_quantize=["MatMul"],
        )
    finally:
        root.setLevel(level)
    tmp.replace(target)
