"""The wheel built from pyproject.toml holds every app, so the project installs without PYTHONPATH."""

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings

PROJECT_DIR = Path(__file__).resolve().parents[2]
NOT_SOURCE = shutil.ignore_patterns(".*", "var", "build", "dist", "*.egg-info", "__pycache__", "*.pyc", "node_modules")


def our_packages() -> set[str]:
    """The project's own top-level packages: every app of ours, and the project's (urls, settings, celery)."""
    ours = [config for config in apps.get_app_configs() if Path(config.path).resolve().is_relative_to(PROJECT_DIR)]
    return {config.name.split(".")[0] for config in ours} | {settings.ROOT_URLCONF.split(".")[0]}


@pytest.fixture(scope="module")
def wheel_files(tmp_path_factory) -> set[str]:
    """The file names inside a wheel built from a clean copy of the source (the checkout stays untouched)."""
    source = tmp_path_factory.mktemp("source") / "project"
    shutil.copytree(PROJECT_DIR, source, ignore=NOT_SOURCE)
    dist = tmp_path_factory.mktemp("dist")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "--no-build-isolation", "-q", "-w", str(dist)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr + result.stdout
    [wheel] = dist.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        return set(archive.namelist())


def test_the_wheel_contains_every_app(wheel_files):
    for package in sorted(our_packages()):
        modules = {
            path.relative_to(PROJECT_DIR).as_posix()
            for path in (PROJECT_DIR / package).rglob("*.py")
            if "__pycache__" not in path.parts
        }
        missing = sorted(modules - wheel_files)
        assert not missing, f"{package}: not in the wheel: {missing}"


def test_the_wheel_leaves_the_tests_out(wheel_files):
    assert not [name for name in wheel_files if name.startswith("tests/")]
