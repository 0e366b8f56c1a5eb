"""Faults outside file content: the file system, killed writes, leaked secrets.

Each section returns `Trial`s: what was tried, whether it held, and why not.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from unittest import mock

from fuzz_harness import CASE_SECONDS, RAW_CONTROL, bounded, call_main, time_limit
from fuzz_inputs import MAX_FILE_BYTES

CONTROL_PATH = "control/wrangler.toml"
CONTROL_TEXT = b'name = "a"\nname = "b"\n'
OUTSIDE_TEXT = "OUTSIDE-THE-REPOSITORY"
Patch = Callable[[Path], contextlib.AbstractContextManager[object]]


@dataclass(frozen=True, slots=True)
class Trial:
    """One fault tried: its section, what it was, and what went wrong if anything."""

    section: str
    what: str
    problem: str | None = None
    detail: dict[str, object] = field(default_factory=dict)


# --- file system ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FsCase:
    """A repository shape and the finding it must produce."""

    what: str
    build: Callable[[Path, Path], None]
    path: str
    message: str
    patch: Patch | None = None
    control: bool = True
    absent: str = ""


def _fifo(repo: Path, outside: Path) -> None:
    os.mkfifo(repo / "wrangler.toml")


def _folder(repo: Path, outside: Path) -> None:
    (repo / ".github" / "workflows" / "deploy.yml").mkdir(parents=True)


def _file_link(repo: Path, outside: Path) -> None:
    (outside / "wrangler.toml").write_text(f'name = "{OUTSIDE_TEXT}"\n[\n')
    (repo / "wrangler.toml").symlink_to(outside / "wrangler.toml")


def _github_link(repo: Path, outside: Path) -> None:
    workflows = outside / "gh" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "deploy.yml").write_text(f"on: push\njobs: [{OUTSIDE_TEXT}\n")
    (repo / ".github").symlink_to(outside / "gh")


def _folder_link(repo: Path, outside: Path) -> None:
    (outside / "site").mkdir()
    (outside / "site" / "wrangler.toml").write_text(f"name = [{OUTSIDE_TEXT}\n")
    (repo / "apps").mkdir()
    (repo / "apps" / "site").symlink_to(outside / "site")


def _dangling_link(repo: Path, outside: Path) -> None:
    (repo / ".github" / "workflows").mkdir(parents=True)
    (repo / ".github" / "workflows" / "deploy.yml").symlink_to(outside / "missing.yml")


def _plain_config(repo: Path, outside: Path) -> None:
    (repo / "wrangler.toml").write_text('name = "site"\n')


def _unreadable_folder(repo: Path, outside: Path) -> None:
    (repo / "apps" / "site").mkdir(parents=True)
    (repo / "apps" / "site" / "wrangler.toml").write_text("name = [\n")


def _over_limit(repo: Path, outside: Path) -> None:
    (repo / "wrangler.toml").write_bytes(b"#" * MAX_FILE_BYTES + b"\n")


def _at_limit(repo: Path, outside: Path) -> None:
    (repo / "wrangler.toml").write_bytes(b"#" * (MAX_FILE_BYTES - 1) + b"\n")


def _growing(repo: Path, outside: Path) -> None:
    (repo / "wrangler.toml").write_bytes(b"#" * (MAX_FILE_BYTES + 10) + b"\n")


def _bad_name(repo: Path, outside: Path) -> None:
    folder = repo / ".github" / "workflows"
    folder.mkdir(parents=True)
    with open(os.fsencode(folder) + b"/deploy-\xff\xfe.yml", "wb") as handle:
        handle.write(b"on: [\n")


def _escape_name(repo: Path, outside: Path) -> None:
    folder = repo / ".github" / "workflows"
    folder.mkdir(parents=True)
    (folder / "\x1b[31mred\nline\u202e.yml").write_text("on: [\n")


def _deny_open(name: str) -> Patch:
    """Return a patch under which opening the repository's `name` is refused."""

    def patch(repo: Path) -> contextlib.AbstractContextManager[object]:
        real_open = os.open
        target = str(repo / name)

        def fake_open(path: object, flags: int, *args: object, **kwargs: object) -> int:
            if os.fspath(path) == target:  # type: ignore[call-overload]
                raise PermissionError(errno.EACCES, "Permission denied", target)
            return real_open(path, flags, *args, **kwargs)  # type: ignore[arg-type]

        return mock.patch("os.open", fake_open)

    return patch


