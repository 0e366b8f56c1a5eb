"""Find wrangler command lines in `run:` scripts, with offsets for each word.

This is a reader for the shell most workflows write, not a shell: quotes,
line continuations, comments, `;`, `&&`, `||`, `|`, subshells, redirections,
compound statements (`if`, `for`, `while`, `{ ...; }`, `!`) and `cd` are
understood. A known gap: commands built at run time (`eval`, variables that
hold a whole command, package.json scripts) are not seen, so a deploy hidden
behind `npm run deploy` is not reported as a deploy.
"""

from __future__ import annotations

import functools
import posixpath
import re

from runart_lint.records import record

LAUNCHERS = frozenset(
    {
        "npx",
        "pnpx",
        "bunx",
        "pnpm",
        "yarn",
        "bun",
        "exec",
        "dlx",
        "x",
        "--",
        "-y",
        "--yes",
        "sudo",
        "time",
        "command",
        "env",
    }
)
WRANGLER = re.compile(r"^(?:.*/)?wrangler(?:@[\w.^~*<>=-]+)?$")
SEPARATORS = frozenset({"\n", ";", "&", "|", "(", ")", "`"})
# Runs of characters that a word reader copies as they are, read in one step.
PLAIN_RUN = re.compile(r"[^ \t\r\n;&|()`'\"\\$]+")
DOUBLE_QUOTED_RUN = re.compile(r'[^"\\$]+')
# A word with nothing to unquote, the common case, ending where a word ends.
SIMPLE_WORD = re.compile(r"[^ \t\r\n;&|()`'\"\\$]+(?=[ \t\r\n;&|()`]|\Z)")
# Reserved words that may start a command and are followed by another command
# in the same position (`then npx wrangler deploy`, `! wrangler deploy`).
COMPOUND_PREFIXES = frozenset(
    {"if", "then", "else", "elif", "fi", "do", "done", "while", "until", "esac"}
    | {"{", "}", "!"}
)
# Reserved words whose command is a header, not a command (`for x in a b`).
COMPOUND_HEADERS = frozenset({"for", "case", "select"})
REDIRECTION = re.compile(r"^(?:\d+|&)?(?:>>?|<<?<?|<>|>\|)(?:&(?:\d+|-)?)?(.*)$")
VALUE_FLAGS = frozenset(
    {
        "--env",
        "-e",
        "--config",
        "-c",
        "--project-name",
        "--branch",
        "--name",
        "--commit-hash",
        "--commit-message",
        "--compatibility-date",
        "--var",
        "--define",
        "--route",
        "--routes",
        "--cwd",
        "--message",
        "--tag",
        "--version-id",
        "--outdir",
        "--compatibility-flag",
        "--compatibility-flags",
        "--assets",
        "--site",
        "--triggers",
        "--jsx-factory",
        "--jsx-fragment",
        "--tsconfig",
        "--dispatch-namespace",
        "--binding",
        "--namespace-id",
        "--output-config-path",
        "--alias",
        "--percentage",
        "--reason",
        "--type",
    }
)


@record
class Word:
    """A shell word: its text with quotes removed, and its offsets in the script."""

    text: str
    start: int
    end: int


@record
class WranglerCommand:
    """One wrangler invocation found in a script."""

    words: tuple[Word, ...]
    subcommand: tuple[Word, ...]
    positionals: tuple[Word, ...]
    flags: dict[str, Word | None]
    flag_words: dict[str, Word]
    cwd: str | None
    start: int
    end: int

    @property
    def verb(self) -> str:
        """Return the subcommand as text, such as `pages deploy`."""
        return " ".join(word.text for word in self.subcommand)

    def flag(self, *names: str) -> Word | None:
        """Return the value of the first of `names` that is set."""
        for name in names:
            if name in self.flags:
                return self.flags[name]
        return None

    def has(self, *names: str) -> bool:
        """Return whether any of the flags `names` is present."""
        return any(name in self.flags for name in names)


def split_commands(script: str) -> list[list[Word]]:
    """Split a script into simple commands made of words."""
    return [list(command) for command in _split_commands(script)]


