"""The redaction layer: token formats, token variables, spans, logs and reports."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import pytest
from fuzz_harness import call_main, write_files

from runart_lint.findings import AuditResult, Finding, Location, NotRun, Severity
from runart_lint.loaders.tree import Span
from runart_lint.redact import (
    RedactingFormatter,
    mask_spans,
    redact,
    redact_result,
    register,
)
from runart_lint.reporters.text import render_text

GHP = "ghp_Q2w3E4r5T6y7U8i9O0p1A2s3D4f5G6h7J8k9"
PAT = "github_pat_11ABCDEFG0123456789_" + "abcdefghijklmnopqrstuvwxyz" * 2 + "0123456"
CFUT = "cfut_Ab3De6Gh9Jk2Mn5Pq8St1Vw4Yz7Bc0Ef3Hi6Kl9No2AbCd1234"
LEGACY = "Q9vX2mT7kLp4Rz8NwB3cYh6JdF1sGa5EuK0oVi_x"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"token {GHP} end", f"token ghp_{'*' * 36} end"),
        (f"x={PAT}", f"x=github_pat_{'*' * (len(PAT) - 11)}"),
        (CFUT, "cfut_" + "*" * (len(CFUT) - 5)),
        (f'"{LEGACY}"', f'"{"*" * 40}"'),
        ("Authorization: Bearer abc.def-123", "Authorization: Bearer " + "*" * 11),
        ("authorization=token abcd1234", "authorization=token " + "*" * 8),
        ("X-Auth-Key: " + "0123456789abcdef" * 2 + "01234", "X-Auth-Key: " + "*" * 37),
    ],
)
def test_token_formats_are_masked_in_place(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "actions/checkout@b4ffde65f46336ab88eb53be808477a3936bae11",
        "fingerprint 0f2ac74b498b48028cb68387c421e279",
        "bearer tokens expire",
        "the ghp_ prefix marks a classic token",
        "a-very-long-kebab-case-identifier-of-forty",
    ],
)
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert redact(text) == text


def test_token_variables_are_masked_whatever_their_format(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GH_TOKEN", "short-but-secret")
    monkeypatch.setenv("CLOUDFLARE_API_TOKEN", "abc")

    assert redact("x short-but-secret y abc") == f"x {'*' * 16} y abc"


def test_registered_tokens_are_masked_plain_and_url_encoded() -> None:
    register("s3cr3t/v@lue+1")

    assert redact("a s3cr3t/v@lue+1 b s3cr3t%2Fv%40lue%2B1") == (
        f"a {'*' * 14} b {'*' * 20}"
    )


def test_log_records_and_their_tracebacks_are_masked() -> None:
    formatter = RedactingFormatter("%(levelname)s: %(message)s")
    try:
        raise ValueError(f"bad {GHP}")
    except ValueError:
        record = logging.LogRecord(
            "x", logging.ERROR, __file__, 1, "saw %s", (GHP,), sys.exc_info()
        )

    text = formatter.format(record)

    assert "ValueError" in text
    assert GHP[4:] not in text


def test_mask_spans_keeps_four_characters_quotes_and_columns() -> None:
    source = '\ufeffa = 1\r\nTOKEN = "abcdefghijkl"\r\nb = 2\n'

    masked = mask_spans(source, [Span(2, 9, 2, 23)])

    assert masked.split("\n")[1] == 'TOKEN = "abcd********"\r'
    assert masked.split("\n")[0] == "a = 1\r"


def test_mask_spans_covers_every_line_of_a_block_value() -> None:
    source = "key: |\n  line-one-secret\n  line-two-secret\nnext: 1\n"

    masked = mask_spans(source, [Span(1, 6, 3, 18)])

    assert masked.splitlines() == [
        "key: |",
        "  lin************",
        "  ***************",
        "next: 1",
    ]


def _finding(rule: str, path: str, line: int, message: str) -> Finding:
    location = Location(path, Span.point(line, 1))
    return Finding(rule, Severity.ERROR, message, "fix it", location, key=message)


def test_redact_result_masks_messages_paths_and_checks_not_run() -> None:
    path = f".github/workflows/{GHP}.yml"
    result = AuditResult(
        findings=(_finding("x", path, 1, f"uses `{GHP}`"),),
        not_run=(NotRun("live", f"token {GHP} refused"),),
        sources={path: "on: push\n"},
    )

    masked = redact_result(result)

    finding, not_run = masked.findings[0], masked.not_run[0]
    shown = [finding.message, finding.location.path, not_run.reason]
    assert not any(GHP[4:] in text for text in shown)
    assert list(masked.sources) == [masked.findings[0].location.path]


def test_text_report_masks_a_secret_line_shown_for_another_finding() -> None:
    source = 'name = "x"\nSESSION_SECRET = "a8F3kP0qZ7xLmN2vB9cR4tY6wQ1e"\n'
    secret = Finding(
        "secret-literal",
        Severity.ERROR,
        "looks like a secret",
        "",
        Location("wrangler.toml", Span(2, 18, 2, 48)),
        key="s",
        suppressed="a test fixture",
    )
    other = _finding("binding-in-vars", "wrangler.toml", 2, "another finding")
    result = AuditResult((secret, other), sources={"wrangler.toml": source})

    text = render_text(result, color=False)

    assert "kP0qZ7xLmN2vB9cR4tY6wQ1e" not in text
    assert 'SESSION_SECRET = "a8F3' in text


def test_a_secret_the_baseline_hides_stays_masked_in_other_excerpts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RUNART_LINT_CACHE_DIR", str(tmp_path / "cache"))
    value = "Zx8Kq2LmN4pR7sT1vW3yB6dF9gH0jK5cE2aQ8uI"
    config = f'name = "w"\nvars = {{ routes = ["a"], API_SECRET = "{value}" }}\n'
    repo, baseline = tmp_path / "repo", str(tmp_path / "baseline.json")
    write_files(repo, {"wrangler.toml": config.encode()})
    call_main([str(repo), "--select", "secret-literal", "--write-baseline", baseline])

    code, out, _ = call_main([str(repo), "--no-color", "--baseline", baseline])

    assert code == 1
    assert "binding-in-vars" in out
    assert 'API_SECRET = "Zx8K' in out
    assert value[4:] not in out


def test_a_token_cut_at_the_edge_of_a_long_line_never_shows(tmp_path: Path) -> None:
    line = "x" * 80 + " " + GHP + " " + "y" * 5000
    pieces = {GHP[start : start + 8] for start in range(4, len(GHP) - 7)}
    shown = 0

    for shift in range(0, 60, 3):
        config = f"a = 1\na = 2 # {line[shift:]}\n"
        write_files(tmp_path, {"wrangler.toml": config.encode()})
        code, out, _ = call_main([str(tmp_path), "--no-color"])

        assert code == 1
        assert not any(piece in out for piece in pieces)
        shown += "ghp_***" in out and "ghp_" + "*" * 36 not in out

    assert shown, "the window edge never cut the token"


def test_argument_errors_are_masked(capsys: pytest.CaptureFixture[str]) -> None:
    from runart_lint.cli import main

    with pytest.raises(SystemExit):
        main([".", "--format", GHP])

    assert GHP[4:] not in capsys.readouterr().err
