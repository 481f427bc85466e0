"""``%%mlflow2prov query`` and the store verbs in a real IPython shell."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from storecases import BACKENDS, store_uri_for
from test_magics import ipython_shell
from test_ops_load_save import synthetic

from mlflow2prov_jupyter.core.provdoc import ProvDoc
from mlflow2prov_jupyter.notebook.magics import MagicError
from mlflow2prov_jupyter.store.push import push


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return store_uri_for(request.param, tmp_path, request)


@pytest.fixture(scope="module")
def ip():
    shell = ipython_shell()
    shell.run_line_magic("load_ext", "mlflow2prov_jupyter")
    return shell


def test_query_cell_returns_a_dataframe_or_a_document(ip, store: str) -> None:
    push(synthetic(n_runs=5, metrics=1), store, "p")
    df = ip.run_cell_magic("mlflow2prov", f"query --store {store} --as people", "runs-per-person")
    assert isinstance(df, pd.DataFrame) and list(df.columns) == ["project", "person", "username", "runs"]
    assert df.iloc[0]["runs"] == 5 and ip.user_ns["people"] is df
    doc = ip.run_cell_magic(
        "mlflow2prov",
        f"query --store {store}",
        "PREFIX prov: <http://www.w3.org/ns/prov#>\nCONSTRUCT { ?r a prov:Entity } WHERE { ?r a prov:Entity }",
    )
    entities = {e.id for e in synthetic(n_runs=5, metrics=1).elements.values() if e.kind == "entity"}
    assert isinstance(doc, ProvDoc) and set(doc.elements) == entities
    with pytest.raises(MagicError, match="needs --store"):
        ip.run_cell_magic("mlflow2prov", "query", "runs-per-person")
    with pytest.raises(MagicError, match="not valid SPARQL"):
        ip.run_cell_magic("mlflow2prov", f"query --store {store}", "SELECT * WHERE { ?s ?p }")


def test_store_verbs_as_line_magics(ip, store: str) -> None:
    ip.user_ns["small"] = synthetic(n_runs=3, metrics=1)
    ip.run_line_magic("mlflow2prov", f"push small --store {store} --project small")
    back = ip.run_line_magic("mlflow2prov", f"load --store {store} --project small")
    assert back == ip.user_ns["small"]


def test_store_questions_as_line_magics_answer_as_the_whole_store(ip, store: str, monkeypatch) -> None:
    from mlflow2prov_jupyter.core.provdoc import QName
    from mlflow2prov_jupyter.query.lineage import lineage
    from mlflow2prov_jupyter.query.passport import passport
    from mlflow2prov_jupyter.store import links
    from mlflow2prov_jupyter.store.links import add_cross_project_notes, linked_document

    doc = synthetic(n_runs=3, metrics=1)
    push(doc, store, "p")
    run = sorted(e.id for e in doc.elements.values() if QName("m2p:Run") in e.types)[0]
    whole = linked_document(store)
    want_lineage = lineage(whole, run, direction="up")
    want_card = passport(whole, run)
    add_cross_project_notes(whole, want_card)
    links._CACHE.clear()  # a fresh kernel: the magic must not need the whole store
    read: list[str] = []
    real = links.linked_document
    monkeypatch.setattr(links, "linked_document", lambda *a, **k: read.append("all") or real(*a, **k))
    got = ip.run_line_magic("mlflow2prov", f"lineage {run} --store {store} --direction up")
    got = got[-1] if isinstance(got, list) else got
    assert got == want_lineage
    cards = ip.run_line_magic("mlflow2prov", f"passport {run} --store {store}")
    cards = cards if isinstance(cards, list) else [cards]
    assert [c.to_dict() for c in cards] == [want_card.to_dict()]
    assert read == []  # neither question read the whole store
