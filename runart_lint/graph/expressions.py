"""GitHub `${{ }}` expressions: finding them and resolving the values they name."""

from __future__ import annotations

import re

from runart_lint.loaders.tree import Mapping, Scalar, Span
from runart_lint.records import record

EXPRESSION = re.compile(r"\$\{\{(.*?)\}\}", re.S)
CONTEXT_REF = re.compile(
    r"(?<![\w.'\"])((?:github|env|secrets|inputs|vars|steps|needs|matrix|job|runner"
    r"|strategy)(?:\.[\w-]+|\[['\"][^'\"]*['\"]\]|\.\*)*)"
)
SHELL_VAR = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))")
MAX_RESOLVE_DEPTH = 8


@record
class Expression:
    """One `${{ ... }}` in a string, with its offsets in that string."""

    start: int
    end: int
    body: str

    def refs(self) -> tuple[str, ...]:
        """Return the context references in the expression, such as `github.sha`."""
        return tuple(_normalise(m.group(1)) for m in CONTEXT_REF.finditer(self.body))


@record
class Value:
    """A value as written and, when it can be known offline, as it resolves."""

    raw: str
    span: Span
    text: str | None
    origin: Span | None = None
    refs: tuple[str, ...] = ()

    @property
    def known(self) -> bool:
        """Return whether the value resolves to a literal offline."""
        return self.text is not None

    def shown(self) -> str:
        """Return the resolved text, or the raw text when it is dynamic."""
        return self.text if self.text is not None else self.raw


@record
class Scope:
    """The `env:` layers (innermost first) and `inputs` a value is read in."""

    envs: tuple[Mapping, ...] = ()
    inputs: tuple[tuple[str, Scalar], ...] = ()

    def env(self, name: str) -> Scalar | None:
        """Return the innermost `env:` definition of `name`."""
        for layer in self.envs:
            value = layer.scalar(name)
            if value is not None:
                return value
        return None

    def input(self, name: str) -> Scalar | None:
        """Return the value passed for input `name`."""
        return next((value for key, value in self.inputs if key == name), None)

    def inner(self, env: Mapping | None) -> Scope:
        """Return this scope with one more, innermost `env:` layer."""
        if env is None:
            return self
        return Scope((env, *self.envs), self.inputs)


def expressions(text: str) -> list[Expression]:
    """Return every `${{ }}` expression in `text`.

    A list, not a generator: most scalars hold no expression, and rules ask
    about every scalar of every workflow.
    """
    if "${{" not in text:
        return []
    return [
        Expression(match.start(), match.end(), match.group(1).strip())
        for match in EXPRESSION.finditer(text)
    ]


def resolve(scalar: Scalar, scope: Scope) -> Value:
    """Resolve a scalar written in a workflow through `env.*` and `inputs.*`."""
    return _resolve(scalar.text(), scalar.span, scope, 0)


def resolve_text(raw: str, span: Span, scope: Scope) -> Value:
    """Resolve a piece of text (for example a shell word) through the scope."""
    return _resolve(raw, span, scope, 0)


def _resolve(raw: str, span: Span, scope: Scope, depth: int) -> Value:
    """Substitute every resolvable expression and shell variable in `raw`."""
    refs: list[str] = []
    origin: Span | None = None
    parts: list[str] = []
    known = True
    position = 0

    for expression in expressions(raw):
        parts.append(raw[position : expression.start])
        position = expression.end
        substitute, expression_origin, expression_refs = _lookup(
            expression.body, scope, depth
        )
        refs.extend(expression_refs)
        origin = origin or expression_origin
        if substitute is None:
            known = False
        else:
            parts.append(substitute)
    parts.append(raw[position:])

    text = "".join(parts) if known else None
    if text is not None and "$" in text:
        text, shell_origin, shell_refs = _shell_substitute(text, scope, depth)
        refs.extend(shell_refs)
        origin = origin or shell_origin
    return Value(raw, span, text, origin, tuple(refs))


def _lookup(
    body: str, scope: Scope, depth: int
) -> tuple[str | None, Span | None, list[str]]:
    """Return what a single expression evaluates to offline, if anything."""
    refs = [_normalise(m.group(1)) for m in CONTEXT_REF.finditer(body)]
    simple = re.fullmatch(r"(env|inputs)\.([\w-]+)", body.strip())
    if simple is None or depth >= MAX_RESOLVE_DEPTH:
        return None, None, refs

    kind, name = simple.groups()
    scalar = scope.env(name) if kind == "env" else scope.input(name)
    if scalar is None:
        return None, None, refs
    inner = _resolve(scalar.text(), scalar.span, scope, depth + 1)
    refs.extend(inner.refs)
    return inner.text, inner.origin or scalar.span, refs


def _shell_substitute(
    text: str, scope: Scope, depth: int
) -> tuple[str | None, Span | None, list[str]]:
    """Substitute `$VAR` and `${VAR}` from the `env:` layers."""
    refs: list[str] = []
    origin: Span | None = None
    known = True

    def replace(match: re.Match[str]) -> str:
        nonlocal known, origin
        name = match.group(1) or match.group(2)
        scalar = scope.env(name)
        if scalar is None or depth >= MAX_RESOLVE_DEPTH:
            known = False
            refs.append(f"shell.{name}")
            return match.group(0)
        inner = _resolve(scalar.text(), scalar.span, scope, depth + 1)
        refs.extend(inner.refs)
        origin = origin or inner.origin or scalar.span
        if inner.text is None:
            known = False
            return match.group(0)
        return inner.text

    result = SHELL_VAR.sub(replace, text)
    return (result if known else None), origin, refs


def _normalise(ref: str) -> str:
    """Return `github['head_ref']` style references in dotted form."""
    return re.sub(r"\[['\"]([^'\"]*)['\"]\]", r".\1", ref)
