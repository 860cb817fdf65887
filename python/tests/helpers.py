"""What the tests share: the fixture folder, temporary folders, and running this package's commands."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import unittest

PYTHON_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO = os.path.dirname(PYTHON_ROOT)
FIXTURES = os.path.join(REPO, "packages", "model", "src", "hf", "fixtures")
SHAKESPEARE = os.path.join(REPO, "tooling", "test-data", "tinyshakespeare.txt")


class TempDirTest(unittest.TestCase):
    """A test case with a fresh temporary folder, ``self.dir``, removed afterwards."""

    def setUp(self) -> None:
        self.dir = tempfile.mkdtemp(prefix="microgpt-torch-test-")
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)

    def path(self, *parts: str) -> str:
        """A path inside the temporary folder."""
        return os.path.join(self.dir, *parts)


def torchrun_workaround() -> list[str]:
    """Flags torchrun needs on PyTorch 1.x under Python 3.11 (Debian bookworm's python3-torch): there its
    default ``--redirects 0 --tee 0`` fails (Python 3.11 no longer lists the zero flag Std.NONE when iterating,
    so Std.from_str("0") is None: "AttributeError: 'NoneType' object has no attribute 'get'"). Teeing stderr
    (2) avoids the zero value and changes nothing else that the tests read."""
    from torch.distributed.elastic.multiprocessing.api import Std

    return [] if Std.from_str("0") is not None else ["--redirects", "2", "--tee", "2"]


def run_module(module: str, *args: str, torchrun: int | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    """Runs ``python -m microgpt_torch.<module> args`` (under torch.distributed.run, torchrun's module, with
    ``torchrun`` processes when given) with this interpreter; returns the finished process."""
    launcher = [sys.executable]
    if torchrun is not None:
        launcher += ["-m", "torch.distributed.run", "--standalone", "--nproc_per_node", str(torchrun), *torchrun_workaround()]
    env = {**os.environ, "PYTHONPATH": PYTHON_ROOT, "OMP_NUM_THREADS": "1", "PYTHONWARNINGS": "ignore"}
    return subprocess.run(launcher + ["-m", f"microgpt_torch.{module}", *args], capture_output=True, text=True, timeout=timeout, env=env, cwd=PYTHON_ROOT)
