"""Appending to the deployment log: never in place, never lost, never half."""

from __future__ import annotations

import fcntl
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from runart_lint.logbook import TEMP_SUFFIX, LogError, append_entry

WRITERS = 20
EARLIER = "# Bitácora 082\n\n## Smokes Preview — 20251010T143001Z\n- Público: FAIL\n"

# A writer in its own process: waits for the start signal, then appends.
WRITER = textwrap.dedent(
    """
    import pathlib, sys, time
    from runart_lint.logbook import append_entry

    log, start, ready, index, size = sys.argv[1:6]
    body = "".join(f"- línea {j} de la entrada {index}\\n" for j in range(int(size)))
    entry = f"## entrada {index}\\n{body}"
    pathlib.Path(ready).touch()
    while not pathlib.Path(start).exists():
        time.sleep(0.001)
    append_entry(pathlib.Path(log), entry, boundary=None, title="# t")
    """
)

# A writer stopped at a chosen point of its write, for the parent to kill.
STALLED = textwrap.dedent(
    """
    import os, pathlib, sys, time
    import runart_lint.logbook as logbook

    log, size, point = sys.argv[1:4]
    body = "".join(f"- línea {j} de la entrada 1\\n" for j in range(int(size)))
    entry = f"## entrada 1\\n{body}"

    def stop(*args):
        print("stopped", flush=True)
        time.sleep(120)

    if point == "half-written":
        def half(descriptor, data):
            os.write(descriptor, data[: len(data) // 2])
            stop()
        logbook._write_all = half
    else:
        logbook.os.replace = stop
    logbook.append_entry(pathlib.Path(log), entry, boundary=None)
    """
)


def _entry(index: int, size: int) -> str:
    body = "".join(f"- línea {j} de la entrada {index}\n" for j in range(size))
    return f"## entrada {index}\n{body}"


def _python(tmp_path: Path, name: str, code: str) -> Path:
    script = tmp_path / name
    script.write_text(code, encoding="utf-8")
    return script


def test_twenty_concurrent_writers_all_land_whole(tmp_path: Path) -> None:
    log = tmp_path / "082.md"
    log.write_text(EARLIER, encoding="utf-8")
    earlier = log.read_bytes()
    script = _python(tmp_path, "writer.py", WRITER)
    start = tmp_path / "start"
    size = 400

    writers = [
        subprocess.Popen(
            [
                sys.executable,
                str(script),
                str(log),
                str(start),
                str(tmp_path / f"ready{i}"),
                str(i),
                str(size),
            ]
        )
        for i in range(WRITERS)
    ]
    _wait_for(lambda: all((tmp_path / f"ready{i}").exists() for i in range(WRITERS)))
    start.touch()
    codes = [writer.wait(timeout=120) for writer in writers]

    assert codes == [0] * WRITERS
    data = log.read_bytes()
    assert data.startswith(earlier)
    entries = data[len(earlier) :].decode("utf-8").split("\n## ")
    assert entries[0] == ""
    landed = sorted(("## " + piece).rstrip("\n") + "\n" for piece in entries[1:])
    assert landed == sorted(_entry(i, size) for i in range(WRITERS))
    assert len(data) == len(earlier) + sum(
        1 + len(_entry(i, size).encode()) for i in range(WRITERS)
    )
    assert not list(tmp_path.glob(f"*{TEMP_SUFFIX}"))