def _deny_listing(name: str) -> Patch:
    """Return a patch under which listing the repository's folder `name` fails."""

    def patch(repo: Path) -> contextlib.AbstractContextManager[object]:
        real_scandir = os.scandir
        target = os.path.normpath(repo / name)

        def fake_scandir(path: object = ".") -> object:
            if os.path.normpath(os.fspath(path)) == target:  # type: ignore[call-overload]
                raise PermissionError(errno.EACCES, "Permission denied", target)
            return real_scandir(path)  # type: ignore[call-overload]

        return mock.patch("os.scandir", fake_scandir)

    return patch


def _shrink_stat(name: str) -> Patch:
    """Return a patch under which `name` reports a tiny size, as if it grew later."""

    def patch(repo: Path) -> contextlib.AbstractContextManager[object]:
        real_fstat = os.fstat
        target = os.stat(repo / name).st_ino

        def fake_fstat(descriptor: int) -> os.stat_result:
            info = real_fstat(descriptor)
            if info.st_ino != target:
                return info
            fields = list(info)
            fields[6] = 10
            return os.stat_result(fields)

        return mock.patch("os.fstat", fake_fstat)

    return patch


def _swap_after_discovery(repo: Path) -> contextlib.AbstractContextManager[object]:
    """Return a patch that turns the config into a link once discovery is done."""
    from runart_lint import inputs

    real_discover = inputs.discover

    def discover_then_swap(root: Path, *args: object, **kwargs: object) -> object:
        found = real_discover(root, *args, **kwargs)  # type: ignore[arg-type]
        config = repo / "wrangler.toml"
        config.unlink()
        config.symlink_to(repo.parent / "outside" / "wrangler.toml")
        return found

    (repo.parent / "outside" / "wrangler.toml").write_text(f"name = [{OUTSIDE_TEXT}\n")
    return mock.patch.object(inputs, "discover", discover_then_swap)


FS_CASES = (
    FsCase(
        "named pipe (FIFO) named `wrangler.toml`",
        _fifo,
        "wrangler.toml",
        "a named pipe, not a regular file",
    ),
    FsCase(
        "folder named like a workflow",
        _folder,
        ".github/workflows/deploy.yml",
        "a folder, not a file",
    ),
    FsCase(
        "config linked to a file outside",
        _file_link,
        "wrangler.toml",
        "symbolic link, not followed",
    ),
    FsCase(
        "`.github` linked to a folder outside",
        _github_link,
        ".github",
        "symbolic link, not followed",
    ),
    FsCase(
        "app folder linked outside", _folder_link, "apps/site", "outside the repository"
    ),
    FsCase(
        "dangling link named like a workflow",
        _dangling_link,
        ".github/workflows/deploy.yml",
        "symbolic link, not followed",
    ),
    FsCase(
        "config swapped for a link after discovery",
        _plain_config,
        "wrangler.toml",
        "symbolic link, not followed",
        _swap_after_discovery,
    ),
    FsCase(
        "config the system refuses to open",
        _plain_config,
        "wrangler.toml",
        "cannot read file: Permission denied",
        _deny_open("wrangler.toml"),
    ),
    FsCase(
        "folder the system refuses to list",
        _unreadable_folder,
        "apps",
        "cannot read: Permission denied",
        _deny_listing("apps"),
    ),
    FsCase(
        "repository root the system refuses to list",
        _plain_config,
        ".",
        "cannot read: Permission denied",
        _deny_listing("."),
        control=False,
    ),
    FsCase(
        "config one byte over 2 MiB",
        _over_limit,
        "wrangler.toml",
        "larger than the 2097152 bytes read",
    ),
    FsCase("config exactly 2 MiB", _at_limit, "wrangler.toml", "", absent="bytes read"),
    FsCase(
        "config that grows past 2 MiB while read",
        _growing,
        "wrangler.toml",
        "larger than the 2097152 bytes read",
        _shrink_stat("wrangler.toml"),
    ),
    FsCase(
        "path that is not UTF-8",
        _bad_name,
        ".github/workflows/deploy-\ufffd\ufffd.yml",
        "path is not valid UTF-8",
    ),
    FsCase(
        "name with a terminal escape, newline and bidi override",
        _escape_name,
        ".github/workflows/\x1b[31mred\nline\u202e.yml",
        "invalid yaml",
    ),
)


