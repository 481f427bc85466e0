"""Child-process entry points: ``python -m bench.child <task> args…``, measured from outside.

Each task writes a JSON self-report (phase timings, counts) to ``--report``; the parent adds the wall
time, CPU time and peak RSS of the whole process (interpreter start included).

* ``genstore …``  — store generation steps (:mod:`.storegen`).
* ``extract``     — ``extract()`` + save PROV-JSON, every phase timed by wrapping the phase functions.
* ``floor``       — the same raw reads without PROV building (:mod:`.floor`).
* ``git``         — read_git + build_git against ``git log --all --raw -z -M``, alternated in one process.
* ``ops``         — load, save, merge, dedupe, pseudonymize, statistics on big documents.
* ``view``        — the graph view payload of a document.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
import time
from pathlib import Path
from typing import Any, Callable

_T0 = time.perf_counter()


class Phases:
    """Wall and CPU seconds per named phase (summed over calls)."""

    def __init__(self) -> None:
        self.wall: dict[str, float] = {}
        self.cpu: dict[str, float] = {}

    def add(self, name: str, wall: float, cpu: float) -> None:
        self.wall[name] = self.wall.get(name, 0.0) + wall
        self.cpu[name] = self.cpu.get(name, 0.0) + cpu

    def run(self, name: str, fn: Callable, *args: Any, **kw: Any) -> Any:
        w, c = time.perf_counter(), time.process_time()
        try:
            return fn(*args, **kw)
        finally:
            self.add(name, time.perf_counter() - w, time.process_time() - c)

    def wrap(self, module: Any, attr: str, name: str) -> None:
        """Replace ``module.attr`` by a timed wrapper (``extract_with`` imports phases at call time)."""
        fn = getattr(module, attr)

        @functools.wraps(fn)
        def timed(*args: Any, **kw: Any) -> Any:
            return self.run(name, fn, *args, **kw)

        setattr(module, attr, timed)

    def as_dict(self) -> dict[str, Any]:
        return {"phases": self.wall, "phases_cpu": self.cpu}


def _write(path: str, data: dict[str, Any]) -> None:
    data["in_process"] = time.perf_counter() - _T0
    Path(path).write_text(json.dumps(data, default=str))


def _profiled(path: str | None, fn: Callable[[], Any]) -> Any:
    if not path:
        return fn()
    import cProfile

    prof = cProfile.Profile()
    try:
        return prof.runcall(fn)
    finally:
        prof.dump_stats(path)


# ----------------------------------------------------------------------------------------- extract
def task_extract(a: argparse.Namespace) -> dict[str, Any]:
    ph = Phases()
    ph.run("import_package", __import__, "mlflow2prov_jupyter.core.extract")
    ph.run("import_mlflow", __import__, "mlflow")
    from mlflow2prov_jupyter.core import extract, link
    from mlflow2prov_jupyter.core.git import build as build_git
    from mlflow2prov_jupyter.core.git import reader as git_reader
    from mlflow2prov_jupyter.core.mlflow import build as build_mlflow
    from mlflow2prov_jupyter.core.mlflow import reader as mlflow_reader
    from mlflow2prov_jupyter.ops.save import save

    ph.wrap(git_reader, "read_git", "git_read")
    ph.wrap(build_git, "build_git", "git_build")
    ph.wrap(mlflow_reader, "read_mlflow", "mlflow_read")
    ph.wrap(build_mlflow, "build_mlflow", "mlflow_build")
    ph.wrap(link, "link", "link")

    def work() -> Any:
        doc = ph.run(
            "extract_other",
            extract.extract,
            a.repo or None,
            a.uri or None,
            metric_history=a.metric_history,
            store_key=a.store_key or None,
            progress=False,
        )
        paths = ph.run("save", save, doc, a.out, "json", overwrite=True)
        return doc, paths

    doc, paths = _profiled(a.profile, work)
    # "extract_other" was the whole extract() call: keep only what the named phases did not cover
    named = sum(ph.wall.get(k, 0.0) for k in ("git_read", "git_build", "mlflow_read", "mlflow_build", "link"))
    named_cpu = sum(ph.cpu.get(k, 0.0) for k in ("git_read", "git_build", "mlflow_read", "mlflow_build", "link"))
    ph.wall["extract_other"] -= named
    ph.cpu["extract_other"] -= named_cpu
    return {
        **ph.as_dict(),
        "elements": len(doc.elements),
        "relations": len(doc.relations),
        "json_bytes": sum(Path(p).stat().st_size for p in paths),
        "output": [str(p) for p in paths],
    }


def task_floor(a: argparse.Namespace) -> dict[str, Any]:
    from .floor import git_floor, mlflow_floor

    ph = Phases()
    ph.run("import_mlflow", __import__, "mlflow")
    counts: dict[str, Any] = {}
    if a.repo:
        counts["git_bytes"] = ph.run("git_walk", git_floor, a.repo)
    if a.uri:
        counts.update(ph.run("mlflow_reads", mlflow_floor, a.uri, a.metric_history))
    return {**ph.as_dict(), "counts": counts}


# --------------------------------------------------------------------------------------------- git
def task_git(a: argparse.Namespace) -> dict[str, Any]:
    """Alternate the floor and the extraction's git side ``repeat`` times in this process."""
    from mlflow2prov_jupyter.core.git.build import build_git
    from mlflow2prov_jupyter.core.git.reader import read_git
    from mlflow2prov_jupyter.core.options import ExtractOptions
    from mlflow2prov_jupyter.core.provdoc import ProvDoc

    from .floor import git_floor

    opts = ExtractOptions.from_kwargs(progress=False)
    rounds: list[dict[str, float]] = []
    elements = 0
    for _ in range(a.repeat):
        r: dict[str, float] = {}
        t = time.perf_counter()
        git_floor(a.repo)
        r["floor"] = time.perf_counter() - t
        t = time.perf_counter()
        hist = read_git(a.repo, opts, progress=False)
        r["git_read"] = time.perf_counter() - t
        doc = ProvDoc()
        t = time.perf_counter()
        build_git(doc, hist, opts)
        r["git_build"] = time.perf_counter() - t
        elements = len(doc.elements)
        rounds.append(r)
    if a.profile:  # one more round, profiled, not timed
        hist = _profiled(a.profile + ".read", lambda: read_git(a.repo, opts, progress=False))
        _profiled(a.profile + ".build", lambda: build_git(ProvDoc(), hist, opts))
    return {"rounds": rounds, "elements": elements}


