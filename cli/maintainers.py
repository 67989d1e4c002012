"""Commands for register maintainers: ingest (plan entries from many teams against the register),
publish (send an entry or a plan to the register's submission API) and site (a static HTML register)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click
from uitlegbaar.cli.app import Context, cli, declaration_options, emit_json, fail, pass_context, read_json

from uitlegbaar import progress

NAME_WIDTH = 48


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@click.option(
    "--register",
    "current",
    multiple=True,
    type=click.Path(exists=True),
    help="The register's current content: its JSON or CSV export (repeatable). Without it every entry is new.",
)
@click.option(
    "--trusted-keys",
    type=click.Path(exists=True, file_okay=False),
    help="A folder of the teams' public keys (PEM, one file per team): check each entry's attestation against them.",
)
@click.option(
    "--require-signed", is_flag=True, help="With --trusted-keys: reject unsigned entries too (default: a warning)."
)
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON (the input of `publish`).")
@pass_context
def ingest(
    ctx: Context,
    paths: tuple[str, ...],
    current: tuple[str, ...],
    trusted_keys: str | None,
    require_signed: bool,
    as_json: bool,
) -> None:
    """Plan what teams' entries change in the register: new, changed (field by field), unchanged, withdrawn.

    PATHS are entry files or folders: JSON (as `uitlegbaar register` writes), or CSV and Parquet in the
    register's export layout; with --store mlflow also `models:/<name>` (latest version), `models:/<name>/<version>`
    or `models:/<name>@<alias>`: the entry the team attached (`register … --attach`). Every entry is validated and
    entries are deduplicated by organisation and source_id. Exit 1 when an entry was rejected (it is left out of
    the plan).

    With --trusted-keys DIR, each entry file's attestation (`entry.json.intoto.jsonl` beside it, or any
    `*.intoto.jsonl` among PATHS that names the file's SHA-256) is checked: signed by which team's key, unsigned
    (a warning, rejected with --require-signed), or invalid (rejected).
    """
    from uitlegbaar.registry.ingest import make_plan
    from uitlegbaar.registry.sources import read_entries

    if require_signed and trusted_keys is None:
        raise click.UsageError("--require-signed needs --trusted-keys DIR to check signatures against")
    submitted = read_entries(paths, models=lambda ref: ctx.store().attached_entry(ref))
    signings = None
    if trusted_keys is not None:
        from uitlegbaar.attest.keys import trusted_keys as load_keys
        from uitlegbaar.registry.signatures import check_documents

        signings = check_documents(submitted, paths, load_keys(trusted_keys))
    plan = make_plan(submitted, read_entries(current), signings, require_signed=require_signed)
    if as_json:
        emit_json(plan.to_dict())
    else:
        _print_plan(plan)
    if not plan.ok:
        raise SystemExit(1)


def _print_plan(plan: Any) -> None:
    signed = plan.signatures_checked
    rows = [
        (
            i.action,
            i.organization,
            i.source_id,
            i.lars or "",
            _cut(i.name or ""),
            *((_signer(i),) if signed else ()),
            ", ".join(c.field for c in i.changes),
        )
        for i in plan.items
    ]
    _table(
        ("action", "organization", "source_id", "lars", "name", *(("signed by",) if signed else ()), "changed fields"),
        rows,
    )
    for i in plan.unsigned():
        click.echo(f"warning: {i.origin} is unsigned: {i.signing.detail} (accepted; --require-signed rejects it)")
    for r in plan.rejected:
        click.echo(f"rejected: {r.origin}: {r.reason}")
        for p in r.problems:
            click.echo(f"  {p}")
    for merged, kept in plan.duplicates:
        click.echo(f"duplicate: {merged} is the same as {kept}")
    for n in plan.notes:
        click.echo(f"note: {n}")
    counts = plan.counts()
    summary = ", ".join(f"{counts[k]} {k}" for k in ("new", "changed", "unchanged", "withdrawn"))
    extra = ", ".join(f"{counts[k]} {k}" for k in ("rejected", "duplicates", "untracked") if counts[k])
    signing = f"; {counts['signed']} signed, {counts['unsigned']} unsigned" if signed else ""
    click.echo(summary + (f"; {extra}" if extra else "") + signing)


def _signer(item: Any) -> str:
    """The trusted key an entry was signed with, for the table."""
    if item.signing is None or item.signing.status == "unsigned":
        return "unsigned"
    return str(item.signing.signer)


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header))]
    for row in (header, *rows):
        click.echo("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


def _cut(text: str) -> str:
    return text if len(text) <= NAME_WIDTH else text[: NAME_WIDTH - 1] + "…"


@cli.command()
@click.argument("source", metavar="ENTRY|PLAN", type=click.Path(exists=True, dir_okay=False))
@click.option("--org", "org", required=True, metavar="ORG_ID", help="The register's organisation id, e.g. gm0358.")
@click.option("--send", is_flag=True, help="Send to the register (default: a dry run showing what would be sent).")
@click.option("--release", is_flag=True, help="Then release the new version for publication (STATE_1 → STATE_2).")
@click.option("--publish", "publish_", is_flag=True, help="Then release and publish it (needs the publishing role).")
@click.option("--organization", "only", metavar="NAME", help="With a PLAN: only this organisation's entries.")
@click.option("--api", metavar="URL", help="The submission API (default: the register's; env UITLEGBAAR_REGISTER_API).")
@click.option("--token-url", metavar="URL", help="The register's token URL (env UITLEGBAAR_REGISTER_TOKEN_URL).")
@declaration_options
@click.option("--json", "as_json", is_flag=True, help="Print the requests (dry run) or the outcomes as JSON.")
def publish(
    source: str,
    org: str,
    send: bool,
    release: bool,
    publish_: bool,
    only: str | None,
    api: str | None,
    token_url: str | None,
    declaration: str | None,
    algorithm: str | None,
    as_json: bool,
) -> None:
    """Send an entry (from `uitlegbaar register`) or a plan (from `uitlegbaar ingest --json`) to the register.

    A dry run unless --send. The account comes from UITLEGBAAR_REGISTER_USERNAME and
    UITLEGBAAR_REGISTER_PASSWORD (or a keyring), never from arguments. Creating an entry stores the
    register's code (LARS) in uitlegbaar.yaml, so the next publication updates it.
    """
    from uitlegbaar.registry.publish import Endpoint, plan_requests

    data = read_json(Path(source))
    changes: tuple[Any, ...] = ("release", "publish") if publish_ else ("release",) if release else ()
    is_plan = isinstance(data, Mapping) and data.get("kind") == "uitlegbaar.register.plan"
    if is_plan:
        work = _from_plan(data, only)
        target = None
    else:
        work, target = _from_entry(data, declaration, algorithm)
    endpoint = Endpoint.from_environment(api, token_url)
    if not send:
        requests = [r.to_dict(endpoint.api) for e, lars in work for r in plan_requests(org, e, lars, changes)]
        if as_json:
            emit_json({"dry_run": True, "requests": requests})
        else:
            for r in requests:
                note = f"  — {r['note']}" if "note" in r else ""
                click.echo(f"{r['method']} {r['url']}  ({r['purpose']}){note}")
                if "body" in r:
                    click.echo(json.dumps(r["body"], indent=2, ensure_ascii=False))
            click.echo(f"dry run: {len(requests)} request(s) for {len(work)} entry(ies); --send sends them")
        return
    outcomes, failures = _send(endpoint, org, work, changes)
    stored = _store_lars(target, outcomes[0].lars) if target and outcomes else None
    if as_json:
        emit_json(
            {"dry_run": False, "outcomes": [o.to_dict() for o in outcomes], "failures": failures, "stored": stored}
        )
    else:
        for o in outcomes:
            states = f"; {', '.join(o.states)}" if o.states else ""
            click.echo(f"{o.action} {o.lars} {o.source_id or ''} {o.name or ''}".rstrip() + states)
        for f in failures:
            click.echo(f"failed: {f}", err=True)
        if stored:
            click.echo(f"stored lars {outcomes[0].lars} in {stored}")
        elif not is_plan and target is None and outcomes:
            click.echo(
                f'note: no uitlegbaar.yaml names this algorithm; keep `lars: "{outcomes[0].lars}"` in it yourself'
            )
    if failures:
        raise SystemExit(1)


def _send(
    endpoint: Any, org: str, work: list[tuple[dict[str, Any], str | None]], changes: tuple[Any, ...]
) -> tuple[list[Any], list[str]]:
    from uitlegbaar.registry.publish import (
        AuthenticationError,
        Credentials,
        PublishError,
        RegisterClient,
        publish_entry,
    )

    outcomes, failures = [], []
    with RegisterClient(endpoint, Credentials.from_environment()) as client:
        for entry, lars in progress.each("publish", work, unit="entries"):
            try:
                outcomes.append(publish_entry(client, org, entry, lars, changes))
            except AuthenticationError:
                raise
            except PublishError as exc:
                failures.append(f"{entry.get('source_id') or entry.get('name')}: {exc}")
    return outcomes, failures


def _from_plan(plan: Mapping[str, Any], only: str | None) -> list[tuple[dict[str, Any], str | None]]:
    from uitlegbaar.registry.publish import publishable

    work = [(e, lars) for e, lars in publishable(plan) if only is None or e.get("organization") == only]
    organisations = sorted({str(e.get("organization")) for e, _ in work})
    if len(organisations) > 1:
        fail(f"the plan holds entries of {len(organisations)} organisations; choose one with --organization NAME")
    return work


def _from_entry(
    entry: Any, declaration: str | None, algorithm: str | None
) -> tuple[list[tuple[dict[str, Any], str | None]], tuple[Path, str] | None]:
    """The entry with its code (from the entry, else from its declaration), and where to store a new code."""
    from uitlegbaar.documents.register import errors, validate_entry
    from uitlegbaar.evidence import declaration as declarations
    from uitlegbaar.registry.lars import algorithm_of

    failed = errors(validate_entry(entry))
    if failed:
        fail(f"the entry has {len(failed)} error(s) the register would reject, first: {failed[0]}", 1)
    path = Path(declaration) if declaration else declarations.find()
    target, lars = None, entry.get("lars")
    if path is not None:
        loaded = declarations.load(path)
        key = algorithm or algorithm_of(loaded, entry)
        if key is not None and key in loaded.algorithms:
            target = (path, key)
            lars = lars or loaded.algorithms[key].lars
    return [(entry, lars)], target


def _store_lars(target: tuple[Path, str], lars: str) -> str | None:
    from uitlegbaar.registry.lars import record_lars

    path, key = target
    return f"{path} ({key})" if record_lars(path, lars, key) else None


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@click.option(
    "-o", "--output", required=True, type=click.Path(file_okay=False), help="The folder to write the site to."
)
@click.option("--title", default="Algoritmeregister", show_default=True, help="The site's title.")
def site(paths: tuple[str, ...], output: str, title: str) -> None:
    """A static HTML register of the entries and model cards in PATHS (files or folders).

    Entries as `uitlegbaar register` writes them (or the register's exports), model cards as
    `uitlegbaar card RUN --format json` writes them; a card goes with the entry of the same algorithm
    (its LARS code, or organisation and source_id). Open DIR/index.html; nothing is fetched from elsewhere.
    """
    from uitlegbaar.registry.site import build_site
    from uitlegbaar.registry.sources import read_documents

    written = build_site(read_documents(paths), output, title)
    click.echo(f"wrote {len(written)} files to {output} (open {Path(output) / 'index.html'})")
