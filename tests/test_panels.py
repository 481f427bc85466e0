"""The explorer's Passport, Validation and Diff panels, through the small public host interface.

``SessionHost`` below implements that interface (``current``, ``entries``, ``require``, ``run_action``,
``show_in_graph``) over real documents and records what the panels ask the graph to draw; the explorer
(``notebook/explorer.py``) implements the same interface for the browser.
"""

from __future__ import annotations

import html
import subprocess
import sys
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Callable, Iterable

from mlflow2prov_jupyter.core.provdoc import ProvDoc, QName
from mlflow2prov_jupyter.notebook.cards import diff_html, finding_html, passport_card
from mlflow2prov_jupyter.notebook.panels import (
    FINDING_ROWS_MAX,
    DiffPanel,
    PassportPanel,
    UserInputError,
    ValidationPanel,
    diff_badges,
    diff_union,
)
from mlflow2prov_jupyter.query import diff, passport, validate
from mlflow2prov_jupyter.query.example import R1, example_document


@dataclass
class Entry:
    name: str
    doc: ProvDoc


class SessionHost:
    """A session of documents with a status line and a record of what was drawn."""

    def __init__(self, *docs: tuple[str, ProvDoc]) -> None:
        self.entries = [Entry(name, doc) for name, doc in docs]
        self.shown = len(self.entries) - 1
        self.status = ""
        self.drawn: list[dict[str, Any]] = []

    @property
    def current(self) -> ProvDoc | None:
        return self.entries[self.shown].doc if self.entries else None

    def require(self, n: int, what: str) -> list[Entry]:
        if not self.entries:
            raise UserInputError(f"extract or load a document first, then {what} it")
        return [self.entries[self.shown]] if n <= 1 else self.entries[:n]

    def run_action(self, what: str, fn: Callable[[], str], button: Any = None) -> bool:
        try:
            self.status = fn()
        except Exception as exc:  # the explorer shows one line, never a traceback
            self.status = f"{what} failed: {exc}"
            return False
        return True

    def show_in_graph(
        self,
        doc: ProvDoc | None = None,
        *,
        show: Iterable[str] | None = None,
        highlight: Iterable[str] = (),
        zoom_to: Iterable[str] = (),
        badges: dict[str, str] | None = None,
        title: str | None = None,
        direction: str | None = None,
    ) -> str:
        self.drawn.append(
            {
                "doc": doc if doc is not None else self.current,
                "show": None if show is None else list(show),
                "highlight": list(highlight),
                "zoom_to": list(zoom_to),
                "badges": badges,
                "title": title,
                "direction": direction,
            }
        )
        return "drawn"


def tampered_copy(doc: ProvDoc, manifest: Any) -> tuple[ProvDoc, str]:
    """The sample document with the champion's registration back-dated by a day (two findings)."""
    rm = manifest.registered_models[0]
    mvc = f"mlflow:registered-model/{rm.name}/version/{rm.aliases['champion']}/creation"
    out = doc.copy()
    for time in ("prov:startTime", "prov:endTime"):
        out[mvc].attrs[time] -= timedelta(days=1)
    return out, mvc


# ------------------------------------------------------------------------------------------ passport
def test_passport_panel_card_headline_and_chain(sample_doc, sample_manifest):
    host = SessionHost(("demo", sample_doc))
    panel = PassportPanel(host)
    ref = f"models:/{sample_manifest.registered_models[0].name}@champion"
    panel.ref.value = ref
    panel.button.click()
    expected = passport(sample_doc, ref)
    assert host.status == f"passport of {ref}: {expected.headline}"
    assert panel.card.value == passport_card(expected)
    assert not panel.chain_button.disabled
    panel.chain_button.click()
    (drawn,) = host.drawn
    assert drawn == {
        "doc": sample_doc,
        "show": expected.show_ids,
        "highlight": [],
        "zoom_to": [],
        "badges": None,
        "title": expected.headline,
        "direction": "auto",
    }
    assert drawn["show"][:5] == expected.chain and host.status.startswith(f"drew the chain of {ref}: 5 steps")


def test_passport_panel_failures_are_one_line():
    host = SessionHost(("example", example_document()))
    panel = PassportPanel(host)
    panel.show_chain()
    assert host.status == "show chain failed: look up a passport first"
    panel.ref.value = "  "
    panel.button.click()
    assert host.status.startswith("passport failed: type a reference: models:/<name>@<alias>")
    panel.lookup("models:/no-such-model@champion")
    assert host.status.startswith("passport failed: no alias 'champion' of registered model 'no-such-model'")
    assert "\n" not in host.status and panel.card.value == "" and panel.chain_button.disabled
    assert host.drawn == []
    empty = SessionHost()
    PassportPanel(empty).lookup(f"runs:/{R1}")
    assert empty.status == "passport failed: extract or load a document first, then look up a passport in it"


def test_passport_panel_card_escapes_hostile_text():
    doc = example_document()
    doc[f"mlflow:run/{R1}"].attrs["m2p:name"] = "<script>alert(1)</script>"
    host = SessionHost(("example", doc))
    panel = PassportPanel(host)
    panel.lookup(R1)
    assert "<script>" not in panel.card.value and html.escape("<script>alert(1)</script>") in panel.card.value


