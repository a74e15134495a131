"""Stage 1, models: the LLM in process (llama.cpp) or behind any OpenAI-compatible server, the
model catalogue, the embedders and their ONNX export. Knows nothing of sources, the index, search
or answers."""
