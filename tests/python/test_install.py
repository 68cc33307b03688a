"""The package installs into a virtual environment with pip, offline.

Uses the module the build already made (TERRASIM_PREBUILT_CORE), so the
test checks the packaging (pyproject.toml, setup.py, package data, stubs)
without compiling again; `pip install --no-build-isolation .` without that
variable builds the module with CMake.
"""
import glob
import os
import pathlib
import shutil
import subprocess

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_pip_install_into_a_venv_offline(tmp_path):
    built = glob.glob(str(ROOT / "build" / "release" / "python" / "terrasim" / "_core*.so"))
    assert built, "build the project first (scripts/setup)"
    # A copy of the sources, so that the build leaves nothing in the repository.
    src = tmp_path / "src"
    shutil.copytree(ROOT / "bindings", src / "bindings", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "setup.py", "CMakeLists.txt"):
        shutil.copy(ROOT / name, src / name)
    shutil.copytree(ROOT / "scenarios" / "amiens", src / "scenarios" / "amiens")  # shipped inside the package
    venv = tmp_path / "venv"
    subprocess.run(["/usr/bin/python3", "-m", "venv", "--system-site-packages", str(venv)], check=True)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(TERRASIM_PREBUILT_CORE=built[0], PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1")
    pip = subprocess.run([str(venv / "bin" / "pip"), "install", "--no-build-isolation", "--no-index", str(src)],
                         capture_output=True, text=True, env=env, timeout=300)
    assert pip.returncode == 0, pip.stdout + pip.stderr
    code = ("import os, terrasim as ts; print(os.path.dirname(ts.__file__)); "
            f"r = ts.run({str(ROOT / 'scenarios' / 'dock' / 'small.yaml')!r}, months=2); print(len(r.series)); "
            "import terrasim.report; print(ts.ForecastSpec.default().source)")
    out = subprocess.run([str(venv / "bin" / "python"), "-c", code], capture_output=True, text=True, env=env,
                         cwd=tmp_path, check=True).stdout.split()
    assert out[0].startswith(str(venv)) and out[1] == "2"
    installed = pathlib.Path(out[0])
    assert (installed / "py.typed").exists() and (installed / "_core.pyi").exists()
    # the default forecast's scenarios travel with the package, `extends:` and all
    assert out[2] == str(installed / "scenarios" / "amiens" / "forecast.yaml")
    for name in ("baseline.yaml", "pacte.yaml", "forecast.yaml"):
        assert (installed / "scenarios" / "amiens" / name).read_bytes() == \
            (ROOT / "scenarios" / "amiens" / name).read_bytes()