# --------------------------------------------------------------------------------------------- ops
def task_ops(a: argparse.Namespace) -> dict[str, Any]:
    import tempfile

    from mlflow2prov_jupyter.ops import dedupe, load, merge, pseudonymize, save, statistics

    out: dict[str, list[float]] = {}

    def rec(name: str, fn: Callable, *args: Any, **kw: Any) -> Any:
        t = time.perf_counter()
        res = fn(*args, **kw)
        out.setdefault(name, []).append(time.perf_counter() - t)
        return res

    tmp = Path(tempfile.mkdtemp(prefix="bench-ops-"))
    sizes: dict[str, int] = {}
    for _ in range(a.repeat):
        doc = rec("load", load, a.doc)
        other = rec("load", load, a.doc2) if a.doc2 else doc
        rec("save_json", save, doc, tmp / "saved", "json", overwrite=True)
        merged = rec("merge", merge, [doc, other])
        rec("dedupe", dedupe, doc)
        rec("pseudonymize", pseudonymize, doc, key="bench-key")
        rec("statistics", statistics, doc, "fine", "table")
        sizes = {
            "elements": len(doc.elements),
            "relations": len(doc.relations),
            "other_elements": len(other.elements),
            "merged_elements": len(merged.elements),
            "merged_relations": len(merged.relations),
        }
        del doc, other, merged
    return {"ops": out, "sizes": sizes}