def file_system_trials(scratch: Path) -> list[Trial]:
    """Run every file-system case; each must end in its finding, the rest audited."""
    trials = []
    for number, case in enumerate(FS_CASES):
        folder = scratch / f"fs{number}"
        (folder / "repo").mkdir(parents=True)
        (folder / "outside").mkdir()
        trials.append(_fs_trial(case, folder / "repo", folder / "outside"))
    return trials


def _fs_trial(case: FsCase, repo: Path, outside: Path) -> Trial:
    """Build one case, audit it, and check the findings."""
    case.build(repo, outside)
    if case.control:
        (repo / "control").mkdir(exist_ok=True)
        (repo / CONTROL_PATH).write_bytes(CONTROL_TEXT)
    patch = case.patch(repo) if case.patch else contextlib.nullcontext()

    try:
        with time_limit(CASE_SECONDS), patch:
            code, out, err = call_main([str(repo), "--format", "json"])
            _, text, _ = call_main([str(repo), "--no-color"])
    except BaseException as error:  # a hang or crash is the result recorded
        return Trial("file system", case.what, f"{type(error).__name__}: {error}")
    result = "reported there, rest audited" if case.message else "read, rest audited"
    problem = _fs_problem(case, code, out, err, text)
    return Trial("file system", case.what, problem, {"result": result})


def _fs_problem(case: FsCase, code: int, out: str, err: str, text: str) -> str | None:
    """Return why an audit of a file-system case is wrong, or None."""
    if code not in (0, 1) or "Traceback" in err:
        return f"exit {code}: {err.strip()[:200]}"
    findings = {(f["path"], f["message"]) for f in json.loads(out)["findings"]}
    refused = [m for p, m in findings if p == case.path and case.message in m]
    if case.message and not refused:
        return f"no `{case.message}` at `{case.path}`: {sorted(findings)}"
    if case.absent and any(p == case.path and case.absent in m for p, m in findings):
        return f"unexpected finding at `{case.path}`: {sorted(findings)}"
    if case.control and not any(p == CONTROL_PATH for p, _ in findings):
        return "the rest of the repository was not audited"
    if OUTSIDE_TEXT in out + err + text:
        return "content from outside the repository was read"
    raw = RAW_CONTROL.search(text)
    return f"raw control character {raw.group()!r} in the text report" if raw else None


# --- killed writes -------------------------------------------------------------------

# Runs the CLI with fsync slowed down: the report is complete in the temporary
# file but not yet renamed when the parent kills the process.
_SLOW_FSYNC = """
import os, sys, time
from pathlib import Path
real_fsync = os.fsync
def slow_fsync(descriptor):
    real_fsync(descriptor)
    Path(sys.argv[1]).write_text("writing")
    time.sleep(60)
os.fsync = slow_fsync
from runart_lint.cli import main
raise SystemExit(main(sys.argv[2:]))
"""


def big_repository(repo: Path, findings: int) -> None:
    """Write a repository whose report holds about `findings` findings."""
    members = ",\n".join(f'  "key": {number}' for number in range(findings))
    (repo / "wrangler.jsonc").parent.mkdir(parents=True, exist_ok=True)
    (repo / "wrangler.jsonc").write_text("{\n" + members + "\n}\n")


def killed_write_trials(scratch: Path, seed: int, kills: int) -> list[Trial]:
    """Kill runs writing a large report; the report must be the old or the new one."""
    repo, report = scratch / "big", scratch / "out" / "report.json"
    big_repository(repo, 5_000)
    report.parent.mkdir()
    old = '{"old": true}\n'
    report.write_text(old)
    command = [
        sys.executable,
        "-m",
        "runart_lint",
        str(repo),
        "--format",
        "json",
        "-o",
        str(report),
    ]

    started = time.perf_counter()
    whole = subprocess.run(command, capture_output=True, check=False, timeout=120)
    duration = time.perf_counter() - started
    new = report.read_text()
    trials = [_kill_before_rename(scratch, repo, report, new)]
    rng = random.Random(f"{seed}:kill")
    for number in range(kills):
        report.write_text(old)
        delay = rng.uniform(duration * 0.5, duration * 1.05)
        trials.append(_kill_at(command, report, delay, old, new, number))
    if whole.returncode != 1:
        trials.append(Trial("integrity", "complete run", f"exit {whole.returncode}"))
    return trials


