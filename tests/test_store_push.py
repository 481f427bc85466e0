"""push / load against every store backend: idempotence, replacing exactly the changed units, atomicity, bad input."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
from storecases import BACKENDS, all_quads, store_uri_for, with_run_status
from test_ops_load_save import rich_doc, synthetic

from mlflow2prov_jupyter.core.provdoc import ProvDoc
from mlflow2prov_jupyter.store.backends import StoreError, close_store, open_store
from mlflow2prov_jupyter.store.catalogue import read_catalogue
from mlflow2prov_jupyter.store.push import drop_project, load, push
from mlflow2prov_jupyter.store.units import encode_units


@pytest.fixture(params=BACKENDS)
def store_uri(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return store_uri_for(request.param, tmp_path, request)


def test_push_then_load_is_equal(store_uri: str, sample_doc: ProvDoc) -> None:
    result = push(sample_doc, store_uri, "demo", tracking_uri="http://ann:s3cret@mlflow.example:5000/?token=abc&x=1")
    assert result.added and not result.replaced and not result.removed
    (back,) = load(store_uri, "demo")
    assert back == sample_doc
    assert back.prefixes == sample_doc.prefixes
    cat = read_catalogue(open_store(store_uri), "demo")
    assert cat.tracking_uri == "http://mlflow.example:5000/?x=1"  # no credentials in the store
    assert "s3cret" not in "".join(all_quads(store_uri)) and "abc" not in cat.tracking_uri
    assert cat.last_commit and cat.last_run_started_at and cat.synced_at
    assert set(cat.units) == set(encode_units(sample_doc))


def test_pushing_the_same_extraction_twice_changes_nothing(store_uri: str, sample_doc: ProvDoc) -> None:
    push(sample_doc, store_uri, "demo")
    before = all_quads(store_uri)
    again = push(ProvDoc.from_json(sample_doc.to_json()), store_uri, "demo")
    assert not again.changed and again.unchanged == len(encode_units(sample_doc))
    assert all_quads(store_uri) == before


def test_a_newer_extraction_replaces_exactly_the_changed_units(
    store_uri: str, sample_doc: ProvDoc, sample_manifest
) -> None:
    push(sample_doc, store_uri, "demo")
    backend = open_store(store_uri)
    graphs_before = {k: e.graph for k, e in read_catalogue(backend, "demo").units.items()}
    run_id = sample_manifest.runs[0].run_id
    newer = with_run_status(sample_doc, f"mlflow:run/{run_id}", "KILLED")
    result = push(newer, store_uri, "demo")
    assert result.replaced == [f"run/{run_id}"] and not result.added and not result.removed
    graphs_after = {k: e.graph for k, e in read_catalogue(backend, "demo").units.items()}
    assert {k for k in graphs_after if graphs_after[k] != graphs_before[k]} == {f"run/{run_id}"}
    assert graphs_before[f"run/{run_id}"] not in backend.named_graphs()  # the old graph is gone
    assert load(store_uri, "demo")[0] == newer


def test_units_missing_from_a_full_push_are_removed_and_kept_with_prune_off(store_uri: str) -> None:
    big, small = synthetic(n_runs=6, metrics=2), synthetic(n_runs=4, metrics=2)
    push(big, store_uri, "p")
    kept = push(small, store_uri, "p", prune=False)
    assert not kept.changed and load(store_uri, "p")[0] == big
    pruned = push(small, store_uri, "p")
    assert sorted(pruned.removed) == [f"run/{i:032x}" for i in (4, 5)]
    assert load(store_uri, "p")[0] == small


def test_projects_live_side_by_side(store_uri: str) -> None:
    a, b = rich_doc(), synthetic(n_runs=3, metrics=1)
    push(a, store_uri, "alpha")
    push(b, store_uri, "beta")
    docs = {d.name: d for d in load(store_uri)}
    assert set(docs) == {"alpha", "beta"} and docs["alpha"] == a and docs["beta"] == b
    (only,) = load(store_uri, "beta", graph=f"run/{0:032x}")
    assert f"mlflow:run/{0:032x}" in only.elements and f"mlflow:run/{1:032x}" not in only.elements
    drop_project(store_uri, "alpha")
    assert [d.name for d in load(store_uri)] == ["beta"]
    assert not any("/project/alpha/" in g for g in open_store(store_uri).named_graphs())


def test_bad_input_is_one_line(store_uri: str, tmp_path: Path) -> None:
    push(rich_doc(), store_uri, "alpha")
    for call, words in (
        (lambda: load(store_uri, "nope"), "no project 'nope'; projects: alpha"),
        (lambda: load(store_uri, "alpha", graph="run/zzz"), "no unit or graph"),
        (lambda: push(ProvDoc(), store_uri), "needs a name"),
    ):
        with pytest.raises(Exception) as info:
            call()
        text = str(info.value)
        assert words in text and "\n" not in text


def test_ids_that_would_break_out_of_an_iri_are_refused_before_anything_is_written(store_uri: str) -> None:
    from mlflow2prov_jupyter.core.errors import DocumentFormatError
    from mlflow2prov_jupyter.core.provdoc import QName

    push(rich_doc(), store_uri, "alpha")
    before = all_quads(store_uri)
    evil = ProvDoc()
    evil.entity("mlflow:run/x> } } ; DROP ALL ; INSERT DATA { GRAPH <urn:g> { <urn:a", {"prov:type": QName("m2p:Run")})
    with pytest.raises(DocumentFormatError, match="not a valid IRI"):
        push(evil, store_uri, "evil")
    assert all_quads(store_uri) == before


def test_embedded_bad_locations(tmp_path: Path) -> None:
    afile = tmp_path / "afile"
    afile.write_text("x")
    with pytest.raises(StoreError, match="is a file"):
        open_store(afile)
    with pytest.raises(StoreError, match="does not exist; create it first"):
        open_store(tmp_path / "missing" / "store")
    with pytest.raises(StoreError, match="not supported"):
        open_store("neo4j://host/db")
    foreign = tmp_path / "foreign"
    st = ox.Store(str(foreign))
    st.add(ox.Quad(ox.NamedNode("http://ex.org/a"), ox.NamedNode("http://ex.org/b"), ox.Literal("c")))
    st.flush()
    del st
    with pytest.raises(StoreError, match="not a provenance store made by push"):
        push(rich_doc(), str(foreign), "x")
    close_store(foreign)


def test_a_store_open_in_another_process_is_one_line(tmp_path: Path) -> None:
    path = str(tmp_path / "busy")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import pyoxigraph, sys, time; s = pyoxigraph.Store({path!r}); print('open', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "open"
        with pytest.raises(StoreError, match="open in another process") as info:
            open_store(path)
        assert "\n" not in str(info.value)
    finally:
        holder.kill()
        holder.wait()


_PUSHER = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, {tests!r})
    from test_ops_load_save import synthetic
    from storecases import with_run_status
    from mlflow2prov_jupyter.store.push import push
    doc = with_run_status(synthetic(n_runs={runs}, metrics=4), "mlflow:run/", "KILLED")
    print("pushing", flush=True)
    push(doc, {store!r}, "big")
    print("done", flush=True)
    """
)


