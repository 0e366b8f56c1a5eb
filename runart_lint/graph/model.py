"""The pipeline graph: typed nodes and edges, and the audit rules read.

networkx was the first choice; `import networkx` alone takes about 0.17 s on
the 2-core machines here, most of the budget of a pre-commit run, and the
queries rules need (neighbours by edge kind, upstream closure) are a few
lines each, so the graph is a small typed adjacency structure instead.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterator
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, TypeVar, cast

from runart_lint.graph.deploys import Deploy
from runart_lint.loaders.tree import Diagnostic, ParsedFile
from runart_lint.loaders.workflow import Action, Job, Workflow
from runart_lint.loaders.wrangler import WranglerConfig
from runart_lint.pack import LoadedPack, StageSpec
from runart_lint.records import field, record

if TYPE_CHECKING:
    from runart_lint.live.snapshot import LiveSnapshot

NodeKey = tuple[str, ...]
T = TypeVar("T")


@record
class Edge:
    """A typed, directed edge; `data` carries what the edge says (a span...)."""

    source: NodeKey
    kind: str
    target: NodeKey
    data: tuple[tuple[str, object], ...] = ()


@record(frozen=False)
class Graph:
    """Nodes keyed by `(kind, ...)` tuples, edges indexed both ways."""

    nodes: dict[NodeKey, object] = field(default_factory=dict)
    outgoing: dict[NodeKey, list[Edge]] = field(
        default_factory=lambda: defaultdict(list)
    )
    incoming: dict[NodeKey, list[Edge]] = field(
        default_factory=lambda: defaultdict(list)
    )

    def add(self, key: NodeKey, payload: object = None) -> NodeKey:
        """Add a node (idempotent) and return its key."""
        if key not in self.nodes or payload is not None:
            self.nodes[key] = payload
        return key

    def link(self, source: NodeKey, kind: str, target: NodeKey, **data: object) -> None:
        """Add an edge `source -kind-> target`, creating missing nodes."""
        self.nodes.setdefault(source, None)
        self.nodes.setdefault(target, None)
        edge = Edge(source, kind, target, tuple(sorted(data.items())))
        self.outgoing[source].append(edge)
        self.incoming[target].append(edge)

    def out(self, source: NodeKey, kind: str | None = None) -> list[Edge]:
        """Return the edges leaving `source`, of one kind if given."""
        edges = self.outgoing.get(source, [])
        return [e for e in edges if kind is None or e.kind == kind]

    def into(self, target: NodeKey, kind: str | None = None) -> list[Edge]:
        """Return the edges reaching `target`, of one kind if given."""
        edges = self.incoming.get(target, [])
        return [e for e in edges if kind is None or e.kind == kind]

    def reachable(self, start: NodeKey, kind: str) -> set[NodeKey]:
        """Return every node reachable from `start` through edges of `kind`."""
        seen: set[NodeKey] = set()
        todo = [start]
        while todo:
            for edge in self.out(todo.pop(), kind):
                if edge.target not in seen:
                    seen.add(edge.target)
                    todo.append(edge.target)
        return seen

    def of_kind(self, kind: str) -> Iterator[NodeKey]:
        """Yield the keys of every node of one kind."""
        return (key for key in self.nodes if key[0] == kind)


def job_key(workflow: Workflow, job: Job) -> NodeKey:
    """Return the graph key of a job."""
    return ("job", workflow.path, job.id)


@record
class StageMatch:
    """The plan stage a deploy reaches, and how sure that is."""

    stage: StageSpec | None
    certain: bool
    reason: str


@record(slots=False)  # no slots: `functools.cached_property` needs `__dict__`
class Audit:
    """Everything a rule reads: the loaded files, the plan and the graph."""

    root: Path
    pack: LoadedPack
    configs: tuple[WranglerConfig, ...]
    workflows: tuple[Workflow, ...]
    actions: dict[str, Action]
    deploys: tuple[Deploy, ...]
    graph: Graph
    sources: dict[str, str]
    parsed: tuple[ParsedFile, ...]
    live: LiveSnapshot | None = None  # what `--live` read; None offline

    @functools.cached_property
    def _memo(self) -> dict[Hashable, object]:
        return {}

    def remember(self, key: Hashable, compute: Callable[[], T]) -> T:
        """Return what `compute` gives, computed once per audit for `key`.

        Several rules ask the same question of the same job (does it deploy,
        which secrets does it read); on large repositories answering it again
        for each rule was most of their time.
        """
        if key not in self._memo:
            self._memo[key] = compute()
        return cast(T, self._memo[key])

    @functools.cached_property
    def probes(self) -> dict[str, bool]:
        """Return the paths `present()` looked for on disk, and what it found.

        A stored result stays valid only while these answers do.
        """
        return {}

    @functools.cached_property
    def _parsed_paths(self) -> frozenset[str]:
        return frozenset(parsed.path for parsed in self.parsed)

    @functools.cached_property
    def _lines(self) -> dict[str, list[str]]:
        return {path: text.splitlines() for path, text in self.sources.items()}

    def lines(self, path: str) -> list[str]:
        """Return the lines of a loaded file."""
        return self._lines.get(path, [])

    @functools.cached_property
    def _deploy_index(self) -> dict[tuple[str, str], list[Deploy]]:
        index: dict[tuple[str, str], list[Deploy]] = defaultdict(list)
        for deploy in self.deploys:
            index[(deploy.workflow.path, deploy.job.id)].append(deploy)
        return index

    @functools.cached_property
    def _configs_by_path(self) -> dict[str, WranglerConfig]:
        return {config.path: config for config in self.configs}

    @functools.cached_property
    def _workflows_by_path(self) -> dict[str, Workflow]:
        return {workflow.path: workflow for workflow in self.workflows}

    def job_deploys(self, workflow: Workflow, job: Job) -> list[Deploy]:
        """Return the wrangler commands a job runs, composite actions included."""
        return self._deploy_index.get((workflow.path, job.id), [])

    def workflow_deploys(self, workflow: Workflow) -> list[Deploy]:
        """Return the wrangler commands every job of `workflow` runs."""
        return [d for job in workflow.jobs for d in self.job_deploys(workflow, job)]

    def config(self, path: str) -> WranglerConfig | None:
        """Return the config loaded from `path`."""
        return self._configs_by_path.get(path)

    def workflow(self, path: str) -> Workflow | None:
        """Return the workflow loaded from `path`."""
        return self._workflows_by_path.get(path)

    def present(self, path: str) -> bool:
        """Return whether `path` is a file of the repository, loaded or not.

        A config or workflow that failed to parse, or that the loader refused,
        is present but gives no `config()` or `workflow()`: `invalid-file`
        reports it, and other rules must not call it missing.
        """
        if path in self._parsed_paths:
            return True
        parts = PurePosixPath(path).parts
        if not parts or ".." in parts or PurePosixPath(path).is_absolute():
            return False
        try:
            found = (self.root / path).is_file()
        except OSError:  # a folder on the way that cannot be searched
            found = False
        self.probes[path] = found
        return found

    def pack_file(self) -> str | None:
        """Return the rule pack's path inside the repository, if it is there.

        A built-in pack, or one stored outside the repository, has no place a
        finding can point at; rules then anchor on a repository file.
        """
        if self.pack.builtin:
            return None
        root = self.root.resolve()
        path = Path(self.pack.path).resolve()
        if not path.is_relative_to(root):
            return None
        return path.relative_to(root).as_posix()

    def active_workflows(self) -> Iterator[Workflow]:
        """Yield the workflows GitHub runs (not inert copies)."""
        return (w for w in self.workflows if not w.inert)

    @functools.cached_property
    def _real_deploys(self) -> tuple[Deploy, ...]:
        return tuple(
            d
            for d in self.deploys
            if d.is_deploy and not d.workflow.inert and not d.disabled
        )

    def real_deploys(self) -> Iterator[Deploy]:
        """Yield the commands that deploy, from workflows and jobs GitHub runs."""
        return iter(self._real_deploys)

    def diagnostics(self) -> Iterator[tuple[str, Diagnostic]]:
        """Yield every loader diagnostic with its file."""
        for parsed in self.parsed:
            for diagnostic in parsed.diagnostics:
                yield parsed.path, diagnostic

    def intended_stage(self, workflow: Workflow) -> StageSpec | None:
        """Return the stage the plan says `workflow` deploys."""
        return next(
            (s for s in self.pack.pack.stages if s.workflow == workflow.path), None
        )

    def stage_of(self, deploy: Deploy) -> StageMatch:
        """Return the plan stage a deploy really reaches."""
        from runart_lint.graph.stages import match_stage

        key = id(deploy)
        if key not in self._stage_matches:
            self._stage_matches[key] = match_stage(self, deploy)
        return self._stage_matches[key]

    @functools.cached_property
    def _stage_matches(self) -> dict[int, StageMatch]:
        return {}

    def upstream_jobs(self, workflow: Workflow, job: Job) -> set[NodeKey]:
        """Return every job that must finish before `job` (through `needs`)."""
        return self.graph.reachable(job_key(workflow, job), "needs")
