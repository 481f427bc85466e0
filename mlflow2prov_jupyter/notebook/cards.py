"""The one place that builds the HTML of passport cards, validation findings and diff tables.

Plain strings, no Jupyter import: ``Passport._repr_html_`` and ``Diff._repr_html_`` call these, and so do
the explorer's panels. Every text from a document is escaped (``html.escape`` with quotes); colours
follow JupyterLab's theme variables with light fallbacks; every cell is left-aligned explicitly, since
JupyterLab's output CSS right-aligns table cells. Stable CSS classes: ``m2p-passport``,
``m2p-passport-headline``, ``m2p-passport-section``, ``m2p-findings``, ``m2p-finding``,
``m2p-findings-summary``, ``m2p-diff-table``, ``m2p-diff-summary``.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any, Iterable

if TYPE_CHECKING:  # pragma: no cover - types only; the query layer imports this module lazily
    from ..query.diff import Diff
    from ..query.passport import Passport, Table, Text
    from ..query.validate import Finding

DIFF_ROWS_MAX = 500
FINDINGS_ROWS_MAX = 300

FONT = "font-family:var(--jp-ui-font-family,sans-serif);font-size:var(--jp-ui-font-size1,13px);line-height:1.45"
MUTED = "color:var(--jp-ui-font-color2,#616161)"
CELL = "text-align:left;vertical-align:top;padding:1px 10px 1px 0;border:none;background:none"
ROW = '<tr style="background:none">'  # JupyterLab stripes output tables; a card reads better without
# Change and severity → text colour (theme variable, light fallback).
COLOURS = {
    "added": "var(--jp-success-color1,#1a7f37)",
    "removed": "var(--jp-error-color1,#cf222e)",
    "changed": "var(--jp-warn-color1,#bc4c00)",
    "error": "var(--jp-error-color1,#cf222e)",
    "warning": "var(--jp-warn-color1,#9a6700)",
}


def esc(value: Any) -> str:
    """Text for HTML content and attribute values (quotes escaped too)."""
    return html.escape("" if value is None else str(value), quote=True)


def _text(t: Text) -> str:
    """A card value: its short text, with the full value as tooltip when shortened."""
    if t.full:
        return f'<span title="{esc(t.full)}" style="cursor:help">{esc(t.text)}</span>'
    return esc(t.text)


def _table(t: Table) -> str:
    head = "".join(f'<th style="{CELL};{MUTED};font-weight:600">{esc(h)}</th>' for h in t.header)
    rows = "".join(ROW + "".join(f'<td style="{CELL}">{_text(c)}</td>' for c in row) + "</tr>" for row in t.rows)
    return (
        f'<details{"" if t.folded else " open"} style="margin:2px 0"><summary style="cursor:pointer">'
        f"{esc(t.title)} ({len(t.rows)})</summary>"
        f'<table style="border-collapse:collapse;margin:2px 0 4px 16px;table-layout:auto">'
        f"<thead>{ROW}{head}</tr></thead><tbody>{rows}</tbody></table></details>"
    )


# ------------------------------------------------------------------------------------------ passport
def passport_card(p: Passport) -> str:
    """The passport: the headline sentence, then one compact block per step of the chain (fields inline,
    long lists folded), what is missing, notes, and the size of ``passport.subgraph``."""
    parts = [
        f'<div class="m2p-passport" style="{FONT};text-align:left;max-width:64em;padding:8px 12px;'
        "border:1px solid var(--jp-border-color2,#e0e0e0);border-radius:6px;"
        'background:var(--jp-layout-color0,transparent);color:var(--jp-ui-font-color1,inherit)">',
        '<p class="m2p-passport-headline" style="margin:0 0 6px;font-weight:600;font-size:1.05em">'
        f"{esc(p.headline)}</p>",
    ]
    sections = p.sections()
    for s in sections:
        # One block per step: bold title, then its fields inline, so it reads in a notebook and a side panel.
        fields = " · ".join(f'<span style="{MUTED}">{esc(k)}</span> {_text(v)}' for k, v in s.fields)
        tables = "".join(_table(t) for t in s.tables)
        element = f' data-element="{esc(s.element)}"' if s.element else ""
        parts.append(
            f'<div class="m2p-passport-section"{element} style="margin:3px 0;overflow-wrap:anywhere">'
            f'<span style="font-weight:600">{esc(s.title)}:</span> {fields}{tables}</div>'
        )
    if p.missing:
        parts.append(
            f'<div class="m2p-passport-missing" style="margin-top:6px;color:{COLOURS["error"]}">'
            "Missing:<ul style='margin:2px 0'>" + "".join(f"<li>{esc(m)}</li>" for m in p.missing) + "</ul></div>"
        )
    if p.notes:
        parts.append(
            '<div class="m2p-passport-notes" style="margin-top:6px">Notes:<ul style="margin:2px 0">'
            + "".join(f"<li>{esc(n)}</li>" for n in p.notes)
            + "</ul></div>"
        )
    steps = " → ".join(s.title.lower() for s in sections if s.element in p.chain)
    parts.append(
        f'<p style="margin:6px 0 0;{MUTED};font-size:0.9em">Passport of <code>{esc(p.ref)}</code> · '
        f"chain: {esc(steps)} · {len(p.subgraph.elements)} records in "
        "<code>passport.subgraph</code></p></div>"
    )
    return "".join(parts)


# ------------------------------------------------------------------------------------------ findings
def finding_html(f: Finding, number: int | None = None) -> str:
    """One finding: severity, its plain sentence (the full ids of its records as tooltip) and, folded,
    the records by short name and full id."""
    colour = COLOURS.get(f.severity, "inherit")
    ids = list(dict.fromkeys([*f.records, *f.nodes]))
    tooltip = "\n".join(f"{f.names.get(i, i)} = {i}" for i in ids)
    number_text = f"{number}. " if number is not None else ""
    records = "".join(f"<li>{esc(f.names.get(i, i))}: <code>{esc(i)}</code></li>" for i in ids)
    folded = (
        (
            f'<details style="margin-left:1.2em"><summary style="cursor:pointer;{MUTED}">records ({len(ids)}) · '
            f"rule <code>{esc(f.code)}</code></summary><ul style='margin:0'>{records}</ul></details>"
        )
        if ids
        else (f'<div style="margin-left:1.2em;{MUTED}">rule <code>{esc(f.code)}</code></div>')
    )
    return (
        f'<div class="m2p-finding" data-severity="{esc(f.severity)}" data-code="{esc(f.code)}" '
        f'style="{FONT};text-align:left"><span style="color:{colour};font-weight:600">'
        f'{number_text}{esc(f.severity)}</span> <span title="{esc(tooltip)}">{esc(f.message)}</span>{folded}</div>'
    )


def findings_summary(findings: Iterable[Finding]) -> str:
    """ "2 errors, 1 warning" or "no findings"."""
    found = list(findings)
    n_err = sum(f.severity == "error" for f in found)
    n_warn = len(found) - n_err
    if not found:
        return "no findings: the document is valid PROV"
    return f"{n_err} error{'s' if n_err != 1 else ''}, {n_warn} warning{'s' if n_warn != 1 else ''}"


def findings_html(findings: list[Finding], title: str = "", limit: int = FINDINGS_ROWS_MAX) -> str:
    """Findings as a list of plain sentences, errors first (every text escaped)."""
    caption = f'<div style="font-weight:600">{esc(title)}</div>' if title else ""
    rows = "".join(finding_html(f, i + 1) for i, f in enumerate(findings[:limit]))
    more = (
        f'<p style="{MUTED}">… {len(findings) - limit} more findings (validate(doc) in Python lists all)</p>'
        if len(findings) > limit
        else ""
    )
    return (
        f'<div class="m2p-findings" style="{FONT};text-align:left">{caption}'
        f'<p class="m2p-findings-summary" style="margin:2px 0">{esc(findings_summary(findings).capitalize())}</p>'
        f"{rows}{more}</div>"
    )


# ---------------------------------------------------------------------------------------------- diff
def diff_html(d: Diff, a_name: str = "", b_name: str = "", limit: int = DIFF_ROWS_MAX) -> str:
    """The rows of a diff as a table, coloured by change (every text escaped)."""
    head = (
        f'<div class="m2p-diff-title" style="font-weight:600">{esc(a_name)} → {esc(b_name)}</div>'
        if a_name or b_name
        else ""
    )
    if d.empty:
        return (
            f'<div class="m2p-diff-table" style="{FONT};text-align:left">{head}'
            "<p>No differences: both documents hold the same records.</p></div>"
        )
    counts = ", ".join(f"{n} {k}" for k, n in d.summary().items() if n)
    rows = d.to_rows()
    body = []
    for row in rows[:limit]:
        colour = COLOURS.get(row["change"], "inherit")
        cells = "".join(
            f'<td style="{CELL};{"white-space:nowrap" if c in ("change", "record") else "overflow-wrap:anywhere"}">'
            f"{esc(row[c])}</td>"
            for c in d.COLUMNS
        )
        body.append(f'<tr data-change="{esc(row["change"])}" style="color:{colour};background:none">{cells}</tr>')
    more = (
        f'<p style="{MUTED}">… {len(rows) - limit} more rows (diff() in Python lists all)</p>'
        if len(rows) > limit
        else ""
    )
    header = "".join(f'<th style="{CELL};{MUTED}">{esc(c)}</th>' for c in d.COLUMNS)
    return (
        f'<div class="m2p-diff-table" style="{FONT};text-align:left">{head}'
        f'<p class="m2p-diff-summary" style="margin:2px 0">{esc(counts)}</p>'
        f'<table style="border-collapse:collapse"><thead>{ROW}{header}</tr></thead><tbody>{"".join(body)}</tbody>'
        f"</table>{more}</div>"
    )


__all__ = [
    "passport_card",
    "finding_html",
    "findings_html",
    "findings_summary",
    "diff_html",
    "esc",
    "DIFF_ROWS_MAX",
    "FINDINGS_ROWS_MAX",
]
