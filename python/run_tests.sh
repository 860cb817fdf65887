#!/usr/bin/env bash
# Runs microgpt_torch's unit tests (python/tests) with a Python that has PyTorch: Debian's /usr/bin/python3
# (python3-torch) when it imports torch, else the python3 on PATH. When neither has torch it fails (exit 1) naming
# what to install: these tests are part of the workspace's `pnpm test` and must not skip. Extra arguments go to
# unittest (e.g. -v, or -k train).
set -euo pipefail
cd "$(dirname "$0")"
for candidate in /usr/bin/python3 python3; do
  if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c "import torch" >/dev/null 2>&1; then
    echo "microgpt_torch tests with $("$candidate" -c 'import sys, torch; print(sys.executable, "torch", torch.__version__)')"
    export PYTHONDONTWRITEBYTECODE=1 OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}" PYTHONWARNINGS="${PYTHONWARNINGS:-ignore::UserWarning}"
    exec "$candidate" -m unittest discover --start-directory tests --top-level-directory . -v "$@"
  fi
done
echo "error: torch not importable (tried /usr/bin/python3 and python3 on PATH)" >&2
echo "hint: install PyTorch: sudo apt-get install python3-torch (Debian/Ubuntu), or pip install torch; .ci/run installs it" >&2
exit 1