def _wait_for(condition: object, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "writers did not start in time"
        time.sleep(0.01)


@pytest.mark.parametrize("point", ["half-written", "before-rename"])
def test_writer_killed_mid_write_leaves_the_log_unchanged(
    tmp_path: Path, point: str
) -> None:
    log = tmp_path / "082.md"
    log.write_text(EARLIER, encoding="utf-8")
    earlier = log.read_bytes()
    script = _python(tmp_path, "stalled.py", STALLED)
    entry = _entry(1, 5000)

    writer = subprocess.Popen(
        [sys.executable, str(script), str(log), "5000", point],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert writer.stdout is not None
    assert writer.stdout.readline() == "stopped\n"
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait(timeout=30)

    assert log.read_bytes() == earlier
    (leftover,) = tmp_path.glob(f".082.md.*{TEMP_SUFFIX}")
    whole = earlier + b"\n" + entry.encode()
    written = whole[: len(whole) // 2] if point == "half-written" else whole
    assert leftover.read_bytes() == written

    assert append_entry(log, "## después\n", boundary=None)
    assert log.read_bytes() == earlier + "\n## después\n".encode()
    assert not leftover.exists()


def test_writers_killed_at_random_moments_leave_old_or_complete_log(
    tmp_path: Path,
) -> None:
    log = tmp_path / "082.md"
    log.write_text(EARLIER, encoding="utf-8")
    script = _python(tmp_path, "writer.py", WRITER)
    start = tmp_path / "start"
    start.touch()
    chance = random.Random(82)

    for index in range(10):
        before = log.read_bytes()
        ready = tmp_path / f"ready{index}"
        writer = subprocess.Popen(
            [
                sys.executable,
                str(script),
                str(log),
                str(start),
                str(ready),
                str(index),
                "100000",
            ]
        )
        _wait_for(ready.exists)
        time.sleep(chance.uniform(0, 0.12))
        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=30)

        after = log.read_bytes()
        complete = before + b"\n" + _entry(index, 100000).encode()
        assert after in (before, complete)


def test_missing_log_is_created_with_the_title(tmp_path: Path) -> None:
    log = tmp_path / "ci" / "082.md"

    assert append_entry(log, "## one\n- a: b\n", boundary=tmp_path, title="# Log\n")

    assert log.read_text(encoding="utf-8") == "# Log\n\n## one\n- a: b\n"


@pytest.mark.parametrize(
    ("earlier", "gap"),
    [(b"", None), (b"x", b"\n\n"), (b"x\n", b"\n"), (b"x\n\n", b"")],
)
def test_entry_follows_a_blank_line_and_earlier_bytes_stay(
    tmp_path: Path, earlier: bytes, gap: bytes | None
) -> None:
    log = tmp_path / "log.md"
    log.write_bytes(earlier)

    append_entry(log, "## e\n", boundary=None, title="# T")

    expected = b"# T\n## e\n" if gap is None else earlier + gap + b"## e\n"
    assert log.read_bytes() == expected


def test_entry_already_there_is_not_appended(tmp_path: Path) -> None:
    log = tmp_path / "log.md"
    log.write_text("## e\n- Auditoría: `abc`\n", encoding="utf-8")
    inode = log.stat().st_ino

    appended = append_entry(
        log, "## e again\n", boundary=None, already_there=lambda text: "`abc`" in text
    )

    assert appended is False
    assert log.stat().st_ino == inode
    assert log.read_text(encoding="utf-8") == "## e\n- Auditoría: `abc`\n"


def test_lock_held_too_long_is_an_error(tmp_path: Path) -> None:
    log = tmp_path / "log.md"
    descriptor = os.open(tmp_path, os.O_RDONLY)
    fcntl.flock(descriptor, fcntl.LOCK_EX)
    try:
        with pytest.raises(LogError, match="another writer has held the lock"):
            append_entry(log, "## e\n", boundary=None, timeout=0.2)
    finally:
        os.close(descriptor)

    assert not log.exists()


def test_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "log.md"
    os.mkfifo(fifo)

    with pytest.raises(LogError, match="not a regular file"):
        append_entry(fifo, "## e\n", boundary=None)


def test_folder_that_cannot_be_made_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")

    with pytest.raises(LogError, match="cannot write"):
        append_entry(tmp_path / "file" / "log.md", "## e\n", boundary=None)


def test_path_outside_the_repository_given_explicitly_is_allowed(
    tmp_path: Path,
) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    outside = tmp_path / "notes" / "log.md"
    outside.parent.mkdir()

    assert append_entry(outside, "## e\n", boundary=repo)

    assert outside.read_text(encoding="utf-8") == "## e\n"


def test_a_missing_folder_outside_the_repository_is_not_made(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()

    with pytest.raises(LogError, match="No such file or directory"):
        append_entry(tmp_path / "notes" / "log.md", "## e\n", boundary=repo)

    assert not (tmp_path / "notes").exists()


def test_leftovers_of_a_log_with_glob_characters_are_removed(tmp_path: Path) -> None:
    log = tmp_path / "log[1].md"
    leftover = tmp_path / f".log[1].md.0123{TEMP_SUFFIX}"
    leftover.write_text("half an entry")
    unrelated = tmp_path / f".log1.md.0123{TEMP_SUFFIX}"
    unrelated.write_text("another log's copy")

    append_entry(log, "## e\n", boundary=None)

    assert not leftover.exists()
    assert unrelated.exists()