@functools.lru_cache(maxsize=4096)
def _split_commands(script: str) -> tuple[tuple[Word, ...], ...]:
    """Split a script once; several rules and the deploy finder ask for it."""
    commands: list[tuple[Word, ...]] = []
    current: list[Word] = []
    i = 0
    length = len(script)

    while i < length:
        ch = script[i]
        if ch == "\\" and script.startswith("\\\n", i):
            i += 2
            continue
        if ch in " \t\r":
            i += 1
            continue
        if ch == "#":
            i = _skip_comment(script, i)
            continue
        if ch in SEPARATORS:
            if current:
                commands.append(tuple(current))
                current = []
            i += 1
            continue
        word, i = _read_word(script, i)
        if word.text.endswith("$(") or word.text == "$":
            continue
        current.append(word)

    if current:
        commands.append(tuple(current))
    return tuple(commands)


def find_wrangler(script: str) -> list[WranglerCommand]:
    """Return every wrangler invocation in `script`, tracking `cd` between them."""
    found: list[WranglerCommand] = []
    cwd: str | None = None
    if "wrangler" not in script:
        return found

    for words in split_commands(script):
        words = _without_redirections(_strip_assignments(_command_words(words)))
        if not words:
            continue
        if words[0].text in ("cd", "pushd") and len(words) > 1:
            cwd = _join(cwd, words[1].text)
            continue
        command = _wrangler_in(words, cwd)
        if command is not None:
            found.append(command)
    return found


def parse_wrangler_args(text: str, offset: int = 0) -> WranglerCommand | None:
    """Parse a wrangler-action `command:` line (the words after `wrangler`)."""
    commands = split_commands(text)
    if not commands:
        return None
    words = [Word(w.text, w.start + offset, w.end + offset) for w in commands[0]]
    return _parse_args(words, words, None)


def _wrangler_in(words: list[Word], cwd: str | None) -> WranglerCommand | None:
    """Return the wrangler command in `words`, if wrangler is what runs."""
    for index, word in enumerate(words):
        if WRANGLER.match(word.text):
            prefix = words[:index]
            if all(_is_launcher(p.text) for p in prefix) and _not_install(prefix):
                return _parse_args(words[index + 1 :], words, cwd)
            return None
        if not _is_launcher(word.text) and word.text != "npm":
            return None
    return None


def _parse_args(
    args: list[Word], words: list[Word], cwd: str | None
) -> WranglerCommand:
    """Split wrangler arguments into subcommand, positionals and flags."""
    subcommand: list[Word] = []
    positionals: list[Word] = []
    flags: dict[str, Word | None] = {}
    flag_words: dict[str, Word] = {}
    # Global flags (`--cwd`, `-c`, `--env`) may come before the subcommand.
    flag_after_verb = False
    i = 0

    while i < len(args):
        word = args[i]
        if word.text.startswith("-") and len(word.text) > 1:
            flag_after_verb = flag_after_verb or bool(subcommand)
            name, _, inline = word.text.partition("=")
            flag_words.setdefault(name, word)
            if "=" in word.text:
                start = word.start + len(name) + 1
                flags[name] = Word(inline, start, word.end)
            elif name in VALUE_FLAGS and i + 1 < len(args):
                flags[name] = args[i + 1]
                i += 1
            else:
                flags[name] = None
        elif not (positionals or flag_after_verb) and _is_subcommand(
            subcommand, word.text
        ):
            subcommand.append(word)
        else:
            positionals.append(word)
        i += 1

    start = words[0].start if words else 0
    end = words[-1].end if words else 0
    return WranglerCommand(
        tuple(words),
        tuple(subcommand),
        tuple(positionals),
        flags,
        flag_words,
        cwd,
        start,
        end,
    )


def _is_subcommand(current: list[Word], text: str) -> bool:
    """Return whether `text` continues the subcommand (`pages deploy`...)."""
    if not current:
        return bool(re.fullmatch(r"[a-z][a-z0-9:-]*", text))
    head = current[0].text
    if head in (
        "pages",
        "versions",
        "secret",
        "kv",
        "d1",
        "r2",
        "deployments",
        "queues",
        "deployment",
        "project",
        "hyperdrive",
        "triggers",
    ):
        return (
            len(current) < 3
            and bool(re.fullmatch(r"[a-z][a-z0-9:-]*", text))
            and (
                len(current) == 1
                or current[1].text
                in (
                    "deployment",
                    "project",
                    "namespace",
                    "key",
                    "bulk",
                    "secret",
                    "object",
                    "bucket",
                )
            )
        )
    return False


