"""The pre-commit hook, installed by the real `pre-commit` from this repository.

The hook repository is a fresh git commit of this checkout's package files in
a temporary folder, so the test needs no network but the package registry
pre-commit installs the hook's dependencies from.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import REPO

HOOK_FILES = ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml")
HOOK_FOLDERS = ("runart_lint", "rules")
PACK = """\
[pack]
name = "shop"

[[stages]]
name = "production"
kind = "worker"
project = "shop"
config = "wrangler.toml"

[rollback]
required = false
"""
WORKFLOW = """\
on:
  push:
    branches: [main]
permissions:
  contents: read
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: npx wrangler deploy
        env:
          CLOUDFLARE_API_TOKEN: ${{ secrets.CLOUDFLARE_API_TOKEN }}
          CLOUDFLARE_ACCOUNT_ID: ${{ secrets.CLOUDFLARE_ACCOUNT_ID }}
"""
GOOD_CONFIG = (
    'name = "shop"\nmain = "src/index.ts"\ncompatibility_date = "2024-01-01"\n'
)
BAD_CONFIG = GOOD_CONFIG + (
    '\n[vars]\nMODE = "production"\n'
    'kv_namespaces = [{ binding = "CART", id = "0f2ac74b498b48028cb68387c421e279" }]\n'
)


@dataclass(frozen=True)
class Hooked:
    """A git repository with the hook installed, and how to run things in it."""

    root: Path
    env: dict[str, str]

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            args,
            cwd=self.root,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )

    def commit(self, files: dict[str, str], *flags: str) -> tuple[int, str, float]:
        for name, text in files.items():
            (self.root / name).write_text(text, encoding="utf-8")
        self.run("git", "add", "--all")
        started = time.perf_counter()
        done = self.run("git", "commit", "-q", "-m", "change", *flags)
        return done.returncode, done.stdout + done.stderr, time.perf_counter() - started


def _require_tools() -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    try:
        import pre_commit  # noqa: F401
    except ImportError:
        pytest.skip("pre-commit is not installed (pip install -e '.[test]')")


def _git_env(home: Path, cache: Path) -> dict[str, str]:
    """Return an environment with no user or system git configuration."""
    empty = home / "gitconfig"
    empty.touch()
    identity = {"NAME": "runart-lint test", "EMAIL": "test@example.invalid"}
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(home),
        "PRE_COMMIT_HOME": str(cache),
        "GIT_CONFIG_GLOBAL": str(empty),
        "GIT_CONFIG_NOSYSTEM": "1",
        "NO_COLOR": "1",
    }
    for part, value in identity.items():
        env[f"GIT_AUTHOR_{part}"] = value
        env[f"GIT_COMMITTER_{part}"] = value
    for name in ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_CERT", "SSL_CERT_FILE"):
        if name in os.environ:
            env[name] = os.environ[name]
    return env


def _hook_repository(folder: Path, env: dict[str, str]) -> str:
    """Commit this checkout's package files in `folder`; return the commit id."""
    for name in HOOK_FILES:
        shutil.copy2(REPO / name, folder / name)
    for name in HOOK_FOLDERS:
        shutil.copytree(
            REPO / name,
            folder / name,
            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
        )
    for args in (["init", "-q"], ["add", "--all"], ["commit", "-q", "-m", "hook"]):
        subprocess.run(
            ["git", *args],
            cwd=folder,
            env=env,
            check=True,
            timeout=60,
            capture_output=True,
        )
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"],
        cwd=folder,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return head.stdout.strip()


@pytest.fixture(scope="session")
def hook_source(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, Path]:
    """Return the hook repository, its commit, and the session's pre-commit cache."""
    _require_tools()
    base = tmp_path_factory.mktemp("hook")
    (base / "home").mkdir()
    source = base / "source"
    source.mkdir()
    env = _git_env(base / "home", base / "cache")
    return source, _hook_repository(source, env), base


@pytest.fixture
def hooked(hook_source: tuple[Path, str, Path], tmp_path: Path) -> Iterator[Hooked]:
    """Return a new git repository whose commits run the hook."""
    source, commit, base = hook_source
    repo = Hooked(tmp_path / "site", _git_env(base / "home", base / "cache"))
    repo.root.mkdir()
    (repo.root / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {source}\n    rev: {commit}\n"
        "    hooks:\n      - id: runart-lint\n"
    )
    (repo.root / "runart-lint-pack.toml").write_text(PACK)
    (repo.root / ".runart-lint.toml").write_text('pack = "runart-lint-pack.toml"\n')
    (repo.root / "README.md").write_text("# shop\n")
    (repo.root / ".github" / "workflows").mkdir(parents=True)
    (repo.root / ".github" / "workflows" / "deploy.yml").write_text(WORKFLOW)
    repo.run("git", "init", "-q")

    installed = repo.run(
        sys.executable, "-m", "pre_commit", "install", "--install-hooks"
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr
    yield repo


def test_hook_blocks_a_bad_config_and_skips_unrelated_commits(hooked: Hooked) -> None:
    code, output, _ = hooked.commit({"wrangler.toml": BAD_CONFIG})
    assert code == 1, output
    assert "runart-lint" in output and "Failed" in output
    assert "wrangler.toml:7:1: error[binding-in-vars]" in output, output

    code, output, hooked_time = hooked.commit({"wrangler.toml": GOOD_CONFIG})
    assert code == 0, output
    assert "Passed" in output

    code, output, unrelated_time = hooked.commit({"README.md": "# shop\n\nhi\n"})
    assert code == 0, output
    assert "(no files to check)Skipped" in output

    started = time.perf_counter()
    assert hooked.run(_hook_executable(hooked), ".").returncode == 0
    tool_time = time.perf_counter() - started
    _, _, plain_time = hooked.commit({"README.md": "# shop\n\nho\n"}, "--no-verify")

    # The skipped hook costs pre-commit's own start, never the audit on top.
    sys.stderr.write(
        f"commit times: hook ran {hooked_time:.2f} s, hook skipped "
        f"{unrelated_time:.2f} s, no hooks {plain_time:.2f} s; "
        f"runart-lint alone {tool_time:.2f} s\n"
    )
    assert unrelated_time - plain_time <= tool_time + 1.0
    assert unrelated_time <= hooked_time + 0.5


def _hook_executable(hooked: Hooked) -> str:
    """Return the runart-lint that pre-commit installed for the hook."""
    cache = Path(hooked.env["PRE_COMMIT_HOME"])
    found = sorted(cache.glob("repo*/py_env-*/bin/runart-lint"))
    assert found, f"no hook environment under {cache}"
    return str(found[0])
