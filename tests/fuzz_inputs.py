"""Hostile and broken inputs: mutations of the real examples and random documents.

Every input is built from a `random.Random` seeded with the campaign seed and
the input's own name, so one seed always yields the same inputs.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
SHARED_EXAMPLES = REPO.parent / "shared" / "examples"
BUNDLED_EXAMPLES = REPO / "examples"
PACK = REPO / "rules" / "runart-foundry.toml"
MAX_FILE_BYTES = 2 * 1024 * 1024

FAMILIES = ("toml", "json", "yaml")
SYNTAX = {
    "toml": [*"[]{}=.,#\"'\n \t", '"""', "'''", "[[", "]]", "= {", "\\u"],
    "json": [*'[]{}:,"/*\n \t', "//", "/*", "*/", "\\u", "true", "null"],
    "yaml": [*"[]{}:,-#&*!|>?%@`'\"\n \t", "<<: ", "- ", ": ", "---\n"],
}
INVALID_UTF8 = [b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xc0\xaf", b"\xf4\x90\x80\x80"]
ESCAPES = [
    "\\ud800",
    "\\udfff",
    "\\udbff\\udfff",
    "\\u0000",
    "\\u001b[31m",
    "\\U0010FFFF",
    "\\uFFFE",
    "\\u202e",
    "\\x1b",
    "\\e",
    "\\L",
    "\\P",
    "\\N",
    "\\_",
    "\\0",
    "\\",
    "\\q",
]
CONTROL = ["\x1b[31m", "\x1b]0;title\x07", "\u202e", "\u200b", "\x08", "\x7f", "\x9b"]
VOCABULARY = [
    "name",
    "main",
    "env",
    "vars",
    "kv_namespaces",
    "binding",
    "id",
    "preview_id",
    "routes",
    "route",
    "account_id",
    "compatibility_date",
    "workers_dev",
    "pages_build_output_dir",
    "d1_databases",
    "services",
    "r2_buckets",
    "jobs",
    "steps",
    "uses",
    "run",
    "with",
    "needs",
    "if",
    "on",
    "push",
    "branches",
    "environment",
    "secrets",
    "permissions",
    "strategy",
    "matrix",
    "runs",
    "using",
    "inputs",
    "outputs",
    "workflow_call",
    "pull_request_target",
    "runs-on",
    "command",
    "apiToken",
    "accountId",
    "production",
    "preview",
    "staging",
    "workingDirectory",
    "wranglerVersion",
    "<<",
]
STRINGS = [
    "",
    " ",
    "production",
    "preview",
    "main",
    "${{ github.head_ref }}",
    "${{ secrets.CLOUDFLARE_API_TOKEN }}",
    "wrangler deploy --env production",
    "npx wrangler pages deploy dist --project-name site --branch main",
    "cloudflare/wrangler-action@v3",
    "actions/checkout@v4",
    "./.github/actions/x",
    "../../../etc/passwd",
    "*",
    "**",
    "~",
    "\u202eevil",
    "\x1b[2J",
    "0" * 32,
    "a" * 300,
    "€uro",
    "💥",
    "\\",
    '"quoted"',
]


@dataclass(frozen=True, slots=True)
class Seed:
    """A real example file: its family, path in its repository and bytes."""

    family: str
    path: str
    data: bytes
    siblings: tuple[tuple[str, bytes], ...] = ()


@dataclass(frozen=True, slots=True)
class Case:
    """One input to audit: the files of a repository, or a rule pack."""

    fault: str
    family: str
    label: str
    files: dict[str, bytes] = field(default_factory=dict)
    pack: bytes | None = None


@dataclass(frozen=True, slots=True)
class Fault:
    """A way of breaking a file, with the share of the inputs it gets."""

    name: str
    what: str
    families: tuple[str, ...]
    weight: float
    mutate: Callable[[random.Random, Seed, list[Seed]], bytes]


# --- seeds ---------------------------------------------------------------------------


def example_root() -> Path:
    """Return the examples read in place: ../shared's, else the bundled one."""
    return SHARED_EXAMPLES if SHARED_EXAMPLES.is_dir() else BUNDLED_EXAMPLES


def load_seeds(root: Path) -> dict[str, list[Seed]]:
    """Return every example config and workflow under `root`, by family."""
    files = sorted(p for p in root.rglob("*") if p.is_file() and _family(p.name))
    by_repo: dict[Path, list[Path]] = {}
    for path in files:
        by_repo.setdefault(_repo_of(root, path), []).append(path)

    seeds: dict[str, list[Seed]] = {family: [] for family in FAMILIES}
    for repo, members in sorted(by_repo.items()):
        files = [(p.relative_to(repo).as_posix(), p.read_bytes()) for p in members]
        for index, (name, data) in enumerate(files):
            others = tuple(files[:index] + files[index + 1 :])
            family = _family(name.rsplit("/", 1)[-1])
            seeds[family].append(Seed(family, name, data, others))
    return seeds


def _family(name: str) -> str:
    """Return the family of a file name, or '' for files the tool does not read."""
    if name.endswith(".toml"):
        return "toml" if name.startswith("wrangler") else ""
    if name.endswith((".json", ".jsonc")):
        return "json" if name.startswith("wrangler") else ""
    return "yaml" if name.endswith((".yml", ".yaml")) else ""


def _repo_of(root: Path, path: Path) -> Path:
    """Return the example repository a file belongs to."""
    parts = path.relative_to(root).parts
    depth = 2 if parts[0] == "public" and len(parts) > 2 else 1
    return root.joinpath(*parts[:depth]) if len(parts) > depth else root


# --- byte-level faults ---------------------------------------------------------------


def bit_flip(rng: random.Random, seed: Seed, _: list[Seed]) -> bytes:
    """Flip a few random bits."""
    data = bytearray(seed.data or b" ")
    for _ in range(rng.randint(1, 8)):
        index = rng.randrange(len(data))
        data[index] ^= 1 << rng.randrange(8)
    return bytes(data)


def syntax_edit(rng: random.Random, seed: Seed, _: list[Seed]) -> bytes:
    """Insert, delete or replace a few characters that carry syntax."""
    text = seed.data.decode("utf-8", "replace")
    for _ in range(rng.randint(1, 6)):
        at = rng.randint(0, len(text))
        piece = rng.choice(SYNTAX[seed.family])
        action = rng.randrange(3)
        if action == 0:
            text = text[:at] + piece + text[at:]
        elif action == 1:
            text = text[:at] + text[at + rng.randint(1, 12) :]
        else:
            text = text[:at] + piece + text[at + len(piece) :]
    return text.encode("utf-8")


def splice(rng: random.Random, seed: Seed, others: list[Seed]) -> bytes:
    """Insert a run of lines taken from another example of the same family."""
    donor = rng.choice(others).data.splitlines(keepends=True) or [b"\n"]
    start = rng.randrange(len(donor))
    chunk = b"".join(donor[start : start + rng.randint(1, 20)])
    lines = seed.data.splitlines(keepends=True)
    at = rng.randint(0, len(lines))
    return b"".join(lines[:at]) + chunk + b"".join(lines[at:])


def truncate(rng: random.Random, seed: Seed, _: list[Seed]) -> bytes:
    """Cut the file short anywhere, in the middle of a character too."""
    return seed.data[: rng.randint(0, max(len(seed.data) - 1, 0))]


def duplicate_lines(rng: random.Random, seed: Seed, _: list[Seed]) -> bytes:
    """Repeat a run of lines in place: duplicate keys, tables and jobs."""
    lines = seed.data.splitlines(keepends=True) or [b"a = 1\n"]
    start = rng.randrange(len(lines))
    end = min(len(lines), start + rng.randint(1, 8))
    return b"".join(lines[:end] + lines[start:end] + lines[end:])


def invalid_utf8(rng: random.Random, seed: Seed, _: list[Seed]) -> bytes:
    """Insert bytes that are not UTF-8: stray, truncated, surrogate, overlong."""
    data = seed.data
    for _ in range(rng.randint(1, 3)):
        at = rng.randint(0, len(data))
        data = data[:at] + rng.choice(INVALID_UTF8) + data[at:]
    return data


def byte_order_mark(rng: random.Random, seed: Seed, _: list[Seed]) -> bytes:
    """Put a byte order mark in front: UTF-8's, UTF-16's, or two of them."""
    mark = rng.choice([b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf" * 2])
    return mark + seed.data


def line_ends(rng: random.Random, seed: Seed, _: list[Seed]) -> bytes:
    """Rewrite line ends as CRLF, lone CR, or a mixture."""
    style = rng.randrange(3)
    if style == 0:
        return seed.data.replace(b"\n", b"\r\n")
    if style == 1:
        return seed.data.replace(b"\n", b"\r")
    lines = seed.data.split(b"\n")
    return b"".join(line + rng.choice([b"\n", b"\r\n", b"\r"]) for line in lines)


def nul_bytes(rng: random.Random, seed: Seed, _: list[Seed]) -> bytes:
    """Insert NUL bytes."""
    data = seed.data
    for _ in range(rng.randint(1, 4)):
        at = rng.randint(0, len(data))
        data = data[:at] + b"\x00" + data[at:]
    return data


def escapes(rng: random.Random, seed: Seed, _: list[Seed]) -> bytes:
    """Insert escape sequences inside quoted strings: lone surrogates, NUL, ESC."""
    text = seed.data.decode("utf-8", "replace")
    quotes = [index for index, char in enumerate(text) if char == '"']
    for _ in range(rng.randint(1, 4)):
        at = rng.choice(quotes) + 1 if quotes else 0
        text = text[:at] + rng.choice(ESCAPES) + text[at:]
        quotes = [index for index, char in enumerate(text) if char == '"']
    return text.encode("utf-8")


def control_characters(rng: random.Random, seed: Seed, _: list[Seed]) -> bytes:
    """Insert terminal escapes, bidirectional overrides and other invisibles."""
    text = seed.data.decode("utf-8", "replace")
    for _ in range(rng.randint(1, 5)):
        at = rng.randint(0, len(text))
        text = text[:at] + rng.choice(CONTROL) + text[at:]
    return text.encode("utf-8")


def long_line(rng: random.Random, seed: Seed, _: list[Seed]) -> bytes:
    """Insert one line of up to about 1.9 MB, inside a value or as bare text."""
    length = rng.choice([100_000, 1_000_000, MAX_FILE_BYTES - len(seed.data) - 4096])
    filler = rng.choice(["a", "x" * 7 + "=", "é", "[", "{", "- "]) * length
    filler = filler[: max(length, 0)]
    lines = seed.data.splitlines(keepends=True)
    at = rng.randint(0, len(lines))
    line = _long_value(seed.family, filler) if rng.random() < 0.5 else filler
    return b"".join(lines[:at]) + line.encode("utf-8") + b"\n" + b"".join(lines[at:])


def _long_value(family: str, filler: str) -> str:
    """Return a key whose string value is `filler`, written in `family`'s syntax."""
    quoted = json.dumps(filler)
    if family == "toml":
        return f"long_value = {quoted}"
    if family == "json":
        return f'"long_value": {quoted},'
    return f"long_value: {quoted}"


def deep_nesting(rng: random.Random, seed: Seed, _: list[Seed]) -> bytes:
    """Insert arrays or tables nested a few hundred to a hundred thousand deep."""
    depth = rng.choice([150, 199, 200, 201, 1_000, 100_000])
    opener, closer = rng.choice([("[", "]"), ("{", "}")])
    if seed.family == "toml" and opener == "{":
        inner = "{a = " * depth + "1" + "}" * depth
    elif seed.family == "json" and opener == "{":
        inner = '{"a": ' * depth + "1" + "}" * depth
    else:
        inner = opener * depth + closer * depth * rng.randint(0, 1)
    if seed.family == "yaml" and rng.random() < 0.3:
        inner = "".join(" " * i + "- \n" for i in range(0, min(depth, 400) * 2, 2))
    prefix = {"toml": "deep = ", "json": '"deep": ', "yaml": "deep: "}[seed.family]
    return _insert_line(rng, seed.data, prefix + inner)


def alias_bomb(rng: random.Random, seed: Seed, _: list[Seed]) -> bytes:
    """Add a YAML alias bomb ("billion laughs") or a long chain of aliases."""
    levels = rng.randint(5, 12)
    width = rng.randint(2, 10)
    lines = ['bomb0: &a0 ["lol"]']
    for level in range(1, levels):
        refs = ", ".join(f"*a{level - 1}" for _ in range(width))
        lines.append(f"bomb{level}: &a{level} [{refs}]")
    if rng.random() < 0.5:
        lines.append(f"top: *a{levels - 1}")
    return "\n".join(lines).encode() + b"\n" + seed.data


def anchors(rng: random.Random, seed: Seed, _: list[Seed]) -> bytes:
    """Sprinkle anchors, aliases, merge keys and tags, some of them undefined."""
    text = seed.data.decode("utf-8", "replace")
    pieces = [
        "&x ",
        "*x",
        "<<: *x\n",
        "!!binary ",
        "!custom ",
        "&a.b ",
        "*undefined",
        "? complex\n: key\n",
        "!!python/object:os.system ",
        "&x\n",
    ]
    for _ in range(rng.randint(1, 5)):
        at = rng.randint(0, len(text))
        text = text[:at] + rng.choice(pieces) + text[at:]
    return text.encode("utf-8")


def merge_conflict(rng: random.Random, seed: Seed, _: list[Seed]) -> bytes:
    """Wrap a run of lines in merge-conflict markers, sometimes only half of them."""
    lines = seed.data.splitlines(keepends=True) or [b"\n"]
    start = rng.randrange(len(lines))
    end = min(len(lines), start + rng.randint(1, 10))
    ours = b"".join(lines[start:end])
    markers = [b"<<<<<<< HEAD\n", ours, b"=======\n", ours, b">>>>>>> branch\n"]
    if rng.random() < 0.3:
        markers = markers[: rng.randint(1, 4)]
    return b"".join(lines[:start]) + b"".join(markers) + b"".join(lines[end:])


def empty(rng: random.Random, seed: Seed, _: list[Seed]) -> bytes:
    """Replace the file with nothing, blanks, a comment or a lone value."""
    return rng.choice(
        [
            b"",
            b"\n",
            b"   \n\t\n",
            b"# only a comment\n",
            b"\xef\xbb\xbf",
            b"null\n",
            b"[]\n",
            b"42\n",
            b'"text"\n',
            b"---\n...\n",
            b"~",
        ]
    )


def too_large(rng: random.Random, seed: Seed, _: list[Seed]) -> bytes:
    """Pad the file past the 2 MiB read limit, by one byte or by many."""
    extra = rng.choice([1, 4096, MAX_FILE_BYTES])
    padding = b"#" + b" " * (MAX_FILE_BYTES - len(seed.data) + extra) + b"\n"
    return seed.data + padding


def _insert_line(rng: random.Random, data: bytes, line: str) -> bytes:
    """Insert `line` between two lines of `data`."""
    lines = data.splitlines(keepends=True)
    at = rng.randint(0, len(lines))
    return b"".join(lines[:at]) + line.encode() + b"\n" + b"".join(lines[at:])


# --- structure faults ----------------------------------------------------------------


def retype(rng: random.Random, seed: Seed, _: list[Seed]) -> bytes:
    """Parse the example, replace values with values of other types, write it back."""
    document = _parse(seed)
    if not isinstance(document, dict):
        document = {"root": document}
    for _ in range(rng.randint(1, 6)):
        changed = _retype_somewhere(rng, document, 0)
        document = changed if isinstance(changed, dict) else {"root": changed}
    return _write(seed.family, document)


def random_document(rng: random.Random, seed: Seed, _: list[Seed]) -> bytes:
    """Write a random document built from the keys real configs and workflows use."""
    document = {rng.choice(VOCABULARY): _random_value(rng, 0) for _ in range(6)}
    return _write(seed.family, document)


def _parse(seed: Seed) -> object:
    """Return the example as plain data (strings for YAML scalars), or {}."""
    import tomllib

    text = seed.data.decode("utf-8", "replace").removeprefix("\ufeff")
    try:
        if seed.family == "toml":
            return tomllib.loads(text)
        if seed.family == "json":
            return json.loads(_strip_comments(text))
        return yaml.load(text, Loader=yaml.BaseLoader)
    except (ValueError, yaml.YAMLError):
        return {}


def _strip_comments(text: str) -> str:
    """Return JSONC without whole-line `//` comments and trailing commas, roughly."""
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("//")]
    return "\n".join(lines).replace(",\n}", "\n}").replace(",\n]", "\n]")


def _retype_somewhere(rng: random.Random, node: object, depth: int) -> object:
    """Return `node` with one value somewhere below it replaced."""
    if isinstance(node, dict) and node and depth < 8 and rng.random() < 0.8:
        key = rng.choice(list(node))
        if rng.random() < 0.1:
            node.pop(key)
            node[rng.choice(VOCABULARY)] = _random_value(rng, depth)
            return node
        node[key] = _retype_somewhere(rng, node[key], depth + 1)
        return node
    if isinstance(node, list) and node and depth < 8 and rng.random() < 0.8:
        index = rng.randrange(len(node))
        node[index] = _retype_somewhere(rng, node[index], depth + 1)
        return node
    return _random_value(rng, depth)


def _random_value(rng: random.Random, depth: int) -> object:
    """Return a random value: scalar of any type, or a small list or table."""
    kind = rng.randrange(9 if depth < 4 else 6)
    if kind == 0:
        return None
    if kind == 1:
        return rng.choice([True, False])
    if kind == 2:
        return rng.choice([0, -1, 1, 2**63, -(2**63) - 1, 10**30, 7])
    if kind == 3:
        return rng.choice([0.5, -0.0, 1e308, math.inf, -math.inf, math.nan])
    if kind in (4, 5):
        return rng.choice(STRINGS)
    if kind == 6:
        return [_random_value(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    return {
        rng.choice(VOCABULARY + STRINGS[:6]): _random_value(rng, depth + 1)
        for _ in range(rng.randint(0, 5))
    }


def _write(family: str, document: dict[str, object]) -> bytes:
    """Serialise a document in `family`'s syntax."""
    if family == "json":
        return json.dumps(document, indent=2, default=str).encode("utf-8")
    if family == "yaml":
        return yaml.safe_dump(document, allow_unicode=True, sort_keys=False).encode()
    lines = [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in document.items()]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _toml_key(key: object) -> str:
    """Return a TOML key, quoted."""
    return _toml_string(str(key))


def _toml_value(value: object) -> str:
    """Return a TOML inline value; None, which TOML lacks, becomes an empty table."""
    if value is None:
        return "{}"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _toml_float(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    if isinstance(value, dict):
        pairs = (f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items())
        return "{" + ", ".join(pairs) + "}"
    return _toml_string(str(value))


def _toml_float(value: float) -> str:
    """Return a TOML float, `nan` and `inf` included."""
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return repr(value)


def _toml_string(text: str) -> str:
    """Return a TOML basic string (JSON's escapes, with DEL escaped too)."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


# --- the faults and the cases --------------------------------------------------------

ALL = FAMILIES
YAML = ("yaml",)
FAULTS = (
    Fault("none", "the real example, unchanged", ALL, 0, lambda r, s, o: s.data),
    Fault("bit-flip", "random bits flipped", ALL, 1.0, bit_flip),
    Fault(
        "syntax-edit",
        "syntax characters inserted, deleted, replaced",
        ALL,
        1.5,
        syntax_edit,
    ),
    Fault("splice", "lines of another example spliced in", ALL, 1.0, splice),
    Fault("truncate", "cut short anywhere", ALL, 0.5, truncate),
    Fault(
        "duplicate",
        "lines repeated: duplicate keys, tables, jobs",
        ALL,
        1.0,
        duplicate_lines,
    ),
    Fault("retype", "values replaced by values of other types", ALL, 2.0, retype),
    Fault("random", "random documents of real keys", ALL, 1.0, random_document),
    Fault("invalid-utf8", "bytes that are not UTF-8", ALL, 0.5, invalid_utf8),
    Fault("bom", "UTF-8 and UTF-16 byte order marks", ALL, 0.3, byte_order_mark),
    Fault("line-ends", "CRLF, lone CR, mixed line ends", ALL, 0.5, line_ends),
    Fault("nul", "NUL bytes", ALL, 0.3, nul_bytes),
    Fault(
        "control",
        "terminal escapes, bidi overrides, invisibles",
        ALL,
        0.5,
        control_characters,
    ),
    Fault(
        "escapes", "escapes in strings: lone surrogates, NUL, ESC", ALL, 0.5, escapes
    ),
    Fault(
        "merge-conflict",
        "merge-conflict markers, whole or partial",
        ALL,
        0.5,
        merge_conflict,
    ),
    Fault("empty", "empty, blank, comment-only or scalar-only file", ALL, 0.3, empty),
    Fault("deep", "nesting 150 to 100,000 levels deep", ALL, 0.3, deep_nesting),
    Fault("long-line", "one line of 0.1 to 1.9 MB", ALL, 0.1, long_line),
    Fault("too-large", "file past the 2 MiB read limit", ALL, 0.05, too_large),
    Fault("anchors", "anchors, aliases, merge keys and tags", YAML, 1.0, anchors),
    Fault("alias-bomb", "alias bombs (billion laughs)", YAML, 0.3, alias_bomb),
)


def count_for(fault: Fault, examples: int, seeds: int) -> int:
    """Return how many inputs a fault gets: every example once for `none`."""
    if fault.weight == 0:
        return seeds
    return max(1, round(examples * fault.weight))


def make_cases(seed: int, examples: int, seeds: dict[str, list[Seed]]) -> list[Case]:
    """Return every content case of the campaign, in a fixed order."""
    cases = []
    for fault in FAULTS:
        for family in fault.families:
            pool = seeds[family]
            if not pool:
                continue
            for index in range(count_for(fault, examples, len(pool))):
                rng = random.Random(f"{seed}:{fault.name}:{family}:{index}")
                cases.append(_case(rng, fault, family, pool, index))
    return cases


def _case(
    rng: random.Random, fault: Fault, family: str, pool: list[Seed], index: int
) -> Case:
    """Return one case: a mutated example and up to two of its neighbours."""
    chosen = pool[index] if fault.weight == 0 else rng.choice(pool)
    data = fault.mutate(rng, chosen, pool)
    files = dict(rng.sample(chosen.siblings, min(2, len(chosen.siblings))))
    files[chosen.path] = data
    return Case(fault.name, family, chosen.path, files)


def make_pack_cases(seed: int, examples: int) -> list[Case]:
    """Return mutated copies of the default rule pack, passed with `--pack`."""
    base = Seed("toml", "pack.toml", PACK.read_bytes())
    byte_faults = [f for f in FAULTS if f.name not in ("none", "anchors", "alias-bomb")]
    cases = []
    for fault in byte_faults:
        for index in range(max(1, round(examples * fault.weight / 2))):
            rng = random.Random(f"{seed}:pack:{fault.name}:{index}")
            data = fault.mutate(rng, base, [base])
            cases.append(
                Case(fault.name, "pack", "rules/runart-foundry.toml", pack=data)
            )
    return cases
