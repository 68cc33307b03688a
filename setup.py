"""Builds `terrasim._core` with CMake for `pip install --no-build-isolation .`.

The module is built by the project's own CMake build (target terrasim_core),
in build/release when it is configured (reusing what is built there) or else
in build/pip; TERRASIM_CMAKE_BUILD_DIR chooses another folder, and
TERRASIM_PREBUILT_CORE=<path of a built _core*.so> skips the build. Nothing is
downloaded: CMake finds the system's pybind11, TBB, yaml-cpp...
"""
import os
import re
import shutil
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext
from setuptools.command.build_py import build_py

ROOT = os.path.dirname(os.path.abspath(__file__))


def version():
    text = open(os.path.join(ROOT, "CMakeLists.txt"), encoding="utf-8").read()
    return re.search(r"project\(terrasim VERSION ([0-9.]+)", text).group(1)


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        target = self.get_ext_fullpath(ext.name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        prebuilt = os.environ.get("TERRASIM_PREBUILT_CORE")  # a _core*.so built already (tests, packagers)
        if prebuilt:
            shutil.copyfile(prebuilt, target)
            return
        build_dir = os.environ.get("TERRASIM_CMAKE_BUILD_DIR")
        if not build_dir:
            release = os.path.join(ROOT, "build", "release")
            build_dir = release if os.path.exists(os.path.join(release, "CMakeCache.txt")) else os.path.join(ROOT, "build", "pip")
        if not os.path.exists(os.path.join(build_dir, "CMakeCache.txt")):
            generator = ["-G", "Ninja"] if shutil.which("ninja") else []
            subprocess.check_call(["cmake", "-S", ROOT, "-B", build_dir, *generator, "-DCMAKE_BUILD_TYPE=Release",
                                   f"-DPython3_EXECUTABLE={sys.executable}", "-DTERRASIM_BUILD_TESTS=OFF",
                                   "-DTERRASIM_BUILD_BENCHMARKS=OFF"])
        subprocess.check_call(["cmake", "--build", build_dir, "--target", "terrasim_core",
                               "--parallel", str(os.cpu_count() or 1)])
        built = os.path.join(build_dir, "python", "terrasim")
        module = next(f for f in os.listdir(built) if f.startswith("_core") and f.endswith(".so"))
        shutil.copyfile(os.path.join(built, module), target)


class BuildPyWithScenarios(build_py):
    """The package with its copy of scenarios/amiens (what `terrasim forecast` compares by default)."""

    def run(self):
        super().run()
        source = os.path.join(ROOT, "scenarios", "amiens")
        target = os.path.join(self.build_lib, "terrasim", "scenarios", "amiens")
        os.makedirs(target, exist_ok=True)
        for name in sorted(os.listdir(source)):
            if name.endswith((".yaml", ".md")):
                shutil.copyfile(os.path.join(source, name), os.path.join(target, name))


# setuptools' metadata goes under build/, not beside the sources.
EGG_BASE = os.path.join("build", "egg-info")
os.makedirs(os.path.join(ROOT, EGG_BASE), exist_ok=True)

setup(version=version(), ext_modules=[Extension("terrasim._core", sources=[])],
      cmdclass={"build_ext": CMakeBuild, "build_py": BuildPyWithScenarios},
      options={"egg_info": {"egg_base": EGG_BASE}})
