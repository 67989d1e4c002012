"""The `check` report in the formats CI systems read: JUnit XML (GitLab and Jenkins test reports: one test case per
framework item and per policy result), Markdown (a GitHub job summary, `$GITHUB_STEP_SUMMARY`) and JSON. Pure."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence

from uitlegbaar.documents.serialize import json_bytes
from uitlegbaar.gates.coverage import CheckReport, FrameworkResult, ItemResult
from uitlegbaar.gates.findings import PolicyReport, RuleResult, number

FORMATS = ("junit", "markdown", "json")
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def render(report: CheckReport, fmt: str) -> bytes:
    """The report as `fmt` (one of FORMATS) in UTF-8."""
    if fmt == "junit":
        return junit(report)
    if fmt == "markdown":
        return markdown(report).encode()
    if fmt == "json":
        return json_bytes(report.to_dict())
    raise ValueError(f"unknown report format {fmt!r}; known: {', '.join(FORMATS)}")


# ------------------------------------------------------------------ JUnit XML


def junit(report: CheckReport) -> bytes:
    """One test suite per framework (a test case per item: missing or failed ones fail, missing ones of a framework
    not required are skipped) and one for the policy (a test case per result: findings fail, results not judged
    are skipped)."""
    root = ET.Element("testsuites", name=f"uitlegbaar check {report.run_id}")
    suites = [_framework_suite(f) for f in report.frameworks]
    if report.policy is not None:
        suites.append(_policy_suite(report.policy))
    if report.contradictions:
        claims = [("claims", c, "failure", f"contradicted by the evidence: {c}", c) for c in report.contradictions]
        suites.append(("declared claims", claims))
    for name, cases in suites:
        suite = ET.SubElement(root, "testsuite", name=name)
        for classname, case_name, outcome, message, text in cases:
            case = ET.SubElement(suite, "testcase", classname=classname, name=_xml(case_name), time="0")
            if outcome == "passed":
                if text:
                    ET.SubElement(case, "system-out").text = _xml(text)
                continue
            element = ET.SubElement(case, outcome, message=_xml(message))
            if outcome == "failure":
                element.set("type", classname.rsplit(".", 1)[-1])
            element.text = _xml(text)
        _count(suite)
    _count(root, suites=True)
    ET.indent(root)
    written: bytes = ET.tostring(root, encoding="UTF-8", xml_declaration=True)
    return written + b"\n"


Case = tuple[str, str, str, str, str]
"""classname, name, outcome (passed, failure, skipped), message, text."""


def _framework_suite(framework: FrameworkResult) -> tuple[str, list[Case]]:
    cases = []
    for item in framework.items:
        classname = f"uitlegbaar.{framework.key}"
        name = f"{item.key}: {item.title}"
        if item.status in ("evidenced", "declared"):
            cases.append((classname, name, "passed", "", f"{item.status} by {item.by}"))
        elif not framework.required:
            cases.append((classname, name, "skipped", f"{item.status} (framework not required)", _item_text(item)))
        else:
            cases.append((classname, name, "failure", f"{item.status}: {item.how}", _item_text(item)))
    return f"{framework.key}: {framework.title}", cases


def _item_text(item: ItemResult) -> str:
    lines = [f"status: {item.status}", f"source: {item.source}"]
    lines += [f"supplied by: {item.by}"] if item.by else []
    lines += [f"detail: {item.detail}"] if item.detail else []
    lines += [f"who: {item.who}", f"what to do: {item.how}"] if item.who else []
    return "\n".join(lines)


def _policy_suite(policy: PolicyReport) -> tuple[str, list[Case]]:
    cases = []
    for result in policy.results:
        classname, name = f"uitlegbaar.policy.{result.family}", f"{result.rule}: {result.subject}"
        if result.status == "passed":
            cases.append((classname, name, "passed", "", result.message))
        elif result.status == "failed":
            cases.append((classname, name, "failure", _headline(result), _rule_text(result)))
        else:
            cases.append((classname, name, "skipped", _headline(result), _rule_text(result)))
    return f"policy ({', '.join(policy.sources)})", cases


def _headline(result: RuleResult) -> str:
    found = "not reliable" if result.status == "unreliable" else result.status
    return f"{found}: {result.requirement}: {result.message}" if result.requirement else f"{found}: {result.message}"


def _rule_text(result: RuleResult) -> str:
    lines = [f"rule: {result.rule}", f"subject: {result.subject}"]
    if result.limit is not None:
        shown = "—" if result.value is None else number(result.value)
        lines += [f"value: {shown}", f"limit: {result.operator} {number(result.limit)}"]
    lines.append(f"found: {result.message}")
    lines += [f"what to do: {result.action}"] if result.action else []
    return "\n".join(lines)


def _count(element: ET.Element, *, suites: bool = False) -> None:
    """The tests, failures, errors and skipped attributes of a test suite (or of all of them)."""
    cases = element.iter("testcase")
    outcomes = [next((c.tag for c in case if c.tag in ("failure", "skipped")), "passed") for case in cases]
    element.set("tests", str(len(outcomes)))
    element.set("failures", str(outcomes.count("failure")))
    element.set("errors", "0")
    element.set("skipped", str(outcomes.count("skipped")))
    if not suites:
        element.set("time", "0")


def _xml(text: str) -> str:
    """Text XML 1.0 can carry (control characters dropped)."""
    return _NOT_XML.sub("", text)


# ------------------------------------------------------------------ Markdown


def markdown(report: CheckReport) -> str:
    """A summary for a CI job page: the verdict, the policy findings with what to do, what was not judged, the
    missing and failed items, and (folded) everything that passed."""
    policy = report.policy
    mark = "✅" if report.ok else "❌"
    lines = [f"## {mark} uitlegbaar check {'passed' if report.ok else 'failed'}: run `{report.run_id[:12]}`", ""]
    lines += _table(
        ("", "framework", "evidenced", "declared", "missing", "failed"),
        (("✅" if f.ok else "❌" if f.required else "➖", _framework_name(f), *_counts(f)) for f in report.frameworks),
    )
    if policy is not None:
        lines += ["", f"Policy: {', '.join(policy.sources)}" + _compared(policy) + "."]
        lines += ["", f"### Policy findings ({len(policy.findings)})", ""]
        if policy.findings:
            header = ("rule", "subject", "value", "limit", "what it found", "what to do")
            lines += _table(header, ((*_rule_row(r), r.action) for r in policy.findings))
        else:
            lines.append("None: every outcome the policy judges is within its limits.")
        unjudged = [r for r in policy.results if r.status in ("unreliable", "skipped")]
        if unjudged:
            lines += ["", f"### Not judged ({len(unjudged)})", ""]
            lines += _table(("rule", "subject", "value", "limit", "why"), (_rule_row(r) for r in unjudged))
        if policy.notes:
            lines += ["", *(f"- {_cell(n)}" for n in policy.notes)]
    if report.contradictions:
        lines += ["", f"### Declared claims the evidence contradicts ({len(report.contradictions)})", ""]
        lines += [f"- {_cell(c)}" for c in report.contradictions]
    items = [(f, i) for f in report.frameworks for i in f.items if i.status in ("missing", "failed")]
    if items:
        lines += ["", f"### Missing and failed items ({len(items)})", ""]
        columns = ("framework", "item", "status", "who", "what to do")
        lines += _table(columns, ((f.key, f"{i.key}: {i.title}", i.status, i.who or "", i.how or "") for f, i in items))
    if policy is not None:
        passed = [r for r in policy.results if r.status == "passed"]
        lines += ["", f"<details><summary>Policy results that passed ({len(passed)})</summary>", ""]
        lines += _table(("rule", "subject", "value", "limit", "what it found"), (_rule_row(r) for r in passed))
        lines += ["", "</details>"]
    return "\n".join(lines) + "\n"


def _framework_name(framework: FrameworkResult) -> str:
    return framework.key + ("" if framework.required else " (not required)")


def _counts(framework: FrameworkResult) -> tuple[str, ...]:
    return tuple(str(framework.count(s)) for s in ("evidenced", "declared", "missing", "failed"))


def _compared(policy: PolicyReport) -> str:
    return f"; compared with the previous version, run `{policy.compared_with[:12]}`" if policy.compared_with else ""


def _rule_row(result: RuleResult) -> tuple[str, ...]:
    value = "" if result.value is None else number(result.value)
    limit = "" if result.limit is None else f"{result.operator} {number(result.limit)}"
    return result.rule, result.subject, value, limit, result.message


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return lines


def _cell(text: str) -> str:
    """Text safe in a Markdown table cell: one line, no table or HTML syntax of its own."""
    return " ".join(text.split()).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("|", "\\|")
