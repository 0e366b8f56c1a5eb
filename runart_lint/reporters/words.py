"""The words of the Markdown reports, in Spanish (the team's log) and English."""

from __future__ import annotations

from runart_lint.findings import Severity
from runart_lint.records import record

LANGUAGES = ("es", "en")


@record
class Words:
    """Every phrase the log entry, the summary and the diagram show."""

    log_title: str
    log_intro: str
    entry_heading: str
    summary_heading: str
    commit: str
    branch: str
    mode: str
    pack: str
    result: str
    stage: str
    findings: str
    finding: str
    others: str
    not_run: str
    sarif: str
    audit: str
    diagram: str
    unknown: str
    severities: dict[Severity, tuple[str, str]]
    suppressed: str
    files: tuple[str, str]
    no_findings: str
    not_deployed: str
    no_deploy: str
    checks_not_run: str
    unrun: str
    more: str
    at: str
    stages: str
    deployed_by: str
    location: str
    message: str
    fix: str
    severity: str
    rule: str
    promotion: str
    any_branch: str
    missing_file: str
    planned_elsewhere: str
    no_gate: str
    uncertain: str
    manual: str


SPANISH = Words(
    log_title="Bitácora de auditorías de despliegue (runart-lint)",
    log_intro=(
        "Entradas añadidas por `runart-lint --bitacora`, una por auditoría y commit."
    ),
    entry_heading="Auditoría runart-lint",
    summary_heading="Auditoría runart-lint",
    commit="Commit",
    branch="Rama",
    mode="Modo",
    pack="Paquete",
    result="Resultado",
    stage="Etapa",
    findings="Hallazgos",
    finding="Hallazgo",
    others="Otros hallazgos",
    not_run="No ejecutados",
    sarif="Evidencias (SARIF)",
    audit="Auditoría",
    diagram="Diagrama",
    unknown="desconocido",
    severities={
        Severity.ERROR: ("error", "errores"),
        Severity.WARNING: ("advertencia", "advertencias"),
        Severity.NOTE: ("nota", "notas"),
    },
    suppressed="suprimidos",
    files=("archivo", "archivos"),
    no_findings="sin hallazgos",
    not_deployed="no se despliega",
    no_deploy="ningún workflow la despliega",
    checks_not_run="hay comprobaciones sin ejecutar",
    unrun="comprobaciones sin ejecutar",
    more="y {count} más",
    at="en",
    stages="Etapas",
    deployed_by="Desplegada por",
    location="Ubicación",
    message="Mensaje",
    fix="Acción requerida",
    severity="Severidad",
    rule="Regla",
    promotion="Promoción",
    any_branch="cualquier rama",
    missing_file="falta el archivo",
    planned_elsewhere="planeado; despliega {stage}",
    no_gate="sin gate",
    uncertain="¿despliega?",
    manual="a mano",
)

ENGLISH = Words(
    log_title="Deployment audit log (runart-lint)",
    log_intro="Entries appended by `runart-lint --bitacora`, one per audit and commit.",
    entry_heading="runart-lint audit",
    summary_heading="runart-lint audit",
    commit="Commit",
    branch="Branch",
    mode="Mode",
    pack="Pack",
    result="Result",
    stage="Stage",
    findings="Findings",
    finding="Finding",
    others="Other findings",
    not_run="Not run",
    sarif="Evidence (SARIF)",
    audit="Audit",
    diagram="Diagram",
    unknown="unknown",
    severities={
        Severity.ERROR: ("error", "errors"),
        Severity.WARNING: ("warning", "warnings"),
        Severity.NOTE: ("note", "notes"),
    },
    suppressed="suppressed",
    files=("file", "files"),
    no_findings="no findings",
    not_deployed="not deployed",
    no_deploy="no workflow deploys it",
    checks_not_run="some checks did not run",
    unrun="checks not run",
    more="and {count} more",
    at="at",
    stages="Stages",
    deployed_by="Deployed by",
    location="Location",
    message="Message",
    fix="Fix",
    severity="Severity",
    rule="Rule",
    promotion="Promotion",
    any_branch="any branch",
    missing_file="file missing",
    planned_elsewhere="planned; deploys {stage}",
    no_gate="no gate",
    uncertain="deploys?",
    manual="by hand",
)


def words(lang: str) -> Words:
    """Return the phrases of `lang` (`es` or `en`)."""
    if lang not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, not {lang}")
    return SPANISH if lang == "es" else ENGLISH


def count_phrase(counts: dict[Severity, int], vocabulary: Words) -> str:
    """Return `5 errors, 1 warning`, most severe first, or the no-findings phrase."""
    parts = [
        f"{count} {_plural(count, vocabulary.severities[severity])}"
        for severity in sorted(Severity, reverse=True)
        if (count := counts.get(severity, 0))
    ]
    return ", ".join(parts) if parts else vocabulary.no_findings


def files_phrase(count: int, vocabulary: Words) -> str:
    """Return `6 files` in the chosen language."""
    return f"{count} {_plural(count, vocabulary.files)}"


def _plural(count: int, forms: tuple[str, str]) -> str:
    """Return the singular form for one, the plural otherwise."""
    return forms[0] if count == 1 else forms[1]