def _kill_at(
    command: list[str], report: Path, delay: float, old: str, new: str, number: int
) -> Trial:
    """Kill one run after `delay` seconds and check the report it leaves."""
    process = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=bounded(),
    )
    time.sleep(delay)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)
    left = report.read_text()
    what = f"SIGKILL after {delay:.2f} s (run {number + 1})"
    state = "old" if left == old else "new" if left == new else "partial"
    problem = None if state != "partial" else f"report has {len(left)} characters"
    return Trial("integrity", what, problem, {"left": state})


def _kill_before_rename(scratch: Path, repo: Path, report: Path, new: str) -> Trial:
    """Kill a run whose report is written but not yet renamed into place."""
    old = '{"old": "before rename"}\n'
    report.write_text(old)
    marker = scratch / "fsync-reached"
    command = [
        sys.executable,
        "-c",
        _SLOW_FSYNC,
        str(marker),
        str(repo),
        "--format",
        "json",
        "-o",
        str(report),
    ]
    process = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=bounded(),
    )
    _wait_for(marker, process)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)
    what = "SIGKILL with the whole report written, before the rename"
    left = report.read_text()
    problem = None if left == old else "the report changed before the rename"
    return Trial("integrity", what, problem, {"left": "old" if left == old else "?"})


def _wait_for(marker: Path, process: subprocess.Popen[bytes]) -> None:
    """Wait until `marker` exists or the process ends."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if marker.exists() or process.poll() is not None:
            return
        time.sleep(0.01)


# --- entry point under limits --------------------------------------------------------


def _billion_laughs() -> bytes:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 10)}]" for n in range(1, 12)]
    return ("on: push\n" + "\n".join(lines) + "\njobs: {}\n").encode()


def _big_workflow(jobs: int) -> bytes:
    job = (
        "  deploy{n}:\n    runs-on: ubuntu-latest\n    environment: production\n"
        "    steps:\n      - uses: actions/checkout@v4\n"
        "      - run: npx wrangler deploy --env production\n"
        "        env:\n          CLOUDFLARE_API_TOKEN: ${{{{ secrets.CF }}}}\n"
    )
    body = "".join(job.format(n=number) for number in range(jobs))
    return ("on: push\njobs:\n" + body).encode()


ENTRY_CASES: tuple[tuple[str, dict[str, bytes]], ...] = (
    (
        "YAML alias bomb of 800 billion nodes",
        {".github/workflows/bomb.yml": _billion_laughs()},
    ),
    ("JSON nested 100,000 deep", {"wrangler.json": b"[" * 100_000 + b"]" * 100_000}),
    ("TOML nested 100,000 deep", {"wrangler.toml": b"a = " + b"[" * 100_000}),
    (
        "YAML nested 100,000 deep",
        {".github/workflows/deep.yml": b"a: " + b"[" * 100_000},
    ),
    (
        "workflow of 2,000 deploy jobs (0.8 MB)",
        {".github/workflows/big.yml": _big_workflow(2000)},
    ),
    (
        "1,000 workflows",
        {f".github/workflows/w{n}.yml": b"on: push\njobs: {}\n" for n in range(1000)},
    ),
)


def entry_point_trials(scratch: Path) -> list[Trial]:
    """Run `python -m runart_lint` on the heaviest inputs under memory and CPU caps."""
    from fuzz_harness import write_files

    trials = []
    for number, (what, files) in enumerate(ENTRY_CASES):
        repo = scratch / f"entry{number}"
        write_files(repo, files)
        trials.append(_entry_trial(what, repo))
    return trials


def _entry_trial(what: str, repo: Path) -> Trial:
    """Run the installed entry point once and check how it ended."""
    command = [sys.executable, "-m", "runart_lint", str(repo), "--format", "sarif"]
    started = time.perf_counter()
    with open(os.devnull, "wb") as sink:
        process = subprocess.Popen(
            command, stdout=sink, stderr=subprocess.PIPE, preexec_fn=bounded()
        )
        code, usage, err = _wait(process, 60.0)
    seconds = time.perf_counter() - started
    detail = {"seconds": round(seconds, 2), "max_rss_mib": usage // 1024}
    if code is None:
        return Trial("entry point", what, "no result within 60 s", detail)
    if code not in (0, 1) or b"Traceback" in err or b"internal error" in err:
        return Trial("entry point", what, f"exit {code}: {err[-300:]!r}", detail)
    return Trial("entry point", what, None, detail)


def _wait(
    process: subprocess.Popen[bytes], timeout: float
) -> tuple[int | None, int, bytes]:
    """Wait for a child; return its exit code (None on timeout), peak RSS, stderr."""
    deadline = time.monotonic() + timeout
    assert process.stderr is not None
    os.set_blocking(process.stderr.fileno(), False)
    err = b""
    while time.monotonic() < deadline:
        err += process.stderr.read() or b""
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            process.returncode = os.waitstatus_to_exitcode(status)
            err += process.stderr.read() or b""
            return process.returncode, usage.ru_maxrss, err
        time.sleep(0.02)
    process.kill()
    process.wait()
    return None, 0, err


# --- canary tokens -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Canaries:
    """Fake credentials in every format the tool masks, and the variables set."""

    tokens: dict[str, str]
    variables: dict[str, str]

    def leaked(self, text: str) -> list[str]:
        """Return the canaries of which any 8 secret characters appear in `text`."""
        found = []
        for name, token in {**self.tokens, **self.variables}.items():
            secret = token.rsplit("_", 1)[-1].split(" ")[-1]
            pieces = {secret[i : i + 8] for i in range(len(secret) - 7)}
            if any(piece in text for piece in pieces):
                found.append(name)
        return found


def make_canaries(seed: int) -> Canaries:
    """Return canary tokens drawn from `seed`, each in a real token format."""
    rng = random.Random(f"{seed}:canary")
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"

    def draw(length: int) -> str:
        return "".join(rng.choice(alphabet) for _ in range(length))

    tokens = {
        "ghp": "ghp_" + draw(36),
        "github_pat": "github_pat_" + draw(22) + "_" + draw(59),
        "gho": "gho_" + draw(36),
        "cfut": "cfut_" + draw(40) + draw(8),
        "cloudflare-40": "Q" + draw(37) + "7x",
        "bearer": "Bearer " + draw(30) + "9",
        "named-secret": "Zq" + draw(22) + "4",
    }
    variables = {
        "GITHUB_TOKEN": "ghs_" + draw(36),
        "GH_TOKEN": "plain" + draw(14),
        "CLOUDFLARE_API_TOKEN": "W" + draw(38) + "3",
    }
    return Canaries(tokens, variables)


def canary_repository(root: Path, canaries: Canaries) -> Path:
    """Write a repository holding every canary where findings show it."""
    tokens, variables = canaries.tokens, canaries.variables
    repo = root / f"repo-{variables['GH_TOKEN']}"
    workflows = repo / ".github" / "workflows"
    workflows.mkdir(parents=True)
    formatted = [v for k, v in tokens.items() if k not in ("named-secret", "bearer")]
    formatted.append(f"Authorization: {tokens['bearer']}")
    keys = "".join(f'  K{n}: "{value}"\n' for n, value in enumerate(formatted))
    (workflows / f"deploy-{variables['GH_TOKEN']}.yml").write_text(
        "on: push\nenv:\n" + keys + keys + "jobs:\n  deploy:\n"
        "    runs-on: ubuntu-latest\n    steps:\n"
        f"      - uses: cloudflare/wrangler-action@{variables['GITHUB_TOKEN']}\n"
        f"        with:\n          apiToken: {variables['CLOUDFLARE_API_TOKEN']}\n"
    )
    (repo / "wrangler.toml").write_text(
        f'name = "site"\nmain = "src/index.ts"\n\n[vars]\n'
        f'API_TOKEN = "{tokens["cloudflare-40"]}"\n'
        f'SESSION_SECRET = "{tokens["named-secret"]}"  # {tokens["ghp"]}\n'
    )
    return repo


def canary_trials(scratch: Path, seed: int) -> list[Trial]:
    """Run every code path that writes with canaries present; none may leak."""
    canaries = make_canaries(seed)
    repo = canary_repository(scratch, canaries)
    with mock.patch.dict(os.environ, canaries.variables):
        trials = [
            *_report_paths(scratch, repo, canaries),
            *_error_paths(scratch, repo, canaries),
        ]
        trials += _subprocess_paths(scratch, repo, canaries)
    return trials


def _report_paths(scratch: Path, repo: Path, canaries: Canaries) -> Iterator[Trial]:
    """Yield one trial per format, destination and verbosity."""
    for output_format in ("text", "json", "sarif"):
        for flags in ([], ["-v"], ["--debug"]):
            for to_file in (False, True):
                argv = [str(repo), "--format", output_format, *flags]
                target = scratch / f"report-{canaries.variables['GH_TOKEN']}.out"
                argv += ["-o", str(target)] if to_file else []
                what = f"{output_format} to {'--output' if to_file else 'stdout'}"
                yield _canary_trial(
                    f"{what} {' '.join(flags)}".strip(),
                    argv,
                    canaries,
                    target if to_file else None,
                )


def _error_paths(scratch: Path, repo: Path, canaries: Canaries) -> Iterator[Trial]:
    """Yield one trial per error path that echoes what it was given."""
    token = canaries.tokens["ghp"]
    missing = scratch / f"missing-{token}"
    yield _canary_trial("no such folder", [str(missing)], canaries)
    yield _canary_trial(
        "missing rule pack", [str(repo), "--pack", str(missing)], canaries
    )
    yield _canary_trial("bad --format", [str(repo), "--format", token], canaries)
    yield _canary_trial("bad --select", [str(repo), "--select", token], canaries)
    yield _canary_trial(
        "unwritable --output", [str(repo), "-o", str(missing / "out.json")], canaries
    )
    for flags in ([], ["--debug"]):
        failing = mock.patch(
            "runart_lint.engine.audit_repository",
            side_effect=RuntimeError(f"failed near {token}"),
        )
        # `--no-cache`: a reused result would skip the failing code.
        with failing:
            yield _canary_trial(
                f"internal error {' '.join(flags)}".strip(),
                [str(repo), "--no-cache", *flags],
                canaries,
            )
    with _failing_rule(token):
        yield _canary_trial(
            "rule that raises, --debug",
            [str(repo), "--no-cache", "--debug"],
            canaries,
        )


@contextlib.contextmanager
def _failing_rule(token: str) -> Iterator[None]:
    """Make the first rule raise an exception that quotes `token`."""
    from runart_lint import rules as registry
    from runart_lint.records import replace

    def fail(audit: object) -> object:
        raise ValueError(f"cannot check {token}")

    broken = replace(registry.RULES[0], check=fail)
    patched = type(registry.RULES)([broken, *registry.RULES[1:]])
    with mock.patch.object(registry, "RULES", patched):
        yield


def _canary_trial(
    what: str, argv: list[str], canaries: Canaries, target: Path | None = None
) -> Trial:
    """Run the CLI in this process and look for canaries in all it wrote."""
    try:
        with time_limit(CASE_SECONDS):
            _, out, err = call_main(argv)
    except BaseException as error:
        return Trial("secrets", what, f"{type(error).__name__}: {error}")
    written = target.read_text() if target is not None and target.exists() else ""
    leaked = canaries.leaked(out + err + written)
    if "Traceback" in err and "--debug" not in argv:
        return Trial("secrets", what, "traceback without --debug")
    return Trial("secrets", what, f"leaked {', '.join(leaked)}" if leaked else None)


_INTERNAL_ERROR = """
import sys
from unittest import mock
token = sys.argv[1]
with mock.patch("runart_lint.engine.audit_repository",
                side_effect=RuntimeError("failed near " + token)):
    from runart_lint.cli import main
    raise SystemExit(main(sys.argv[2:]))
"""


def _subprocess_paths(scratch: Path, repo: Path, canaries: Canaries) -> list[Trial]:
    """Run the real entry point: a full audit and an internal error, with --debug."""
    audit = [sys.executable, "-m", "runart_lint", str(repo), "--debug", "-v"]
    failing = [
        sys.executable,
        "-c",
        _INTERNAL_ERROR,
        canaries.tokens["ghp"],
        str(repo),
        "--no-cache",
        "--debug",
    ]
    trials = []
    for what, command in (
        ("entry point, --debug -v", audit),
        ("entry point, internal error, --debug", failing),
    ):
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=60,
            preexec_fn=bounded(),
            check=False,
        )
        leaked = canaries.leaked(done.stdout + done.stderr)
        problem = f"leaked {', '.join(leaked)}" if leaked else None
        if done.returncode not in (1, 3):
            problem = f"exit {done.returncode}: {done.stderr[-300:]}"
        trials.append(Trial("secrets", what, problem))
    return trials
