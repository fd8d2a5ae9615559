#!/usr/bin/env bash
# Create .venv (if needed) and install py-cml with every extra and the dev tools.
# torch 2.13.0 (CPU) goes in first and stays pinned, so nothing pulls a CUDA build.
# Re-running is cheap: it reinstalls only when pyproject.toml or constraints.txt changed.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
VENV=${CML_VENV:-.venv}
stamp="$VENV/.cml-installed"
want=$(cat pyproject.toml constraints.txt | sha256sum | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    exit 0
fi
[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --upgrade pip
"$VENV/bin/python" -m pip install --quiet -c constraints.txt "torch==2.13.0"
"$VENV/bin/python" -m pip install --quiet -c constraints.txt -e ".[dev]"
echo "$want" > "$stamp"
