"""Store suite (issue 14): push vs. pyoxigraph's bulk load, sync after one new run, cross-project lineage.

* **push** — ``store.push`` of the latest-metrics extraction at S into a fresh embedded store (encoding,
  loading, catalogue switch) against ``pyoxigraph.Store.bulk_load`` of the very N-Quads push writes, from
  a file, into another fresh store; alternated per round, the ratio taken per round, then the median.
* **sync** — a copy of the generated file store (and of the SQLite store) and its repository is synced once
  into a fresh store (full); one run is added through ``MlflowClient``; then ``mlflow2prov sync`` runs as a
  child process (incremental). Its wall time is reported beside a child that only starts the interpreter and
  imports the package and ``mlflow`` (the target: sync ≤ 1 s beyond that), split into the round's MLflow
  listing (a file store parses every run for any search) and the rest, and beside a round with no change.
* **lineage** — 10 projects (the S=1 extraction under 10 store keys: Git history, agents and data sets
  shared, so the linked document links them) pushed into one store; warm ``linked_document`` + upstream
  lineage (``store.links.linked_lineage``: the linked document's adjacency cached with it) of a model
  version of the last project, timed after a first (cold) call.
"""

from __future__ import annotations

import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from ..cache import child_env, ensure_store
from ..measure import load_average
from . import Context


def _doc(ctx: Context, scale: float):
    from mlflow2prov_jupyter.core.provdoc import ProvDoc

    from .ops import document_a

    path = document_a(ctx, scale)
    return ProvDoc.from_json(path.read_bytes(), name=f"s{scale:g}"), path


def push_vs_bulk(ctx: Context, scale: float) -> dict[str, Any]:
    import pyoxigraph as ox

    from mlflow2prov_jupyter.store import close_store, push
    from mlflow2prov_jupyter.store.catalogue import graph_iri
    from mlflow2prov_jupyter.store.units import encode_units

    doc, path = _doc(ctx, scale)
    units = encode_units(doc)
    work = Path(tempfile.mkdtemp(prefix="bench-store-", dir=ctx.out))
    nq = work / "doc.nq"
    with open(nq, "w", encoding="utf-8") as fh:
        for key, u in units.items():
            tail = f" <{graph_iri('bench', key, u.hash)}> .\n"
            fh.write(tail.join(line[:-2] for line in u.lines) + tail)
    triples = sum(u.size for u in units.values())
    rows = []
    for i in range(ctx.repeat):
        order = ("push", "bulk") if i % 2 == 0 else ("bulk", "push")
        row: dict[str, float] = {}
        for what in order:
            target = work / f"{what}-{i}"
            t = time.perf_counter()
            if what == "push":
                push(doc, str(target), "bench")
                close_store(str(target))
            else:
                st = ox.Store(str(target))
                st.bulk_load(path=str(nq), format=ox.RdfFormat.N_QUADS)
                st.flush()
                del st
            row[what] = time.perf_counter() - t
            shutil.rmtree(target, ignore_errors=True)
        row["ratio"] = row["push"] / row["bulk"]
        rows.append(row)
        ctx.log(
            f"store push S={scale:g}: push {row['push']:.2f} s, bulk load {row['bulk']:.2f} s, ratio {row['ratio']:.2f}"
        )
    shutil.rmtree(work, ignore_errors=True)
    return {
        "scale": scale,
        "elements": len(doc.elements),
        "relations": len(doc.relations),
        "units": len(units),
        "triples": triples,
        "push_s": statistics.median(r["push"] for r in rows),
        "bulk_load_s": statistics.median(r["bulk"] for r in rows),
        "ratio": statistics.median(r["ratio"] for r in rows),
        "rounds": rows,
    }


def _child(args: list[str], cwd: Path) -> tuple[float, str]:
    t = time.perf_counter()
    out = subprocess.run(
        [sys.executable, *args], cwd=cwd, env=child_env(), capture_output=True, text=True, timeout=1800
    )
    wall = time.perf_counter() - t
    if out.returncode:
        raise RuntimeError(f"{' '.join(args[:3])} failed: {out.stderr[-2000:]}")
    return wall, out.stdout.strip()


def _listing(line: str) -> float:
    """The listing seconds a sync line reports (``[… s, listing 0.31 s]``)."""
    m = re.search(r"listing ([0-9.]+) s\]", line)
    return float(m.group(1)) if m else 0.0


