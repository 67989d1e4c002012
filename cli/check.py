"""`uitlegbaar check`: the CI gate. Exit 1 when a required framework misses an item or the outcome policy has a
finding, 2 for bad usage or a bad policy."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click
from uitlegbaar.cli.app import (
    Context,
    cli,
    declaration_options,
    fail,
    output_option,
    pass_context,
    say_declaration,
    verify_option,
    write_document,
)

if TYPE_CHECKING:
    from uitlegbaar.gates import CheckReport, FrameworkResult
    from uitlegbaar.gates.findings import RuleResult


@cli.command()
@click.argument("run")
@click.option(
    "--require",
    "required",
    required=True,
    metavar="KEY[,KEY…]",
    help="Frameworks every item of which must be evidenced or declared: algoritmeregister, ai-act-annex-iv, iama, ark,"
    " adr, algoritmekader.",
)
@click.option(
    "--policy",
    "policy",
    type=click.Path(exists=True, dir_okay=False),
    help="A shared policy file (`policy:` as in uitlegbaar.yaml): the floor; uitlegbaar.yaml may only tighten it.",
)
@click.option(
    "--report",
    type=click.Choice(["junit", "markdown", "json"]),
    help="Write the report as JUnit XML (GitLab, Jenkins), Markdown ($GITHUB_STEP_SUMMARY) or JSON.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the full report as JSON (the same as --report json).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "md", "html"]),
    default="table",
    show_default=True,
    help="table: the text table; md or html: the readiness view per lifecycle phase (who must act).",
)
@output_option
@declaration_options
@verify_option
@pass_context
def check(
    ctx: Context,
    run: str,
    required: str,
    policy: str | None,
    report: str | None,
    as_json: bool,
    fmt: str,
    output: str | None,
    declaration: str | None,
    algorithm: str | None,
    no_verify: bool,
) -> None:
    """Check RUN against transparency frameworks (per item evidenced, declared, missing, or failed on its outcome)
    and judge its outcome by the policy: fairness thresholds, flagged proxies, metric floors, regression and drift
    against the previous version.

    Exit 1 when an item of a required framework is missing or failed, or the policy has a finding.
    """
    from uitlegbaar import pipeline
    from uitlegbaar.gates import FRAMEWORKS
    from uitlegbaar.gates.coverage import unknown_frameworks

    keys = [k.strip() for k in required.split(",") if k.strip()]
    unknown = unknown_frameworks(keys)
    if not keys or unknown:
        fail(f"unknown framework {', '.join(unknown) or '(none given)'}; known: {', '.join(FRAMEWORKS)}")
    if as_json and report not in (None, "json"):
        fail(f"--json and --report {report} ask for two reports; give one")
    chosen = "json" if as_json else report
    if chosen is not None and fmt != "table":
        fail(f"--report {chosen} and --format {fmt} ask for two documents; give one")
    if output is not None and chosen is None and fmt == "table":
        fail("-o writes the --report or the readiness view; name one: --report junit|markdown|json or --format md|html")
    result = pipeline.check(
        ctx.store(), run, keys, declaration=declaration, algorithm=algorithm, policy=policy, verify=not no_verify
    )
    say_declaration(result.declaration)
    if chosen is not None:
        from uitlegbaar.gates import reports

        if output not in (None, "-"):
            _print(result)
        write_document(reports.render(result, chosen), output, err=True)
    elif fmt != "table":
        from uitlegbaar.gates import readiness

        page = readiness.render_html(result) if fmt == "html" else readiness.render_markdown(result)
        write_document(page.encode(), output, err=True)
    else:
        _print(result)
    if not result.ok:
        raise SystemExit(1)


def _print(report: CheckReport) -> None:
    from rich.console import Console

    console = Console(highlight=False, markup=False, soft_wrap=False)
    for framework in report.frameworks:
        console.print(_table(framework))
        console.print()
    if report.policy is not None:
        shown = [r for r in report.policy.results if r.status != "passed"]
        title = f"policy ({', '.join(report.policy.sources)}): {len(report.policy.results)} results"
        console.print(_policy_table(title, shown) if shown else f"{title}, every one passed")
        for note in report.policy.notes:
            console.print(f"note: {note}")
        console.print()
    for contradiction in report.contradictions:
        console.print(f"CONTRADICTION: {contradiction}")
    required = [f for f in report.frameworks if f.required]
    missing, failed = sum(len(f.missing) for f in required), sum(len(f.failed) for f in required)
    verdict = "OK" if report.ok else "FAILED"
    counts = ", ".join(f"{f.key} {_done(f)}/{len(f.items) - f.count('not applicable')}" for f in report.frameworks)
    line = f"{verdict}: {missing} required item(s) missing ({counts})"
    if failed:
        line += f", {failed} failed on their outcome"
    if report.policy is not None:
        p = report.policy
        line += (
            f"; policy: {len(p.findings)} finding(s), {p.count('unreliable')} not reliable, {p.count('passed')} passed"
        )
    if report.contradictions:
        line += f", {len(report.contradictions)} declared claim(s) contradicted"
    console.print(f"{line} for run {report.run_id[:12]}")


def _done(framework: FrameworkResult) -> int:
    return framework.count("evidenced") + framework.count("declared")


def _table(framework: FrameworkResult) -> object:
    from rich.table import Table

    table = Table("item", "source", "status", "supplied by / who must supply it, and how", box=None)
    table.title = f"{framework.key}: {framework.title}" + (f" ({framework.version})" if framework.version else "")
    table.title_justify = "left"
    table.columns[0].no_wrap = True
    for item in framework.items:
        supplied = f"{item.who}: {item.how}" if item.status in ("missing", "organisational") else item.by
        if item.status == "not applicable":
            supplied = item.detail
        elif item.status == "failed":
            supplied = f"{item.by}; {item.detail}"
        status = item.status.upper() if item.status in ("missing", "failed") else item.status
        source = item.source if item.urn in ("", item.key) else f"{item.source} ({item.urn})"
        table.add_row(item.key, source, status, supplied)
    return table


def _policy_table(title: str, results: list[RuleResult]) -> object:
    from rich.table import Table

    table = Table("rule", "subject", "status", "value / limit", "what it found, and what to do", box=None)
    table.title = f"{title}, {len(results)} not passed"
    table.title_justify = "left"
    table.columns[0].no_wrap = True
    for result in results:
        said = f"{result.message}. {result.action}" if result.action and result.status == "failed" else result.message
        status = (
            "FAILED" if result.status == "failed" else "not reliable" if result.status == "unreliable" else "skipped"
        )
        table.add_row(result.rule, result.subject, status, result.requirement, said)
    return table
