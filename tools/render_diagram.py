"""Render a repository's promotion diagram to PNG: `python tools/render_diagram.py`.

    python tools/render_diagram.py PATH OUT.png [--pack P] [--lang es|en]
                                   [--engine auto|mermaid|graphviz] [--install]

The diagram is the one runart-lint puts in the Markdown summary. The Mermaid
text is drawn by the Mermaid CLI (npm package `@mermaid-js/mermaid-cli`)
driving the system's Chromium (Debian package `chromium`); `--install` puts
the CLI in the user's cache with npm, without the browser download puppeteer
would otherwise make. Without them, the same diagram is written as DOT and
drawn by Graphviz (Debian package `graphviz`).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from runart_lint.engine import Options, audit_repository
from runart_lint.pack import load_pack
from runart_lint.reporters.diagram import (
    Diagram,
    build_diagram,
    render_dot,
    render_mermaid,
)
from runart_lint.reporters.promotion import build_promotion
from runart_lint.reporters.words import LANGUAGES, words
from runart_lint.rules import RULES

logger = logging.getLogger("render_diagram")

MERMAID_CLI = "@mermaid-js/mermaid-cli@12.2.0"
RENDER_TIMEOUT = 180
INSTALL_TIMEOUT = 600
# Wide enough that a workflow's name stays on one or two lines.
MERMAID_CONFIG = {"theme": "default", "flowchart": {"wrappingWidth": 320}}


class RenderError(Exception):
    """A diagram that could not be drawn, and what would fix it."""


def main(argv: list[str] | None = None) -> int:
    """Audit the repository, draw its promotion diagram, write the PNG."""
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        if args.install:
            _install_mermaid()
        diagram = _diagram(Path(args.path), args.pack, args.lang)
        engine = _engine(args.engine)
        _render(diagram, engine, Path(args.output))
    except RenderError as error:
        sys.stderr.write(f"error: {error}\n")
        return 1
    logger.info("wrote %s with %s", args.output, engine)
    return 0


def _parser() -> argparse.ArgumentParser:
    """Return the command line of the script."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", help="repository to audit")
    parser.add_argument("output", help="PNG file to write")
    parser.add_argument("--pack", help="rule pack (default: runart-foundry)")
    parser.add_argument("--lang", choices=LANGUAGES, default="en")
    parser.add_argument("--engine", choices=("auto", "mermaid", "graphviz"),
                        default="auto")
    parser.add_argument("--install", action="store_true",
                        help=f"install {MERMAID_CLI} into the user's cache first")
    return parser


def _diagram(root: Path, pack: str | None, lang: str) -> Diagram:
    """Return the promotion diagram of an offline audit of `root`."""
    result, audit = audit_repository(root, load_pack(pack), RULES, Options())
    return build_diagram(build_promotion(result, audit), words(lang))


def _engine(wanted: str) -> str:
    """Return the engine to draw with: Mermaid when it can run, else Graphviz."""
    mermaid = _mmdc() is not None and _chromium() is not None
    graphviz = shutil.which("dot") is not None
    if wanted == "mermaid" and not mermaid:
        raise RenderError("the Mermaid CLI or Chromium is missing: run with "
                          "--install and `apt-get install chromium`")
    if wanted == "graphviz" and not graphviz:
        raise RenderError("Graphviz is missing: `apt-get install graphviz`")
    if wanted != "auto":
        return wanted
    if mermaid:
        return "mermaid"
    if graphviz:
        return "graphviz"
    raise RenderError("neither the Mermaid CLI with Chromium nor Graphviz is "
                      "installed: run with --install, or `apt-get install graphviz`")


def _render(diagram: Diagram, engine: str, output: Path) -> None:
    """Draw the diagram into a new file beside `output`, then rename it over."""
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        drawn = work / "diagram.png"
        if engine == "mermaid":
            _mermaid(render_mermaid(diagram), work, drawn)
        else:
            _graphviz(render_dot(diagram), work, drawn)
        staged = output.with_name(f".{output.name}.tmp")
        shutil.copyfile(drawn, staged)
        os.replace(staged, output)


def _mermaid(text: str, work: Path, drawn: Path) -> None:
    """Run the Mermaid CLI on the system Chromium, without a sandbox."""
    source = work / "diagram.mmd"
    source.write_text(text, encoding="utf-8")
    browser = work / "puppeteer.json"
    browser.write_text(json.dumps(
        {"executablePath": _chromium(), "args": ["--no-sandbox"]}
    ))
    config = work / "mermaid.json"
    config.write_text(json.dumps(MERMAID_CONFIG))
    command = [str(_mmdc()), "--quiet", "-p", str(browser), "-c", str(config),
               "-i", str(source), "-o", str(drawn), "-b", "white", "-s", "2"]
    _run(command, RENDER_TIMEOUT)


def _graphviz(text: str, work: Path, drawn: Path) -> None:
    """Run Graphviz's `dot` on the DOT form of the same diagram."""
    source = work / "diagram.dot"
    source.write_text(text, encoding="utf-8")
    _run(["dot", "-Tpng", "-Gdpi=150", str(source), "-o", str(drawn)], RENDER_TIMEOUT)


def _install_mermaid() -> None:
    """Install the Mermaid CLI into the cache folder, skipping the browser."""
    if shutil.which("npm") is None:
        raise RenderError("npm is missing: `apt-get install npm`")
    prefix = _cache()
    prefix.mkdir(parents=True, exist_ok=True)
    environment = {**os.environ, "PUPPETEER_SKIP_DOWNLOAD": "1"}
    _run(["npm", "install", "--no-audit", "--no-fund", "--prefix", str(prefix),
          MERMAID_CLI], INSTALL_TIMEOUT, environment)


def _run(command: list[str], timeout: int, env: dict[str, str] | None = None) -> None:
    """Run a fixed command, raising with its error output when it fails."""
    try:
        done = subprocess.run(command, capture_output=True, text=True,
                              timeout=timeout, env=env, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise RenderError(f"{command[0]} did not run: {error}") from None
    if done.returncode != 0:
        raise RenderError(f"{command[0]} failed: {done.stderr.strip()[-2000:]}")


def _cache() -> Path:
    """Return where `--install` puts the Mermaid CLI."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "runart-lint" / "mermaid-cli"


def _mmdc() -> Path | None:
    """Return the Mermaid CLI: the one `--install` put in the cache, or on PATH."""
    cached = _cache() / "node_modules" / ".bin" / "mmdc"
    if cached.is_file():
        return cached
    found = shutil.which("mmdc")
    return Path(found) if found else None


def _chromium() -> str | None:
    """Return the system Chromium for puppeteer to drive."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


if __name__ == "__main__":
    raise SystemExit(main())
