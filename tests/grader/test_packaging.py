"""A wheel of the project is complete: built with ``pip wheel``, installed in a fresh
virtualenv away from the checkout, it migrates a new database, seeds the demo and renders
pages, so templates, static files and migrations ship as package data.

About 15 s (the build is isolated, its setuptools comes from pip's cache). Runs in
``make test``; ``-m "not packaging"`` leaves it out of a quick run."""

import os
import shutil
import site
import subprocess
import sys
import tomllib
import venv
from pathlib import Path

import pytest
from setuptools import find_packages

ROOT = Path(__file__).resolve().parents[2]
SKIP = {".venv", ".git", "build", "dist", "instance", ".pytest_cache", ".ruff_cache", ".hypothesis"}


def run(args, **kwargs):
    done = subprocess.run(args, capture_output=True, text=True, timeout=240, **kwargs)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_pyproject_lists_every_package():
    """pyproject names its packages one by one (templates/ and migrations/ are mapped into
    the package from the top of the checkout), so a new subpackage must be added there too."""
    setup = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    code = set(find_packages(str(ROOT), include=["grader", "grader.*", "problems", "problems.*"]))
    data = set(setup["package-dir"])
    assert data == {"grader.templates", "grader.migrations"}
    assert set(setup["packages"]) == code | data
    for package, where in setup["package-dir"].items():
        assert (ROOT / where).is_dir(), package


@pytest.mark.packaging
def test_a_wheel_installed_elsewhere_migrates_seeds_and_renders(tmp_path):
    # build from a copy: a build/ left in the checkout could put stale files in the wheel
    src = tmp_path / "src"
    shutil.copytree(
        ROOT,
        src,
        ignore=lambda _d, names: [n for n in names if n in SKIP or n.endswith(".egg-info")],
    )
    run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "-q",
            "-w",
            str(tmp_path / "dist"),
            str(src),
        ]
    )
    (wheel,) = (tmp_path / "dist").glob("nn_grader-*.whl")

    # a fresh venv; the dependencies come from the test venv's site-packages (added by a
    # .pth line, so that venv's own .pth files, which point at the checkout, are not read)
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    target = Path(
        run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"]).strip()
    )
    (target / "deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--target",
            str(target),
            str(wheel),
        ]
    )

    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{work}/grader.sqlite",
        "SECRET_KEY": "packaging-test-secret",
    }
    where = run([str(python), "-c", "import grader; print(grader.__file__)"], cwd=work, env=env)
    assert where.startswith(str(target)), where  # the wheel's copy, not the checkout's

    flask = [str(python), "-m", "flask", "--app", "grader"]
    run([*flask, "db", "upgrade"], cwd=work, env=env)
    out = run([*flask, "seed-demo"], cwd=work, env=env)
    assert out.startswith("Loaded NN-W3: instructor@example.edu"), out
    page = run(
        [
            str(python),
            "-c",
            "from grader import create_app\n"
            "c = create_app().test_client()\n"
            "r, s = c.get('/login'), c.get('/static/style.css')\n"
            "print(r.status_code, '<h1>Log in</h1>' in r.get_data(as_text=True), s.status_code)",
        ],
        cwd=work,
        env=env,
    )
    assert page.split() == ["200", "True", "200"], page
