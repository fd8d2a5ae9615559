#!/usr/bin/env bash
# Create .venv (if needed) and install py-cml into it, editable.
#   CML_EXTRAS=dev    (default) every extra and the dev tools: what `make test` and CI need.
#                     torch 2.13.0 (CPU) goes in first and stays pinned, so nothing pulls CUDA.
#   CML_EXTRAS=server what `make serve` needs: the server and local ONNX embeddings, no torch.
# Re-running is cheap: it reinstalls only when pyproject.toml or constraints.txt changed (a
# current dev install also satisfies server).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
VENV=${CML_VENV:-.venv}
EXTRAS=${CML_EXTRAS:-dev}
want=$(cat pyproject.toml constraints.txt | sha256sum | cut -d' ' -f1)
current() { [ -f "$VENV/.cml-installed-$1" ] && [ "$(cat "$VENV/.cml-installed-$1")" = "$want" ]; }
if current "$EXTRAS" || { [ "$EXTRAS" = server ] && current dev; }; then
    exit 0
fi
say() { echo "install.sh: $*" >&2; }
if [ ! -x "$VENV/bin/python" ]; then
    say "creating the virtualenv $VENV"
    "$PY" -m venv "$VENV"
fi
say "upgrading pip"
"$VENV/bin/python" -m pip install --quiet --upgrade pip
if [ "$EXTRAS" != server ]; then
    say "installing torch 2.13.0 (CPU), needed by the '$EXTRAS' extra's sentence-transformers"
    "$VENV/bin/python" -m pip install --quiet -c constraints.txt "torch==2.13.0"
fi
say "installing py-cml[$EXTRAS] into $VENV (editable)"
"$VENV/bin/python" -m pip install --quiet -c constraints.txt -e ".[$EXTRAS]"
echo "$want" > "$VENV/.cml-installed-$EXTRAS"
say "done: $(du -sh "$VENV" | cut -f1) in $VENV"
