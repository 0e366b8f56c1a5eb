"""A live audit ends near its deadline even when a server never stops answering."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from conftest import REPO


def _trickling_server(stop: threading.Event) -> tuple[socket.socket, int]:
    """Serve every connection one byte of an endless response every 0.2 s."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    server.settimeout(0.2)

    def trickle(connection: socket.socket) -> None:
        with connection:
            try:
                connection.recv(65536)
                connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
                while not stop.is_set():
                    connection.sendall(b"{")
                    time.sleep(0.2)
            except OSError:
                return

    def accept() -> None:
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except OSError:
                continue
            threading.Thread(target=trickle, args=(connection,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    return server, server.getsockname()[1]


def test_trickling_server_cannot_keep_the_process_alive(tmp_path: Path) -> None:
    stop = threading.Event()
    server, port = _trickling_server(stop)
    env = {
        **os.environ,
        "GITHUB_TOKEN": "test-token-not-real",
        "CLOUDFLARE_API_TOKEN": "test-token-not-real",
        "CLOUDFLARE_ACCOUNT_ID": "0123456789abcdef0123456789abcdef",
        "GITHUB_REPOSITORY": "example/site",
        "GITHUB_API_URL": f"http://127.0.0.1:{port}",
        "CLOUDFLARE_API_BASE_URL": f"http://127.0.0.1:{port}/client/v4",
        "NO_PROXY": "127.0.0.1",
        "RUNART_LINT_CACHE_DIR": str(tmp_path),
    }
    command = [
        sys.executable,
        "-m",
        "runart_lint",
        str(REPO / "examples"),
        "--live",
        "--live-timeout",
        "2",
        "--no-color",
    ]
    started = time.monotonic()
    try:
        done = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=60
        )
    finally:
        stop.set()
        server.close()
    elapsed = time.monotonic() - started

    assert done.returncode == 3, done.stderr
    assert "not run" in done.stdout
    assert elapsed < 15, f"the audit took {elapsed:.1f} s with a 2 s deadline"