# ---------------------------------------------------------------------------------------- validation
def test_validation_panel_sentences_and_show_zooms_to_the_records(sample_doc, sample_manifest):
    tampered, mvc = tampered_copy(sample_doc, sample_manifest)
    host = SessionHost(("tampered", tampered))
    panel = ValidationPanel(host)
    panel.button.click()
    expected = validate(tampered)
    assert panel.findings == expected and len(expected) == 2
    assert host.status == "validated tampered: 2 errors, 0 warnings"
    assert len(panel.rows.children) == len(expected) == len(panel.show_buttons)
    for i, (row, f) in enumerate(zip(panel.rows.children, expected)):
        assert row.children[0].value == finding_html(f, i + 1)
        assert html.escape(f.message) in row.children[0].value
    informed = next(i for i, f in enumerate(expected) if f.code == "informant-after-informed")
    panel.show_buttons[informed].click()
    f = expected[informed]
    assert host.drawn[-1]["highlight"] == host.drawn[-1]["zoom_to"] == list(f.nodes)
    assert mvc in f.nodes and host.drawn[-1]["doc"] is tampered
    assert host.drawn[-1]["title"] == f"{informed + 1}. {f.message}"
    assert host.status.startswith(f"finding {informed + 1}: the registration of model version")
    panel.clear_button.click()
    assert host.drawn[-1]["highlight"] == [] and host.drawn[-1]["zoom_to"] == [] and host.drawn[-1]["doc"] is tampered
    assert host.status == "cleared the highlight"


def test_validation_panel_on_the_sample_project_finds_nothing(sample_doc):
    host = SessionHost(("demo", sample_doc))
    panel = ValidationPanel(host)
    panel.validate()
    assert panel.findings == [] and panel.rows.children == ()
    assert "No findings" in panel.summary.value
    assert host.status == "validated demo: no findings: the document is valid PROV"
    panel.show(0)
    assert host.status == "show finding failed: validate, then choose a finding to show"


def test_validation_panel_warnings_filter_and_row_limit():
    doc = example_document()
    # Many warnings (a prov:type given as plain text) and one error.
    for i in range(FINDING_ROWS_MAX + 5):
        doc.entity(f"m2p:thing{i}", {"prov:type": "m2p:Thing"})
    doc[f"mlflow:run/{R1}/creation"].attrs["prov:endTime"] -= timedelta(days=400)
    host = SessionHost(("example", doc))
    panel = ValidationPanel(host)
    panel.validate()
    assert len(panel.findings) > FINDING_ROWS_MAX
    assert len(panel.show_buttons) == FINDING_ROWS_MAX
    assert f"{len(panel.findings) - FINDING_ROWS_MAX} more findings" in panel.rows.children[-1].value
    panel.warnings.value = False
    panel.button.click()
    assert panel.findings and all(f.severity == "error" for f in panel.findings)
    assert host.status.startswith("validated example: ") and " 0 warnings" in host.status


# ---------------------------------------------------------------------------------------------- diff
def test_diff_panel_table_and_badges(sample_doc):
    after = sample_doc.copy()
    run = next(e for e in after.elements.values() if "m2p:Run" in e.types and e.get("m2p:status") != "FAILED")
    run.attrs["m2p:status"] = "FAILED"  # (the sample has a failed run: the order of runs depends on the read)
    after.entity(
        f"{run.id}/param/momentum", {"prov:type": QName("m2p:Param"), "m2p:key": "momentum", "m2p:value": "0.9"}
    )
    after.add_relation("hadMember", run.id, f"{run.id}/param/momentum")
    host = SessionHost(("before", sample_doc), ("after", after))
    panel = DiffPanel(host)
    panel.sync()
    assert [o for o, _ in panel.a.options] == ["before", "after"]
    panel.button.click()
    d = diff(sample_doc, after)
    assert panel.diff.to_rows() == d.to_rows()
    assert panel.table.value == diff_html(d, "before", "after")
    assert 'data-change="changed"' in panel.table.value and "FAILED" in panel.table.value
    (drawn,) = host.drawn
    union = drawn["doc"]
    assert set(union.elements) == set(diff_union(sample_doc, after, d).elements)
    assert drawn["badges"] == {f"{run.id}/param/momentum": "added", run.id: "changed"}
    assert drawn["title"] == "diff before → after"
    assert host.status == "diff before → after: 1 elements added, 1 elements changed, 1 relations added"


def test_diff_badges_mark_the_ends_of_changed_relations_and_removed_records():
    before = example_document()
    after = before.copy()
    removed = f"mlflow:run/{R1}/param/epochs"
    del after.elements[removed]
    after.relations = [r for r in after.relations if removed not in (r.source, r.target)]
    after.add_relation("wasInfluencedBy", f"mlflow:run/{R1}", "mlflow:experiment/1")
    d = diff(before, after)
    union = diff_union(before, after, d)
    badges = diff_badges(d, union)
    assert badges[removed] == "removed" and removed in union.elements
    assert badges[f"mlflow:run/{R1}"] == "changed" and badges["mlflow:experiment/1"] == "changed"
    assert set(badges) <= set(union.elements)


def test_diff_panel_needs_two_documents():
    host = SessionHost()
    panel = DiffPanel(host)
    panel.sync()
    panel.compare()
    assert host.status == "diff failed: choose two documents of the session to compare" and host.drawn == []


def test_diff_table_escapes_names_and_values():
    before = example_document()
    after = before.copy()
    after[f"mlflow:run/{R1}"].attrs["m2p:name"] = "<img src=x onerror=alert(1)>"
    page = diff_html(diff(before, after), "<b>a</b>", "b")
    assert "<img" not in page and "<b>a" not in page and "text-align:right" not in page


# ---------------------------------------------------------------------------------------------- imports
def test_panels_do_not_import_the_explorer_or_the_old_graph_module():
    code = (
        "import sys, mlflow2prov_jupyter.notebook.panels, mlflow2prov_jupyter.notebook.cards; "
        "print(sorted(m for m in sys.modules if m.endswith(('notebook.explorer', 'notebook.graph'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"
