"""Typed wrangler configurations: environments, bindings and their ids."""

from __future__ import annotations

import posixpath

from runart_lint.loaders.tree import Mapping, Node, Scalar, Sequence, Span
from runart_lint.records import record

# Keys an `[env.X]` block does not inherit from the top level, from wrangler's
# `normalizeAndValidateEnvironment` (packages/workers-utils/src/config).
NON_INHERITABLE = (
    "vars",
    "secrets",
    "define",
    "durable_objects",
    "workflows",
    "kv_namespaces",
    "cloudchamber",
    "containers",
    "send_email",
    "queues",
    "connect",
    "r2_buckets",
    "d1_databases",
    "vectorize",
    "ai_search_namespaces",
    "ai_search",
    "websearch",
    "agent_memory",
    "hyperdrive",
    "services",
    "analytics_engine_datasets",
    "dispatch_namespaces",
    "mtls_certificates",
    "tail_consumers",
    "streaming_tail_consumers",
    "unsafe",
    "browser",
    "ai",
    "images",
    "stream",
    "media",
    "pipelines",
    "secrets_store_secrets",
    "artifacts",
    "unsafe_hello_world",
    "flagship",
    "worker_loaders",
    "ratelimits",
    "vpc_services",
    "vpc_networks",
    "version_metadata",
)

# The subset Pages treats as all-or-nothing when an env block overrides one
# (Cloudflare Pages docs, "Inheritable keys" / P-09).
PAGES_NON_INHERITABLE = (
    "vars",
    "d1_databases",
    "durable_objects",
    "hyperdrive",
    "kv_namespaces",
    "queues",
    "r2_buckets",
    "vectorize",
    "services",
    "analytics_engine_datasets",
    "ai",
)

PAGES_ENVIRONMENTS = ("preview", "production")

# Binding arrays, and which of their keys hold resource ids.
BINDING_ARRAYS: dict[str, tuple[str, ...]] = {
    "kv_namespaces": ("id", "preview_id"),
    "d1_databases": ("database_id", "preview_database_id"),
    "r2_buckets": ("bucket_name", "preview_bucket_name"),
    "hyperdrive": ("id",),
    "vectorize": ("index_name",),
    "services": ("service",),
    "analytics_engine_datasets": ("dataset",),
    "mtls_certificates": ("certificate_id",),
    "dispatch_namespaces": ("namespace",),
    "send_email": ("destination_address",),
    "pipelines": ("pipeline",),
    "secrets_store_secrets": ("store_id",),
    "ratelimits": ("namespace_id",),
    "tail_consumers": ("service",),
    "workflows": ("class_name",),
}


@record
class Binding:
    """One entry of a binding array, such as a KV namespace."""

    kind: str
    name: str | None
    node: Mapping
    span: Span
    index: int

    def field(self, key: str) -> Scalar | None:
        """Return a scalar field of the binding, such as `id`."""
        return self.node.scalar(key)


@record
class EnvBlock:
    """The top level (name None) or one `[env.X]` block of a config."""

    name: str | None
    node: Mapping
    span: Span
    bindings: tuple[Binding, ...]

    @property
    def label(self) -> str:
        """Return `top level` or `env.X`, as messages name the block."""
        return "top level" if self.name is None else f"env.{self.name}"

    @property
    def phrase(self) -> str:
        """Return how a sentence names the block: `the top level` or `` `env.X` ``."""
        return "the top level" if self.name is None else f"`env.{self.name}`"

    @property
    def prefix(self) -> str:
        """Return the key-path prefix of the block (`` or `env.X.`)."""
        return "" if self.name is None else f"env.{self.name}."

    def has(self, key: str) -> bool:
        """Return whether the block sets `key` itself."""
        return key in self.node

    def bindings_of(self, kind: str) -> tuple[Binding, ...]:
        """Return the block's bindings of one kind."""
        return tuple(b for b in self.bindings if b.kind == kind)


@record
class WranglerConfig:
    """A wrangler.toml / wrangler.json(c) file with its environments."""

    path: str
    root: Mapping
    top: EnvBlock
    envs: dict[str, EnvBlock]

    @property
    def directory(self) -> str:
        """Return the folder holding the config ('' for the repository root)."""
        return posixpath.dirname(self.path)

    @property
    def file_name(self) -> str:
        """Return the config's file name."""
        return posixpath.basename(self.path)

    @property
    def is_pages(self) -> bool:
        """Return whether this is a Pages config (it has `pages_build_output_dir`)."""
        return "pages_build_output_dir" in self.root

    @property
    def name(self) -> str | None:
        """Return the top-level `name`."""
        return self.root.text("name")

    def worker_name(self, env: str | None) -> str | None:
        """Return the name a deploy of `env` gets: its own, or `<name>-<env>`."""
        if env is None or env not in self.envs:
            return self.name
        own = self.envs[env].node.text("name")
        if own is not None:
            return own
        return f"{self.name}-{env}" if self.name else None

    def blocks(self) -> tuple[EnvBlock, ...]:
        """Return the top level followed by every env block."""
        return (self.top, *self.envs.values())


def build_config(path: str, root: Node | None) -> WranglerConfig | None:
    """Return the typed config of a parsed wrangler file, or None."""
    if not isinstance(root, Mapping):
        return None

    top = _block(None, root, root.span)
    envs: dict[str, EnvBlock] = {}
    env_node = root.mapping("env")
    if env_node is not None:
        for name, entry in env_node.entries.items():
            if isinstance(entry.value, Mapping):
                envs[name] = _block(name, entry.value, entry.key_span)
    return WranglerConfig(path, root, top, envs)


def _block(name: str | None, node: Mapping, span: Span) -> EnvBlock:
    """Return an env block with its bindings collected."""
    bindings: list[Binding] = []
    for kind in BINDING_ARRAYS:
        bindings.extend(_bindings(kind, node.get(kind)))
    queues = node.mapping("queues")
    if queues is not None:
        bindings.extend(_bindings("queues.producers", queues.get("producers")))
    durable = node.mapping("durable_objects")
    if durable is not None:
        # Durable Object bindings name their binding `name`, not `binding`.
        bindings.extend(_bindings("durable_objects", durable.get("bindings"), "name"))
    for kind in ("ai", "browser", "images", "version_metadata"):
        single = node.mapping(kind)
        if single is not None:
            bindings.append(
                Binding(kind, _name(single, "binding"), single, single.span, 0)
            )
    return EnvBlock(name, node, span, tuple(bindings))


def _bindings(
    kind: str, value: Node | None, name_key: str = "binding"
) -> list[Binding]:
    """Return the bindings of one binding array."""
    if not isinstance(value, Sequence):
        return []
    return [
        Binding(kind, _name(item, name_key), item, item.span, index)
        for index, item in enumerate(value)
        if isinstance(item, Mapping)
    ]


def _name(node: Mapping, key: str) -> str | None:
    """Return a binding's name; a number or boolean there names nothing."""
    value = node.scalar(key)
    return value.value if value is not None and isinstance(value.value, str) else None