def _read_word(script: str, i: int) -> tuple[Word, int]:
    """Read one word starting at `i`, removing quotes; return it and the end."""
    simple = SIMPLE_WORD.match(script, i)
    if simple is not None:
        end = simple.end()
        # `2>&1`: an `&` after a redirection belongs to the word.
        if not script.startswith("&", end) or script[end - 1] not in "<>":
            return Word(simple.group(), i, end), end
    start = i
    out: list[str] = []
    length = len(script)
    while i < length:
        ch = script[i]
        if script.startswith("${{", i):
            close = script.find("}}", i)
            close = length if close == -1 else close + 2
            out.append(script[i:close])
            i = close
        elif ch == "'":
            close = script.find("'", i + 1)
            close = length if close == -1 else close
            out.append(script[i + 1 : close])
            i = close + 1
        elif ch == '"':
            i = _read_double(script, i + 1, out)
        elif ch == "\\" and i + 1 < length:
            if script[i + 1] != "\n":
                out.append(script[i + 1])
            i += 2
        elif ch == "&" and i > start and script[i - 1] in "<>":
            out.append(ch)  # `2>&1` duplicates a descriptor, it ends nothing
            i += 1
        elif ch in " \t\r" or ch in SEPARATORS:
            break
        elif script.startswith("$(", i):
            out.append("$(")
            i += 2
            break
        else:
            run = PLAIN_RUN.match(script, i)
            end = run.end() if run else i + 1
            out.append(script[i:end])
            i = end
    return Word("".join(out), start, i), i


def _read_double(script: str, i: int, out: list[str]) -> int:
    """Read the inside of a double-quoted string; return the index after it."""
    length = len(script)
    while i < length and script[i] != '"':
        if script.startswith("${{", i):
            close = script.find("}}", i)
            close = length if close == -1 else close + 2
            out.append(script[i:close])
            i = close
            continue
        if script[i] == "\\" and i + 1 < length and script[i + 1] in '"\\$`':
            out.append(script[i + 1])
            i += 2
            continue
        run = DOUBLE_QUOTED_RUN.match(script, i)
        end = run.end() if run else i + 1
        out.append(script[i:end])
        i = end
    return i + 1


def _skip_comment(script: str, i: int) -> int:
    """Return the index of the newline ending a comment at `i`."""
    if i > 0 and script[i - 1] not in " \t\n;&|(":
        return i + 1
    end = script.find("\n", i)
    return len(script) if end == -1 else end


def _command_words(words: list[Word]) -> list[Word]:
    """Drop the reserved words of a compound statement in front of a command."""
    index = 0
    while index < len(words):
        if words[index].text == "function":
            index += 2  # `function name { ...`: the body follows the name
        elif words[index].text in COMPOUND_PREFIXES:
            index += 1
        else:
            break
    if index < len(words) and words[index].text in COMPOUND_HEADERS:
        return []
    return words[index:]


def _without_redirections(words: list[Word]) -> list[Word]:
    """Drop redirections (`2>&1`, `> log`, `>>"$FILE"`) and their targets."""
    kept: list[Word] = []
    skip_target = False
    for word in words:
        if skip_target:
            skip_target = False
            continue
        match = REDIRECTION.match(word.text)
        if match is None:
            kept.append(word)
        elif not match.group(1) and not word.text.endswith(("&1", "&2", "&-")):
            skip_target = True
    return kept


def _strip_assignments(words: list[Word]) -> list[Word]:
    """Drop leading `NAME=value` assignments from a command."""
    index = 0
    while index < len(words) and re.match(
        r"^[A-Za-z_][A-Za-z0-9_]*=", words[index].text
    ):
        index += 1
    return words[index:]


def _is_launcher(text: str) -> bool:
    """Return whether `text` is a word that runs the next one (npx, pnpm exec)."""
    return text in LAUNCHERS or text.startswith("--package") or text == "run"


def _not_install(prefix: list[Word]) -> bool:
    """Return False for `npm i -g wrangler` style installs."""
    return not any(w.text in ("install", "i", "add", "-g", "global") for w in prefix)


def _join(cwd: str | None, path: str) -> str:
    """Return `path` applied to the current directory, POSIX style."""
    if path.startswith(("$", "~", "/")):
        return path
    return posixpath.normpath(posixpath.join(cwd or "", path))