def _round(line: str) -> float:
    """The seconds of the round itself a sync line reports (``[1.20 s, …]``: after imports and store opening)."""
    m = re.search(r"\[([0-9.]+) s", line)
    return float(m.group(1)) if m else 0.0


_NEW_RUN = """
import sys, mlflow
client = mlflow.MlflowClient(tracking_uri=sys.argv[1])
exp = client.get_experiment_by_name("bench-train").experiment_id
run = client.create_run(exp, run_name="one-more", tags={"mlflow.user": "alice"})
client.log_param(run.info.run_id, "alpha", "0.5")
client.log_metric(run.info.run_id, "loss", 0.25)
client.set_terminated(run.info.run_id)
"""


def sync_one_run(ctx: Context, scale: float, kind: str = "file") -> dict[str, Any]:
    """Sync after one new run on a copy of the ``kind`` store (file or sqlite) at ``scale``: wall times of the
    child processes, the round's own listing time (what grows with a file store), the mode it ran in."""
    info = ensure_store(scale, (kind,), ctx.cache, workers=ctx.workers, sqlite_mode=ctx.sqlite_mode, log=ctx.log)
    work = Path(tempfile.mkdtemp(prefix="bench-sync-", dir=ctx.out))
    try:
        if kind == "file":
            mlruns = work / "mlruns"
            shutil.copytree(Path(info.root) / "mlruns", mlruns, symlinks=True)
            uri = mlruns.as_uri()
        else:  # the database is copied; its runs' artifacts stay in the cached file store's folders (read only)
            shutil.copy2(Path(info.root) / "mlflow.db", work / "mlflow.db")
            uri = f"sqlite:///{work / 'mlflow.db'}"
        store = str(work / "store")
        sync = [
            "-m",
            "mlflow2prov_jupyter",
            "--no-progress",
            "sync",
            "--repo",
            info.repo,
            "--tracking-uri",
            uri,
            "--store",
            store,
            "--project",
            "bench",
            "--metric-history",
            "latest",
        ]
        first, _ = _child(sync, work)
        rows = []
        for _ in range(ctx.repeat):
            baseline, _ = _child(["-c", "import mlflow2prov_jupyter, mlflow, mlflow2prov_jupyter.store"], work)
            _child(["-c", _NEW_RUN, uri], work)
            one_run, line = _child(sync, work)
            idle, idle_line = _child(sync, work)
            rows.append(
                {
                    "baseline": baseline,
                    "sync_one_run": one_run,
                    "sync_no_change": idle,
                    "beyond_baseline": one_run - baseline,
                    "listing": _listing(line),
                    "beyond_baseline_and_listing": one_run - baseline - _listing(line),
                }
            )
            ctx.log(f"store sync S={scale:g} {kind}: {line}")
            ctx.log(
                f"store sync S={scale:g} {kind}: one new run {one_run:.2f} s, no change {idle:.2f} s, interpreter + "
                f"imports {baseline:.2f} s"
            )
        return {
            "scale": scale,
            "store": kind,
            "first_sync_s": first,
            "line": line,
            "incremental": "incremental" in line,
            **{k: statistics.median(r[k] for r in rows) for k in rows[0]},
            "rounds": rows,
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)


