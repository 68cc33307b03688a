"""Fixtures of the Python suites (tests/cli, tests/python): the `terrasim` program."""
import os
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def terrasim_bin():
    path = pathlib.Path(os.environ.get("TERRASIM_BIN", ROOT / "build" / "release" / "cli" / "terrasim"))
    if not path.is_file():
        pytest.fail(f"terrasim program not found at {path}: build it first (scripts/setup) or set TERRASIM_BIN")
    return path


@pytest.fixture(scope="session")
def terrasim(terrasim_bin):
    """Runs the program; returns the CompletedProcess (text mode)."""
    def run(*args, cwd=None, check=None, env=None):
        proc = subprocess.run([str(terrasim_bin), *map(str, args)], capture_output=True, text=True, cwd=cwd,
                              env={**os.environ, **(env or {})},
                              timeout=600)
        if check is not None:
            assert proc.returncode == check, f"exit {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
        return proc
    return run
