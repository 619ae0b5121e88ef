"""What the pytest suites against the local stack share: the stack's variables and the enrich-run binary."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def require_env(name: str) -> str:
    """A variable of `.local/stack.env`; fails the test, saying how to get it, when it is missing."""
    value = os.environ.get(name)
    if not value:
        pytest.fail(f"{name} is not set: run the tests through `make test`, which starts the local stack and sources "
                    ".local/stack.env")
    return value


@pytest.fixture(scope="session")
def binary() -> Path:
    """The enrich-run binary, with the stack's resources created."""
    require_env("AWS_ENDPOINT_URL")
    require_env("OMICS_EMULATOR_URL")
    subprocess.run([sys.executable, str(ROOT / "scripts" / "local-resources.py")], check=True, capture_output=True)
    # `make test` builds every target once with the tests' features (PREBUILT_BINARIES=1); building again here
    # would resolve other features and recompile the SDK.
    if os.environ.get("PREBUILT_BINARIES") != "1":
        subprocess.run(["cargo", "build", "--quiet", "-p", "enrich-run"], cwd=ROOT, check=True)
    path = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target")) / "debug" / "enrich-run"
    assert path.exists(), path
    return path
