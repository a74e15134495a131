#!/usr/bin/env bash
# Installs the assistant into a virtual environment (default .venv, or $RAG_VENV).
# Usage: bash scripts/install.sh [EXTRAS]   (EXTRAS: "test" adds pytest, ruff and playwright;
# "server" adds python -m llama_cpp.server, for the README's "Scale out")
#
# Why a script and not just `pip install .`: llama-cpp-python ships as source only, and its
# default (native) build picks CPU paths that crash on some virtualised Xeons (AMX). We choose
# build flags that work for the CPU we are on, and a user overrides them with CMAKE_ARGS, e.g.
#   CMAKE_ARGS="-DGGML_CUDA=on" bash scripts/install.sh      # NVIDIA GPU
#   CMAKE_ARGS="-DGGML_METAL=on" bash scripts/install.sh     # Apple silicon (the default there)
# Torch is pinned to the CPU build so the embedding model does not pull gigabytes of CUDA wheels.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=${RAG_VENV:-.venv}
python=${PYTHON:-$(command -v python3.11 || command -v python3)}
extras=${1:-${RAG_EXTRAS:-}}  # e.g. "test"

if [ ! -x "$venv/bin/python" ]; then
  "$python" -m venv "$venv"
fi
pip=("$venv/bin/python" -m pip install --disable-pip-version-check)

llama_flags() {
  # Honour the user's own flags first.
  if [ -n "${CMAKE_ARGS:-}" ]; then echo "$CMAKE_ARGS"; return; fi
  case "$(uname -s)-$(uname -m)" in
    Linux-x86_64)
      # Portable build (no -march=native, so no AMX), plus the AVX-512 kernels where the CPU has
      # them: they make prompt processing ~1.5x faster than plain AVX2 (see README, "Speed").
      local flags="-DGGML_NATIVE=OFF"
      if grep -qw avx512f /proc/cpuinfo && grep -qw avx512_vnni /proc/cpuinfo; then
        flags="$flags -DGGML_AVX512=ON -DGGML_AVX512_VNNI=ON"
        grep -qw avx512vbmi /proc/cpuinfo && flags="$flags -DGGML_AVX512_VBMI=ON"
        grep -qw avx512_bf16 /proc/cpuinfo && flags="$flags -DGGML_AVX512_BF16=ON"
        grep -qw avx_vnni /proc/cpuinfo && flags="$flags -DGGML_AVX_VNNI=ON"
      fi
      echo "$flags" ;;
    *) echo "" ;;  # macOS (Metal) and others: llama.cpp's own defaults are right there.
  esac
}

if ! "$venv/bin/python" -c "import llama_cpp" 2>/dev/null; then
  flags=$(llama_flags)
  echo "Building llama-cpp-python with CMAKE_ARGS='$flags' (first build takes ~5 minutes)..." >&2
  CMAKE_ARGS="$flags" "${pip[@]}" "llama-cpp-python==0.3.36"
fi

if [ "$(uname -s)" = Linux ]; then
  "${pip[@]}" "torch==2.13.0"   # the CPU wheel; see the comment at the top
fi
"${pip[@]}" -e ".${extras:+[$extras]}"
