"""End to end: the demo and the sample project's extraction against its ground truth (the README: test_readme.py)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import prov
import pytest
from click.testing import CliRunner

from mlflow2prov_jupyter.cli import cli
from mlflow2prov_jupyter.core.extract import extract
from mlflow2prov_jupyter.core.provdoc import ProvDoc
from mlflow2prov_jupyter.ops.load import load
from mlflow2prov_jupyter.ops.save import save

ROOT = Path(__file__).resolve().parents[1]


def _cli_command() -> list[str]:
    exe = shutil.which("mlflow2prov")
    return [exe] if exe else [sys.executable, "-m", "mlflow2prov_jupyter"]


def test_demo_command_creates_extracts_and_saves(tmp_path):
    target = tmp_path / "demo"
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    result = subprocess.run(
        _cli_command() + ["demo", str(target)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    out = target / "provenance.json"
    assert f"saved {out}" in result.stdout
    assert re.search(r"elements\s+Entity\s+\d+", result.stdout)
    document = prov.read(str(out))
    assert len(document.get_records()) == len(ProvDoc.from_json(out.read_text()))
    assert not (tmp_path / "mlruns").exists() and not (tmp_path / "mlflow.db").exists()
    # a second demo into the same folder is refused in one line, nothing lost
    again = subprocess.run(
        _cli_command() + ["demo", str(target)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )
    assert again.returncode != 0
    assert again.stderr.strip().count("\n") == 0 and "Traceback" not in again.stderr
    assert out.exists()


def _ids(doc: ProvDoc, prov_type: str) -> set[str]:
    return {e.id for e in doc.of_type(prov_type)}


def test_sample_extraction_matches_the_manifest(sample_manifest, sample_doc):
    m, doc = sample_manifest, sample_doc
    assert _ids(doc, "m2p:Run") == {f"mlflow:run/{r.run_id}" for r in m.runs}
    for run in m.runs:
        el = doc[f"mlflow:run/{run.run_id}"]
        assert el.get("m2p:status") == run.status
        assert el.get("m2p:name") == run.name
    assert {f"git:commit/{c.sha}" for c in m.commits} <= _ids(doc, "m2p:Commit")
    assert {f"user:mlflow/{u}" for u in m.users.mlflow} == _ids(doc, "m2p:MlflowUser")
    assert {e.id for e in doc.of_type("m2p:GitUser")} == {
        "user:git/" + email.replace("@", "%40") for email in m.users.git_emails
    }
    assert {f"mlflow:model/{lm.model_id}" for lm in m.logged_models} == _ids(doc, "m2p:LoggedModel")
    for rm in m.registered_models:
        name = rm.name
        assert f"mlflow:registered-model/{name}" in doc
        for v in rm.versions:
            assert f"mlflow:registered-model/{name}/version/{v.version}" in doc
        for alias, version in rm.aliases.items():
            assert f"mlflow:registered-model/{name}/alias/{alias}/{version}" in doc
    # every run of the tagged commit is linked to it (#45) and used the training script's revision (#46)
    informed = {(r.args[0], r.args[1]) for r in doc.relations_of("wasInformedBy")}
    used = {(r.args[0], r.args[1]) for r in doc.relations_of("used") if "EntryPoint" in r.roles}
    for run in m.runs:
        if run.commit:
            rc = f"mlflow:run/{run.run_id}/creation"
            assert (rc, f"git:commit/{run.commit}") in informed
            assert any(a == rc and b.endswith("/src/train.py") for a, b in used)
    # no duplicates, and prov reads what we write
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert prov.model.ProvDocument.deserialize(content=doc.to_json(), format="json") == doc.to_prov()


def test_case_21_59_extraction_is_deterministic(sample_manifest, sample_doc):
    again = extract(sample_manifest.repo_path, sample_manifest.tracking_uri)
    assert again.to_json() == sample_doc.to_json()


@pytest.mark.parametrize("fmt", ["json", "xml", "rdf", "jsonld", "provn"])
def test_case_70_round_trip_of_the_sample_extraction(tmp_path, sample_doc, fmt):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        (path,) = save([sample_doc], tmp_path / "out", formats=(fmt,))
        back = load(path)
    assert len(back) == len(sample_doc)
    assert back == sample_doc


def test_case_66_extract_extract_merge_save(tmp_path, sample_manifest):
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli,
        [
            "extract",
            "--repo",
            sample_manifest.repo_path,
            "extract",
            "--tracking-uri",
            sample_manifest.tracking_uri,
            "merge",
            "save",
            "-o",
            str(out),
            "-f",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["out.json"]
    merged = load(out.with_suffix(".json"))
    both = extract(sample_manifest.repo_path, sample_manifest.tracking_uri)
    git_only = extract(sample_manifest.repo_path)
    mlflow_only = extract(tracking_uri=sample_manifest.tracking_uri)
    assert set(merged.elements) == set(git_only.elements) | set(mlflow_only.elements)
    # the union lacks only the Git↔MLflow links, which need both sides in one extraction
    link_kinds = {("wasInformedBy", "m2p:RunCreation"), ("used", "EntryPoint")}
    assert len(merged.relations) == len(git_only.relations) + len(mlflow_only.relations)
    assert len(both.relations) > len(merged.relations) and link_kinds


def test_pseudonymized_sample_contains_no_clear_names_in_any_format(tmp_path, sample_manifest, sample_doc):
    from mlflow2prov_jupyter.ops.transform import transform

    doc = transform(sample_doc, pseudonymize=True, key="k3y", scrub_text=True)
    paths = save([doc], tmp_path / "shared", formats=("json", "xml", "rdf", "provn", "jsonld", "dot"))
    clear = set(sample_manifest.users.git_emails) | set(sample_manifest.users.mlflow)
    clear |= {u.name for u in sample_manifest.users.git}
    for path in paths:
        data = path.read_bytes().lower()
        for text in clear:
            needle = text.lower().encode()
            assert not re.search(rb"(?<![a-z0-9])" + re.escape(needle) + rb"(?![a-z0-9])", data), (path.name, text)


def test_case_75_yaml_use_pseudonyms_false_is_not_applied(tmp_path, sample_manifest):
    base = [
        "- extract: "
        f"{{repo: '{sample_manifest.repo_path}', tracking_uri: '{sample_manifest.tracking_uri}', "
        "metric_history: latest}"
    ]
    for flag, expect_clear in (("false", True), ("true", False)):
        config = tmp_path / f"p-{flag}.yaml"
        out = tmp_path / f"out-{flag}"
        config.write_text(
            "\n".join(base + [f"- transform: {{use_pseudonyms: {flag}}}", f"- save: {{output: '{out}'}}"]) + "\n"
        )
        result = CliRunner().invoke(cli, ["--config", str(config)])
        assert result.exit_code == 0, result.output
        text = out.with_suffix(".json").read_text()
        assert ("user:mlflow/alice" in text) is expect_clear