def cross_project_lineage(ctx: Context, scale: float = 1.0, projects: int = 10) -> dict[str, Any]:
    from mlflow2prov_jupyter.core.namespaces import MLFLOW
    from mlflow2prov_jupyter.core.provdoc import ProvDoc, QName
    from mlflow2prov_jupyter.query.lineage import lineage, resolve_node
    from mlflow2prov_jupyter.store import close_store, linked_document, links, push
    from mlflow2prov_jupyter.store.backends import open_store
    from mlflow2prov_jupyter.store.catalogue import read_catalogue
    from mlflow2prov_jupyter.store.links import linked_lineage
    from mlflow2prov_jupyter.store.reach import lineage_document

    doc, _ = _doc(ctx, scale)
    work = Path(tempfile.mkdtemp(prefix="bench-cross-", dir=ctx.out))
    store = str(work / "store")
    try:
        text = doc.to_json_bytes()
        for i in range(projects):
            d = ProvDoc.from_json(text, name=f"p{i}")
            d.prefixes["mlflow"] = f"{MLFLOW}p{i}/"  # what store_key="p<i>" makes of the same store
            push(d, store, f"p{i}")
        links._CACHE.clear()
        # The question: upstream of the last project's highest model version (by id), named by its full IRI.
        last = max(e.id for e in doc.elements.values() if QName("m2p:ModelVersion") in e.types)
        node = f"{MLFLOW}p{projects - 1}/{last.split(':', 1)[1]}"
        # Cold, unit-wise (store/reach.py): only the units the answer needs are read; nothing is cached.
        t = time.perf_counter()
        partial, reader = lineage_document(store, node, "up")  # type: ignore[misc]
        unitwise_up = lineage(partial, node)
        cold_units = time.perf_counter() - t
        units_in_store = sum(len(read_catalogue(open_store(store), f"p{i}").units) for i in range(projects))
        # Cold, whole store: every project decoded, merged and linked (what every question cost before).
        links._CACHE.clear()
        t = time.perf_counter()
        linked = linked_document(store)
        cold = time.perf_counter() - t
        version = resolve_node(linked, node)
        assert linked_lineage(store, version) == lineage(linked, version)  # the fast path answers the same
        assert unitwise_up == lineage(linked, version)  # and so do the units read
        warm = []
        for _ in range(max(3, ctx.repeat)):
            t = time.perf_counter()
            up = linked_lineage(store, version, direction="up")
            warm.append(time.perf_counter() - t)
        alternates = sum(1 for r in linked.relations if r.kind == "alternateOf")
        ctx.log(
            f"store lineage over {projects} projects of S={scale:g}: cold {cold:.2f} s (unit-wise {cold_units:.2f} s, "
            f"{reader.graphs_read} of {units_in_store} units read), warm {statistics.median(warm) * 1000:.0f} ms"
        )
        close_store(store)
        return {
            "projects": projects,
            "scale": scale,
            "elements": len(linked.elements),
            "relations": len(linked.relations),
            "cross_project_links": alternates,
            "lineage_elements": len(up.elements),
            "cold_s": cold,
            "cold_units_s": cold_units,
            "units_read": reader.graphs_read,
            "units_in_store": units_in_store,
            "warm_ms": statistics.median(warm) * 1000,
            "warm_rounds_ms": [w * 1000 for w in warm],
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(
    ctx: Context, scales: list[float], lineage_scale: float = 1.0, stores: tuple[str, ...] = ("file", "sqlite")
) -> dict[str, Any]:
    before = load_average()
    res: dict[str, Any] = {"push": [push_vs_bulk(ctx, s) for s in scales]}
    res["sync"] = [sync_one_run(ctx, s, kind) for s in scales for kind in stores]
    res["lineage"] = cross_project_lineage(ctx, lineage_scale)
    res["load_average"] = [before, load_average()]
    return res


def render(res: dict[str, Any]) -> str:
    """The store suite's figures against the issue 14 targets."""
    lines = ["store (issue 14)", "| measurement | target | measured |", "|---|---|---|"]
    for p in res.get("push", []):
        lines.append(
            f"| push S={p['scale']:g} ({p['triples']:,} triples, {p['units']:,} units) / bulk load of the same "
            f"N-Quads | ≤ 2× | {p['ratio']:.2f}× ({p['push_s']:.2f} s / {p['bulk_load_s']:.2f} s) |"
        )
    for s in res.get("sync", []):
        mode = "incremental" if s.get("incremental", True) else "full"
        whole, listing = _round(s.get("line", "")), _listing(s.get("line", ""))
        lines.append(
            f"| sync after one new run, S={s['scale']:g}, {s.get('store', 'file')} store, beyond interpreter + "
            f"imports | ≤ 1 s | {s['beyond_baseline']:.2f} s ({mode}: {s['sync_one_run']:.2f} s − "
            f"{s['baseline']:.2f} s; the round {whole:.2f} s = MLflow listing {listing:.2f} s + read, build, push "
            f"{whole - listing:.2f} s; no-change round {s['sync_no_change']:.2f} s; first (full) sync "
            f"{s['first_sync_s']:.2f} s) |"
        )
    lg = res.get("lineage")
    if lg:
        lines.append(
            f"| lineage across {lg['projects']} projects of S={lg['scale']:g}, warm | ≤ 200 ms | {lg['warm_ms']:.0f} "
            f"ms (cold {lg['cold_s']:.2f} s; {lg['cross_project_links']} cross-project links) |"
        )
    if lg and "cold_units_s" in lg:
        lines.append(
            f"| the same question cold, reading only the units it needs | < 1 s | {lg['cold_units_s']:.2f} s "
            f"({lg['units_read']} of {lg['units_in_store']} units read; whole store cold {lg['cold_s']:.2f} s) |"
        )
    return "\n".join(lines)
