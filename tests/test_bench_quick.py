"""``python -m bench --quick`` runs end to end (so the harness cannot rot) and reports sane numbers.

No timing is asserted: figures come from the harness, never from timed tests (issue 7).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("bench")
    out, cache = tmp / "out", tmp / "cache"
    before = {p for p in ("mlruns", "mlflow.db") if (ROOT / p).exists()}
    env = dict(os.environ)
    env.pop("MLFLOW_TRACKING_URI", None)
    proc = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--out", str(out), "--cache", str(cache)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    after = {p for p in ("mlruns", "mlflow.db") if (ROOT / p).exists()}
    assert after == before, "the bench left MLflow state in the working directory"
    return json.loads((out / "bench.json").read_text()), proc.stdout, out, cache


def _types(path: str) -> Counter:
    data = json.loads(Path(path).read_text())
    c: Counter = Counter()
    for kind in ("entity", "activity", "agent"):
        for attrs in data.get(kind, {}).values():
            t = attrs.get("prov:type")
            for v in t if isinstance(t, list) else [t]:
                c[v["$"] if isinstance(v, dict) else v] += 1
    return c


def test_quick_writes_every_suite_table_json_and_plot(quick):
    res, stdout, out, _ = quick
    assert set(res) >= {"meta", "extract", "git", "ops", "view", "targets"}
    assert res["meta"]["quick"] is True and res["meta"]["cpus"] >= 1
    for title in ("Extraction", "Git walk", "Operations", "Graph view", "Targets"):
        assert title in stdout
    png = out / "bench.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # no target applies at the quick scale
    assert len(res["targets"]) == 10 and all(t["met"] is None for t in res["targets"])


def test_quick_extract_rows_cover_both_stores_and_modes_with_phases_and_floor(quick):
    res = quick[0]
    rows = res["extract"]["rows"]
    assert {(r["store"], r["metric_history"]) for r in rows} == {
        ("file", "latest"),
        ("file", "all"),
        ("sqlite", "latest"),
        ("sqlite", "all"),
    }
    for r in rows:
        assert r["runs"] == 10
        e, f = r["extract"], r["floor"]
        assert e["wall"]["median"] > 0 and e["cpu"]["median"] > 0 and e["rss_mb"] > 20
        assert f["wall"]["median"] > 0 and f["rss_mb"] > 20
        assert set(e["phases"]) >= {"startup", "imports", "git", "mlflow_read", "build", "save"}
        assert e["phases"]["mlflow_read"] > 0 and e["phases"]["save"] > 0
        assert set(r["ratios"]) >= {"total_wall", "total_cpu", "imports", "git", "mlflow_read"}
        assert all(v is None or v > 0 for v in r["ratios"].values())
        counts = f["counts"]
        assert counts["runs"] == 10 and counts["logged_models"] == 1 and counts["versions"] == 6
        assert counts["metric_points"] == (10 * 4 * 50 if r["metric_history"] == "all" else 10 * 4)
        assert counts["artifacts"] == 10 * 3 and counts["git_bytes"] > 0
        assert r["elements"] > 0 and r["relations"] > r["elements"] / 2
    by = {(r["store"], r["metric_history"]): r for r in rows}
    # latest-only is a subset of the full history
    assert by["file", "latest"]["elements"] < by["file", "all"]["elements"]


def test_quick_generated_store_holds_what_the_generator_promises(quick):
    res = quick[0]
    by = {(r["store"], r["metric_history"]): r for r in res["extract"]["rows"]}
    for store in ("file", "sqlite"):
        full = _types(by[store, "all"]["output"][0])
        assert full["m2p:Run"] == 10 and full["m2p:Experiment"] == 4  # 3 + Default
        assert full["m2p:Metric"] == 10 * 4 * 50 and full["m2p:Param"] == 10 * 5
        assert full["m2p:RunDeletion"] == 1  # one deleted run per 200 (at least one)
        assert full["m2p:LoggedModel"] == 1
        assert full["m2p:RegisteredModel"] == 2 and full["m2p:ModelVersion"] == 6 and full["m2p:ModelAlias"] == 4
        assert full["m2p:Commit"] == 10  # the repository of S=0.05 (40·S, at least 10 commits)
        latest = _types(by[store, "latest"]["output"][0])
        assert latest["m2p:Metric"] == 10 * 4


def test_quick_git_ops_and_view_suites_report_numbers(quick):
    res = quick[0]
    g = res["git"]
    assert g["commits"] == 200 and g["merges"] > 0 and g["renames"] > 0
    assert g["floor_seconds"] > 0 and g["git_read_seconds"] > 0 and g["ratio"] > 0 and g["elements"] > 200
    ops = res["ops"]
    for variant in ("disjoint", "same"):
        assert set(ops[variant]["ops"]) == {"load", "save_json", "merge", "dedupe", "pseudonymize", "statistics"}
        assert all(v["median"] > 0 for v in ops[variant]["ops"].values())
    a = ops["same"]["sizes"]
    assert a["merged_elements"] == a["elements"]  # A merged with itself
    d = ops["disjoint"]["sizes"]
    assert d["elements"] < d["merged_elements"] < d["elements"] + d["other_elements"]  # Git side and agents shared
    v = res["view"]
    assert v["elements"] == a["elements"] and v["nodes"] > 0 and v["edges"] > 0
    assert v["payload_mb"] > 0 and v["payload_seconds"] > 0
    assert "first_paint_seconds" in v or v["first_paint_skipped"]


def test_quick_caches_generated_inputs_by_scale_and_generator_version(quick):
    cache = quick[3]
    from bench import GEN_VERSION

    root = cache / f"v{GEN_VERSION}"
    assert (root / "store-s0p05" / "file.done").exists() and (root / "store-s0p05" / "sqlite.done").exists()
    assert (root / "git-200x50" / "meta.json").exists()
