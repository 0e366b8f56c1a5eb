"""Draw the promotion path: stages, the workflows that deploy them, the gates.

One diagram model, written out as Mermaid (which GitHub renders in Markdown)
or as Graphviz DOT, so that a picture made from either says the same thing.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterator

from runart_lint.pack import StageSpec
from runart_lint.records import record
from runart_lint.reporters.promotion import (
    LinkState,
    Promotion,
    PromotionLink,
    StageReport,
    WorkflowLink,
)
from runart_lint.reporters.words import Words

CROSS = "✗"


class Shape(enum.Enum):
    """How a node is drawn."""

    STAGE = "stage"
    OFFSTAGE = "offstage"
    WORKFLOW = "workflow"


class Line(enum.Enum):
    """How an edge is drawn: a sound link, a guess, or a broken or missing one."""

    SOLID = "solid"
    DOTTED = "dotted"
    BROKEN = "broken"
    MISSING = "missing"


@record
class Node:
    """A box of the diagram, with its text lines and its colour class."""

    id: str
    lines: tuple[str, ...]
    shape: Shape
    style: str


@record
class Edge:
    """An arrow of the diagram, with its label lines."""

    source: str
    target: str
    lines: tuple[str, ...]
    line: Line


@record
class Diagram:
    """The nodes and edges, in the order they are written."""

    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]


# Colour classes: fill, border, text.
STYLES = {
    "pass": ("#e6f4ea", "#1e7e34", "#111111"),
    "warn": ("#fff4d6", "#b07800", "#111111"),
    "fail": ("#fde2e1", "#c62828", "#111111"),
    "skipped": ("#eeeeee", "#888888", "#444444"),
    "unknown": ("#ede7f6", "#5e35b1", "#111111"),
    "workflow": ("#e3eefc", "#2f5fb3", "#111111"),
    "missing": ("#ffffff", "#c62828", "#c62828"),
}
RED = "#c62828"
GREY = "#777777"


def build_diagram(promotion: Promotion, vocabulary: Words) -> Diagram:
    """Return the diagram of a promotion path in the chosen language."""
    stage_ids = {report.name: f"s{i}" for i, report in enumerate(promotion.stages)}
    paths = list(dict.fromkeys(link.workflow for link in promotion.workflows))
    workflow_ids = {path: f"w{i}" for i, path in enumerate(paths)}

    nodes = [_stage_node(stage_ids[r.name], r, vocabulary) for r in promotion.stages]
    nodes += [
        _workflow_node(workflow_ids[path], promotion, path, vocabulary)
        for path in paths
    ]
    edges = [
        _promotion_edge(link, stage_ids, promotion, vocabulary)
        for link in promotion.links
    ]
    edges += [
        _workflow_edge(link, workflow_ids, stage_ids, vocabulary)
        for link in promotion.workflows
    ]
    return Diagram(tuple(nodes), tuple(edges))


def _stage_node(node_id: str, report: StageReport, vocabulary: Words) -> Node:
    """Return a stage box: name, what it deploys to, and its result."""
    lines = [report.name, *_target(report.spec, vocabulary), report.status.value]
    if not report.spec.deployed:
        lines[-1] += f" · {vocabulary.not_deployed}"
    elif not report.reached:
        lines[-1] += f" · {vocabulary.no_deploy}"
    shape = Shape.STAGE if report.spec.deployed else Shape.OFFSTAGE
    return Node(node_id, tuple(lines), shape, report.status.value.lower())


def _target(spec: StageSpec, vocabulary: Words) -> list[str]:
    """Return the project and branch a stage deploys to, when the plan says."""
    if not spec.deployed or spec.project is None:
        return []
    if spec.kind == "worker":
        return [f"worker {spec.project}"]
    if spec.branch in (None, "*"):
        return [f"pages {spec.project}", vocabulary.any_branch]
    return [f"pages {spec.project}", f"{vocabulary.branch.lower()}: {spec.branch}"]


def _workflow_node(
    node_id: str, promotion: Promotion, path: str, vocabulary: Words
) -> Node:
    """Return a workflow box: its name and file, dashed red when the file is absent."""
    links = [link for link in promotion.workflows if link.workflow == path]
    file_name = path.rsplit("/", 1)[-1]
    if not any(link.present for link in links):
        return Node(
            node_id,
            (file_name, f"{CROSS} {vocabulary.missing_file}"),
            Shape.WORKFLOW,
            "missing",
        )
    title = links[0].title
    lines = (title, file_name) if title != file_name else (file_name,)
    return Node(node_id, lines, Shape.WORKFLOW, "workflow")


def _promotion_edge(
    link: PromotionLink,
    stage_ids: dict[str, str],
    promotion: Promotion,
    vocabulary: Words,
) -> Edge:
    """Return the arrow from one stage to the next, marked when broken or missing."""
    source, target = stage_ids[link.source], stage_ids[link.target]
    if link.state is LinkState.MISSING:
        return Edge(source, target, (f"{CROSS} {vocabulary.no_deploy}",), Line.MISSING)
    if link.state is LinkState.BROKEN:
        lines = (f"{CROSS} {vocabulary.no_gate}", *link.via)
        return Edge(source, target, lines, Line.BROKEN)
    earlier = promotion.stage(link.source)
    offstage = earlier is not None and not earlier.spec.deployed
    uncertain = link.state is LinkState.UNCERTAIN
    line = Line.DOTTED if offstage or uncertain else Line.SOLID
    return Edge(source, target, link.via, line)


def _workflow_edge(
    link: WorkflowLink,
    workflow_ids: dict[str, str],
    stage_ids: dict[str, str],
    vocabulary: Words,
) -> Edge:
    """Return the arrow from a workflow to the stage it deploys or should deploy."""
    source, target = workflow_ids[link.workflow], stage_ids[link.stage]
    if link.state is LinkState.OK:
        return Edge(source, target, (), Line.SOLID)
    if link.state is LinkState.UNCERTAIN:
        return Edge(source, target, (vocabulary.uncertain,), Line.DOTTED)
    if link.actual:
        text = vocabulary.planned_elsewhere.format(stage=", ".join(link.actual))
        return Edge(source, target, (f"{CROSS} {text}",), Line.BROKEN)
    return Edge(source, target, (f"{CROSS} {vocabulary.no_deploy}",), Line.MISSING)


# Mermaid


MERMAID_SHAPES = {
    Shape.STAGE: ('["', '"]'),
    Shape.OFFSTAGE: ('(["', '"])'),
    Shape.WORKFLOW: ('[/"', '"/]'),
}
MERMAID_ARROWS = {
    Line.SOLID: "-->",
    Line.DOTTED: "-.->",
    Line.BROKEN: "--x",
    Line.MISSING: "-.-x",
}


def render_mermaid(diagram: Diagram) -> str:
    """Return the diagram as a Mermaid flowchart, left to right."""
    lines = ["flowchart LR"]
    lines += [f"  {_mermaid_node(node)}" for node in diagram.nodes]
    lines += [f"  {_mermaid_edge(edge)}" for edge in diagram.edges]
    lines += list(_mermaid_styles(diagram))
    return "\n".join(lines) + "\n"


def mermaid_block(diagram: Diagram) -> str:
    """Return the diagram as a fenced Mermaid block for Markdown."""
    return f"```mermaid\n{render_mermaid(diagram)}```\n"


def _mermaid_node(node: Node) -> str:
    """Return one node declaration with its class."""
    opening, closing = MERMAID_SHAPES[node.shape]
    text = "<br/>".join(_mermaid_text(line) for line in node.lines)
    return f"{node.id}{opening}{text}{closing}:::{node.style}"


def _mermaid_edge(edge: Edge) -> str:
    """Return one edge, with its label when it has one."""
    arrow = MERMAID_ARROWS[edge.line]
    if not edge.lines:
        return f"{edge.source} {arrow} {edge.target}"
    label = "<br/>".join(_mermaid_text(line) for line in edge.lines)
    return f'{edge.source} {arrow}|"{label}"| {edge.target}'


def _mermaid_styles(diagram: Diagram) -> Iterator[str]:
    """Yield the class definitions used, then the red colour of bad edges."""
    used = dict.fromkeys(node.style for node in diagram.nodes)
    for style in used:
        fill, stroke, color = STYLES[style]
        dash = ",stroke-dasharray:5 3" if style in ("missing", "skipped") else ""
        yield f"  classDef {style} fill:{fill},stroke:{stroke},color:{color}{dash}"
    bad = [
        index
        for index, edge in enumerate(diagram.edges)
        if edge.line in (Line.BROKEN, Line.MISSING)
    ]
    if bad:
        indexes = ",".join(str(i) for i in bad)
        yield f"  linkStyle {indexes} stroke:{RED},stroke-width:2px,color:{RED}"


def _mermaid_text(text: str) -> str:
    """Return text safe inside a quoted Mermaid label (entities for specials)."""
    text = re.sub(r"\s+", " ", text)
    replacements = {"#": "#35;", '"': "#quot;", "<": "#lt;", ">": "#gt;", "`": "#96;"}
    return "".join(replacements.get(char, char) for char in text)


# Graphviz


DOT_SHAPES = {
    Shape.STAGE: 'shape=box, style="rounded,filled"',
    Shape.OFFSTAGE: 'shape=box, style="rounded,filled,dashed"',
    Shape.WORKFLOW: 'shape=parallelogram, style="filled"',
}
DOT_LINES = {
    Line.SOLID: "",
    Line.DOTTED: f'style=dotted, color="{GREY}"',
    Line.BROKEN: f'color="{RED}", fontcolor="{RED}", penwidth=2, arrowhead=tee',
    Line.MISSING: (
        f'style=dashed, color="{RED}", fontcolor="{RED}", penwidth=2, arrowhead=tee'
    ),
}


def render_dot(diagram: Diagram) -> str:
    """Return the same diagram as a Graphviz digraph, left to right."""
    lines = [
        "digraph promotion {",
        "  rankdir=LR;",
        '  node [fontname="DejaVu Sans", fontsize=11, margin="0.15,0.08"];',
        '  edge [fontname="DejaVu Sans", fontsize=10];',
    ]
    lines += [f"  {_dot_node(node)}" for node in diagram.nodes]
    lines += [f"  {_dot_edge(edge)}" for edge in diagram.edges]
    lines.append("}")
    return "\n".join(lines) + "\n"


def _dot_node(node: Node) -> str:
    """Return one node statement with its shape and colours."""
    fill, stroke, color = STYLES[node.style]
    dashed = node.style == "missing"
    shape = DOT_SHAPES[node.shape]
    if dashed:
        shape = shape.replace('style="', 'style="dashed,')
    label = _dot_text("\n".join(node.lines))
    return (
        f'{node.id} [label="{label}", {shape}, fillcolor="{fill}", '
        f'color="{stroke}", fontcolor="{color}"];'
    )


def _dot_edge(edge: Edge) -> str:
    """Return one edge statement with its label and line style."""
    attributes = [DOT_LINES[edge.line]] if DOT_LINES[edge.line] else []
    if edge.lines:
        attributes.insert(0, f'label="{_dot_text(chr(10).join(edge.lines))}"')
    suffix = f" [{', '.join(attributes)}]" if attributes else ""
    return f"{edge.source} -> {edge.target}{suffix};"


def _dot_text(text: str) -> str:
    """Return text safe inside a quoted DOT string, line breaks as `\\n`."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return "\\n".join(re.sub(r"\s+", " ", line) for line in escaped.split("\n"))
