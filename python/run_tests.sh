#!/usr/bin/env bash
# Runs microgpt_torch's unit tests (python/tests) with a Python that has PyTorch: Debian's /usr/bin/python3
# (python3-torch) when it imports torch, else the python3 on PATH. When neither has torch, it prints
# "SKIP: torch not importable" and exits 0; any other failure exits non-zero. Extra arguments go to unittest
# (e.g. -v, or -k train).
set -euo pipefail
cd "$(dirname "$0")"
for candidate in /usr/bin/python3 python3; do
  if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c "import torch" >/dev/null 2>&1; then
    echo "microgpt_torch tests with $("$candidate" -c 'import sys, torch; print(sys.executable, "torch", torch.__version__)')"
    export PYTHONDONTWRITEBYTECODE=1 OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}" PYTHONWARNINGS="${PYTHONWARNINGS:-ignore::UserWarning}"
    exec "$candidate" -m unittest discover --start-directory tests --top-level-directory . -v "$@"
  fi
done
echo "SKIP: torch not importable (tried /usr/bin/python3 and python3 on PATH)"
exit 0
