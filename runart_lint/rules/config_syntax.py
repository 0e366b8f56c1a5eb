"""Name places and values of a wrangler config in the syntax the file is written in.

Help texts quote the change to make; a `wrangler.json` or `wrangler.jsonc`
gets JSON (`"env": { "staging": { ... } }`), a `wrangler.toml` gets TOML
(`[env.staging]`).
"""

from __future__ import annotations

import json
import re

from runart_lint.loaders.wrangler import EnvBlock, WranglerConfig


def is_json(config: WranglerConfig) -> bool:
    """Return whether the config is written in JSON or JSONC."""
    return config.path.endswith((".json", ".jsonc"))


def block_name(config: WranglerConfig, block: EnvBlock) -> str:
    """Return how a help text names a block: `[env.X]`, or the `"X"` object."""
    if block.name is None:
        return "the top level"
    return env_name(config, block.name)


def env_name(config: WranglerConfig, env: str) -> str:
    """Return how a help text names the block of environment `env`."""
    if is_json(config):
        return f'the `{json.dumps(env)}` object of `"env"`'
    return f"`[env.{env}]`"


def assignment(config: WranglerConfig, key: str, value: str) -> str:
    """Return `KEY = "value"` in TOML or `"KEY": "value"` in JSON, in backticks."""
    if is_json(config):
        return f"`{json.dumps(key)}: {json.dumps(value)}`"
    written = key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key)
    return f"`{written} = {json.dumps(value)}`"
