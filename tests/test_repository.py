"""What the repository tracks: the project's files, never a virtualenv or a symlink (a
symlink committed from one checkout points into another machine's folders)."""

import os
import shutil
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def tracked() -> list[tuple[str, str]]:
    if shutil.which("git") is None or not os.path.isdir(os.path.join(ROOT, ".git")):
        pytest.skip("not a git checkout")  # e.g. an unpacked sdist
    out = subprocess.run(
        ["git", "ls-files", "-s"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    return [(line.split()[0], line.split("\t", 1)[1]) for line in out.splitlines()]


def test_no_symlink_and_no_virtualenv_is_tracked():
    files = tracked()
    assert len(files) > 100
    assert [path for mode, path in files if mode == "120000"] == []
    assert [
        path for _mode, path in files if path.split("/")[0] in (".venv", "venv", "instance")
    ] == []