# -------------------------------------------------------------------------------------------- view
def task_view(a: argparse.Namespace) -> dict[str, Any]:
    """What the view module costs: the PROV-JSON sent for a document (thinned when big), and the offline
    page (``text/html`` output: the ``static/prov_view.js`` bundle + the gzipped data) drawing it."""
    import gzip

    from mlflow2prov_jupyter.notebook.display import VIEW_BUNDLE, mimebundle
    from mlflow2prov_jupyter.notebook.viewdata import sendable
    from mlflow2prov_jupyter.ops import load

    doc = load(a.doc)
    times: list[float] = []
    data: dict[str, Any] = {}
    view: dict[str, Any] = {}
    for _ in range(a.repeat):
        t = time.perf_counter()
        data, view = sendable(doc)
        times.append(time.perf_counter() - t)
    sent = json.dumps(data, separators=(",", ":")).encode()
    bundle = VIEW_BUNDLE.read_bytes() if VIEW_BUNDLE.is_file() else b""
    out: dict[str, Any] = {
        "payload_seconds": times,
        "elements": len(doc.elements),
        "payload_bytes": len(sent),
        "omitted": view.get("omitted"),
        "bundle_bytes": len(bundle),
        "bundle_gzip_bytes": len(gzip.compress(bundle, 9, mtime=0)),
    }
    if not bundle:
        out["paint"] = {"skipped": f"{VIEW_BUNDLE} is not built (cd labextension && jlpm build:prod)"}
        return out
    html_out = mimebundle(doc, include=["text/html"])[0]["text/html"]
    page = f'<!doctype html><html><head><meta charset="utf-8"></head><body style="margin:8px">{html_out}</body></html>'
    out["page_bytes"] = len(page.encode())
    out["paint"] = {}
    if a.page:
        Path(a.page).write_text(page, encoding="utf-8")
        if a.paint:
            out["paint"] = first_paint(Path(a.page), a.repeat)
    return out


# Records when the page marks the graph drawn (body[data-m2p-drawn]), in ms since navigation start.
_DRAWN_PROBE = """
new MutationObserver(function (_, obs) {
  if (document.body && document.body.hasAttribute("data-m2p-drawn")) {
    window.__m2pDrawnAt = performance.now(); obs.disconnect();
  }
}).observe(document, {attributes: true, subtree: true, attributeFilter: ["data-m2p-drawn"]});
"""
CHROMIUM = "/usr/bin/chromium"


def first_paint(page_path: Path, repeat: int) -> dict[str, Any]:
    """Open the graph page in headless Chromium ``repeat`` times (graph area 1100 px wide); time from
    navigation start until the view marks its first frame drawn, and what the view reports of itself."""
    import os

    if not os.path.exists(CHROMIUM):
        return {"skipped": f"{CHROMIUM} not found"}
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return {"skipped": "playwright is not installed"}
    since_navigation: list[float] = []
    outer: list[float] = []
    module: list[dict[str, Any]] = []
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        try:
            for _ in range(repeat):
                page = browser.new_page(viewport={"width": 1400, "height": 900})
                page.on("pageerror", lambda e: errors.append(str(e)))
                page.add_init_script(_DRAWN_PROBE)
                t = time.perf_counter()
                page.goto(page_path.as_uri())
                page.wait_for_selector("body[data-m2p-drawn]", timeout=120_000)
                outer.append(time.perf_counter() - t)
                since_navigation.append(page.evaluate("window.__m2pDrawnAt") / 1000.0)
                module.append(page.evaluate(_VIEW_FACTS))
                page.close()
        finally:
            browser.close()
    return {
        "first_paint_seconds": since_navigation,
        "goto_to_drawn_seconds": outer,
        "view": module,
        "errors": errors[:5],
    }


# What the view module says about its drawing (data attributes of its root element).
_VIEW_FACTS = """() => {
  const r = document.querySelector('.m2p-view');
  if (!r) return {};
  return {nodes: +r.dataset.nodeCount, edges: +r.dataset.edgeCount, module_ms: +r.dataset.firstPaintMs,
          timings: JSON.parse(r.dataset.timings || '{}'), scale: +r.dataset.scale};
}"""


def main(argv: list[str]) -> int:
    if argv and argv[0] == "genstore":
        from .storegen import main as gen

        return gen(argv[1:])
    p = argparse.ArgumentParser(prog="python -m bench.child")
    p.add_argument("task", choices=("extract", "floor", "git", "ops", "view"))
    p.add_argument("--repo", default="")
    p.add_argument("--uri", default="")
    p.add_argument("--metric-history", default="latest", choices=("latest", "all"))
    p.add_argument("--out", default="")
    p.add_argument("--store-key", default="")
    p.add_argument("--paint", action="store_true")
    p.add_argument("--doc", default="")
    p.add_argument("--doc2", default="")
    p.add_argument("--page", default="")
    p.add_argument("--repeat", type=int, default=1)
    p.add_argument("--profile", default="")
    p.add_argument("--report", required=True)
    a = p.parse_args(argv)
    result = globals()[f"task_{a.task}"](a)
    _write(a.report, result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