def test_a_push_killed_with_sigkill_leaves_every_unit_old_or_new_and_a_retry_completes(store_uri: str) -> None:
    store = store_uri
    embedded = not store.startswith("sparql+")
    # Virtuoso writes ~10× slower: a tenth of the runs keeps the kills within encoding, loading and the switch
    runs = 300 if "server=virtuoso" in store else 3000
    old = synthetic(n_runs=runs, metrics=4)
    new = with_run_status(old, "mlflow:run/", "KILLED")
    push(old, store, "big")
    if embedded:
        close_store(store)  # the pushing child opens the folder itself
    old_hash = {k: u.hash for k, u in encode_units(old).items()}
    new_hash = {k: u.hash for k, u in encode_units(new).items()}
    script = _PUSHER.format(tests=str(Path(__file__).parent), store=store, runs=runs)
    seen = []
    for delay in (0.5, 2.5, 6.0):  # while encoding, while loading new graphs, inside the switch
        proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
        assert proc.stdout.readline().strip() == "pushing"
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        cat = read_catalogue(open_store(store), "big")
        state = {k: e.hash for k, e in cat.units.items()}
        assert all(state[k] in (old_hash[k], new_hash[k]) for k in state) and set(state) == set(old_hash)
        assert load(store, "big")[0] in (old, new)
        seen.append("new" if state == new_hash else "old" if state == old_hash else "mixed")
        if embedded:
            close_store(store)
    retry = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert retry.returncode == 0, retry.stderr[-2000:]
    assert load(store, "big")[0] == new
    backend = open_store(store)
    current = {e.graph for e in read_catalogue(backend, "big").units.values()}
    assert {g for g in backend.named_graphs() if "/unit/" in g} == current  # no orphan left
    print("states after each kill:", json.dumps(seen))
