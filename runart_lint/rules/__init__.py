"""The registry: every rule, sorted by id, imported explicitly."""

from __future__ import annotations

from runart_lint.rules import (
    action_secrets_wrong_environment,
    ambiguous_secret_environment,
    binding_in_vars,
    credentials_not_unified,
    deploy_without_config,
    deprecated_pages_action,
    env_binding_not_inherited,
    fork_pr_secrets,
    implicit_worker_name,
    invalid_file,
    invalid_kv_id,
    missing_rollback,
    missing_stage_config,
    pages_deploy_env_flag,
    pages_unsupported_environment,
    pr_target_checkout,
    secret_in_run,
    secret_literal,
    shared_kv_namespace,
    skipped_stage,
    stage_branch_alias,
    unknown_deploy_environment,
    unordered_promotion,
    unpinned_action,
    untrusted_input_in_run,
)
from runart_lint.rules.base import Rule, rule_from_module

RULES: tuple[Rule, ...] = tuple(
    sorted(
        (
            rule_from_module(action_secrets_wrong_environment),
            rule_from_module(ambiguous_secret_environment),
            rule_from_module(binding_in_vars),
            rule_from_module(credentials_not_unified),
            rule_from_module(deploy_without_config),
            rule_from_module(deprecated_pages_action),
            rule_from_module(env_binding_not_inherited),
            rule_from_module(fork_pr_secrets),
            rule_from_module(implicit_worker_name),
            rule_from_module(invalid_file),
            rule_from_module(invalid_kv_id),
            rule_from_module(missing_rollback),
            rule_from_module(missing_stage_config),
            rule_from_module(pages_deploy_env_flag),
            rule_from_module(pages_unsupported_environment),
            rule_from_module(pr_target_checkout),
            rule_from_module(secret_in_run),
            rule_from_module(secret_literal),
            rule_from_module(shared_kv_namespace),
            rule_from_module(skipped_stage),
            rule_from_module(stage_branch_alias),
            rule_from_module(unknown_deploy_environment),
            rule_from_module(unordered_promotion),
            rule_from_module(unpinned_action),
            rule_from_module(untrusted_input_in_run),
        ),
        key=lambda rule: rule.id,
    )
)


def rule_by_id(rule_id: str) -> Rule | None:
    """Return the registered rule with this id."""
    return next((rule for rule in RULES if rule.id == rule_id), None)
