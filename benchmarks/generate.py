"""Write a synthetic repository of N workflows and N/10 wrangler configs (seeded).

Usage: python benchmarks/generate.py OUT_DIR --workflows 2000 [--seed 7]

The workflows mix what real Cloudflare pipelines contain: wrangler-action and
pages-action deploys, `wrangler` command lines in scripts, environments,
needs chains, matrix builds, secrets through `env:`, and plain CI jobs.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

TRIGGERS = [
    "on:\n  push:\n    branches: [main]\n",
    "on:\n  pull_request:\n    branches: [main, develop]\n",
    "on:\n  push:\n    branches: [develop, 'deploy/**']\n  workflow_dispatch:\n",
    "on:\n  workflow_run:\n    workflows: [CI]\n    types: [completed]\n",
]
DEPLOY_STEPS = [
    """      - name: Deploy {name}
        uses: cloudflare/wrangler-action@v3
        with:
          apiToken: ${{{{ secrets.CLOUDFLARE_API_TOKEN }}}}
          accountId: ${{{{ secrets.CLOUDFLARE_ACCOUNT_ID }}}}
          workingDirectory: {app}
          command: deploy --env {env}
""",
    """      - name: Publish {name}
        uses: cloudflare/pages-action@v1
        with:
          apiToken: ${{{{ secrets.CLOUDFLARE_API_TOKEN }}}}
          accountId: ${{{{ secrets.CLOUDFLARE_ACCOUNT_ID }}}}
          projectName: {project}
          directory: {app}/dist
          branch: ${{{{ github.head_ref || github.ref_name }}}}
""",
    """      - name: Deploy with the CLI
        working-directory: {app}
        env:
          CLOUDFLARE_API_TOKEN: ${{{{ secrets.CLOUDFLARE_API_TOKEN }}}}
          CLOUDFLARE_ACCOUNT_ID: ${{{{ secrets.CLOUDFLARE_ACCOUNT_ID }}}}
          STAGE: {env}
        run: |
          set -euo pipefail
          npm ci
          npm run build
          npx wrangler deploy --env "$STAGE" --var VERSION:${{{{ github.sha }}}}
          echo "deployed ${{{{ github.sha }}}} to $STAGE" >> "$GITHUB_STEP_SUMMARY"
""",
]
CI_STEPS = """      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with:
          node-version: ${{{{ matrix.node }}}}
          cache: npm
      - run: npm ci
      - run: npm test -- --shard=${{{{ strategy.job-index }}}}
      - name: Lint
        run: |
          npm run lint
          npm run typecheck
"""


def workflow(rng: random.Random, index: int, apps: list[str]) -> str:
    """Return the text of one generated workflow."""
    app = rng.choice(apps)
    env = rng.choice(["staging", "production", "preview"])
    name = f"{app.rsplit('/', 1)[-1]}-{index}"
    parts = [f"name: Workflow {index}\n", rng.choice(TRIGGERS)]
    parts.append("permissions:\n  contents: read\n  deployments: write\n")
    parts.append("env:\n  NODE_VERSION: '20'\n  APP_NAME: " + name + "\n")
    parts.append("jobs:\n  test:\n    runs-on: ubuntu-latest\n")
    parts.append("    strategy:\n      matrix:\n        node: [18, 20, 22]\n")
    parts.append("    steps:\n" + CI_STEPS.format())
    if rng.random() < 0.7:
        parts.append("  deploy:\n    needs: test\n    runs-on: ubuntu-latest\n")
        parts.append(f"    environment: {env}\n")
        parts.append("    steps:\n      - uses: actions/checkout@v4\n")
        step = rng.choice(DEPLOY_STEPS)
        parts.append(step.format(name=name, app=app, env=env, project=name))
    return "".join(parts)


def config(rng: random.Random, index: int) -> str:
    """Return the text of one generated wrangler.toml with env blocks."""
    lines = [
        f'name = "app-{index}"',
        'main = "src/index.ts"',
        'compatibility_date = "2025-01-01"',
        "",
        "[vars]",
        'STAGE = "production"',
        "",
    ]
    for binding in range(rng.randint(1, 3)):
        lines += [
            "[[kv_namespaces]]",
            f'binding = "KV_{binding}"',
            f'id = "{rng.getrandbits(128):032x}"',
            "",
        ]
    for env in ("staging", "production"):
        lines += [f"[env.{env}]", f'name = "app-{index}-{env}"', ""]
        lines += [f"[env.{env}.vars]", f'STAGE = "{env}"', ""]
        for binding in range(rng.randint(0, 3)):
            lines += [
                f"[[env.{env}.kv_namespaces]]",
                f'binding = "KV_{binding}"',
                f'id = "{rng.getrandbits(128):032x}"',
                "",
            ]
    return "\n".join(lines)


def generate(out: Path, workflows: int, seed: int) -> None:
    """Write the repository."""
    rng = random.Random(seed)
    apps = [f"apps/app{index}" for index in range(max(1, workflows // 10))]
    folder = out / ".github" / "workflows"
    folder.mkdir(parents=True, exist_ok=True)
    for index in range(workflows):
        text = workflow(rng, index, apps)
        (folder / f"workflow-{index:05d}.yml").write_text(text, encoding="utf-8")
    for index, app in enumerate(apps):
        (out / app).mkdir(parents=True, exist_ok=True)
        (out / app / "wrangler.toml").write_text(config(rng, index), encoding="utf-8")


def main() -> int:
    """Parse arguments and write the repository."""
    parser = argparse.ArgumentParser(description="Generate a benchmark repository.")
    parser.add_argument("out", type=Path, help="folder to write")
    parser.add_argument("--workflows", type=int, default=500, help="how many")
    parser.add_argument("--seed", type=int, default=7, help="random seed")
    args = parser.parse_args()
    generate(args.out, args.workflows, args.seed)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
