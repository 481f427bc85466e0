"""`%mlflow2prov` and `%%mlflow2prov` through a real IPython shell: every verb, chains, variables as
arguments, storing results, the cell pipeline, and every kind of bad argument."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from IPython.core.error import UsageError
from test_display import small_doc

from mlflow2prov_jupyter.core.provdoc import ProvDoc, QName
from mlflow2prov_jupyter.notebook.explorer import Explorer
from mlflow2prov_jupyter.notebook.magics import MagicError, MagicSession, execute, parse_line
from mlflow2prov_jupyter.ops.load import load
from mlflow2prov_jupyter.ops.merge import merge
from mlflow2prov_jupyter.ops.save import save
from mlflow2prov_jupyter.ops.statistics import statistics
from mlflow2prov_jupyter.ops.transform import transform
from mlflow2prov_jupyter.query import Passport, lineage, passport

KEY = "k3y-for-tests"


def ipython_shell():
    """IPython's test shell; ``globalipapp.get_ipython`` returns None once another module started it."""
    from IPython.testing import globalipapp

    globalipapp.start_ipython()
    return globalipapp.get_ipython()


@pytest.fixture(scope="module")
def ip():
    shell = ipython_shell()
    shell.run_line_magic("load_ext", "mlflow2prov_jupyter")
    return shell


@pytest.fixture(scope="module")
def extracted(ip, sample_manifest):
    cwd_before = set(os.listdir("."))
    m = sample_manifest
    out = ip.run_line_magic(
        "mlflow2prov", f"extract --repo {m.repo_path} --tracking-uri {m.tracking_uri} -o extracted_doc"
    )
    assert set(os.listdir(".")) == cwd_before  # no mlruns/ or mlflow.db left in the cwd
    return out


@pytest.fixture()
def ns(ip):
    """The user namespace with two small documents; variables made by a test are removed after it."""
    before = set(ip.user_ns)
    a = small_doc(runs=1, steps=2)
    b = small_doc(runs=2, steps=1)
    b.name = "other"
    ip.user_ns.update(a=a, b=b)
    yield ip.user_ns
    for k in set(ip.user_ns) - before:
        ip.user_ns.pop(k, None)


def run(ip, line: str):
    return ip.run_line_magic("mlflow2prov", line)


def one_line_usage(ip, line: str) -> str:
    with pytest.raises(UsageError) as info:
        run(ip, line)
    msg = str(info.value)
    assert "\n" not in msg and msg.startswith("%mlflow2prov")
    return msg


# ------------------------------------------------------------------------------------------- verbs
def test_load_ext_registers_line_and_cell_magic_and_rich_display(ip):
    assert ip.find_line_magic("mlflow2prov") is not None
    assert ip.find_cell_magic("mlflow2prov") is not None
    assert set(small_doc()._repr_mimebundle_()[0]) == {"application/vnd.prov+json", "text/html", "text/plain"}


def test_extract_returns_the_document_and_stores_it(ip, sample_manifest, sample_doc, extracted):
    assert isinstance(extracted, ProvDoc)
    assert ip.user_ns["extracted_doc"] is extracted
    assert extracted == sample_doc  # the same as extract() called from Python
    for r in sample_manifest.runs:
        assert f"mlflow:run/{r.run_id}" in extracted
    for c in sample_manifest.commits:
        assert f"git:commit/{c.sha}" in extracted


def test_assignment_form_and_load_of_a_file(ip, ns, tmp_path):
    save([ns["a"]], tmp_path / "a", formats=("json",))
    path = tmp_path / "a.json"
    result = ip.run_cell(f"loaded = %mlflow2prov load {path}")
    assert result.success
    assert ns["loaded"] == ns["a"]
    # IPython expands {variables} in the line
    ns["where"] = str(path)
    assert ip.run_cell("again = %mlflow2prov load {where}").success
    assert ns["again"] == ns["a"]


def test_load_names_variables_and_files_together(ip, ns, tmp_path):
    save([ns["b"]], tmp_path / "b", formats=("json",))
    both = run(ip, f"load a load {tmp_path / 'b.json'}")
    assert isinstance(both, list) and len(both) == 2
    assert both[0] is ns["a"] and both[1] == ns["b"]


def test_merge_variables_with_o(ip, ns):
    assert run(ip, "merge a b -o c") is ns["c"]
    assert ns["c"] == merge([ns["a"], ns["b"]])
    ns["pair"] = [ns["a"], ns["b"]]
    assert run(ip, "merge pair --on-conflict first --out d") == ns["c"]
    assert ns["d"] == ns["c"]


def test_save_keeps_its_own_o_and_stores_with_as(ip, ns, tmp_path, capsys):
    out = tmp_path / "saved"
    assert run(ip, f"save a -o {out} -f json -f provn --as kept") is None
    assert ns["kept"] is ns["a"]
    assert load(tmp_path / "saved.json") == ns["a"]
    assert (tmp_path / "saved.provn").stat().st_size > 0
    assert f"saved {out}.json" in capsys.readouterr().out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["saved.json", "saved.provn"]  # no temp files left


def test_transform_variables(ip, ns):
    t = run(ip, f"transform a --pseudonymize --key {KEY} -o t")
    assert t is ns["t"]
    assert t == transform(ns["a"], pseudonymize=True, key=KEY)
    assert not any(k.startswith("user:git/") for k in t.elements)
    both = run(ip, "transform a b --no-eliminate-duplicates")
    assert isinstance(both, list) and both == [
        transform(ns["a"], eliminate_duplicates=False),
        transform(ns["b"], eliminate_duplicates=False),
    ]


def test_stats_and_statistics_print_the_table(ip, ns, capsys):
    assert run(ip, "stats a") is None
    assert capsys.readouterr().out == statistics(ns["a"])
    assert run(ip, "statistics a --resolution fine --format csv") is None
    assert capsys.readouterr().out == statistics(ns["a"], resolution="fine", format="csv")


def test_chain_stops_at_command_names(ip, ns, tmp_path, capsys):
    save([ns["a"]], tmp_path / "a", formats=("json",))
    save([ns["b"]], tmp_path / "b", formats=("json",))
    merged = run(
        ip,
        f"load {tmp_path / 'a.json'} load {tmp_path / 'b.json'} merge transform --pseudonymize --key {KEY} --as "
        "chained",
    )
    assert merged is ns["chained"]
    assert merged == transform(merge([ns["a"], ns["b"]]), pseudonymize=True, key=KEY)
    assert run(ip, f"load {tmp_path / 'a.json'} statistics --resolution fine") is None
    assert capsys.readouterr().out == statistics(ns["a"], resolution="fine")


def test_show_opens_the_explorer_on_a_document(ip, ns):
    assert run(ip, "show a --as ex") is None
    ex = ns["ex"]
    assert isinstance(ex, Explorer)
    assert ex.documents == [ns["a"]] and ex.current is ns["a"]
    assert ProvDoc.from_json(ex.graph.doc) == ns["a"]  # the graph module draws the document itself


def test_explore_opens_an_empty_explorer(ip, ns):
    assert run(ip, "explore --as ex") is None
    assert isinstance(ns["ex"], Explorer) and ns["ex"].documents == []
    assert ns["ex"].namespace is ns


def test_help_is_printed(ip, capsys):
    assert run(ip, "") is None
    assert "Usage: %mlflow2prov" in capsys.readouterr().out
    assert run(ip, "--help") is None
    out = capsys.readouterr().out
    for verb in ("extract", "load", "save", "merge", "transform", "stats", "statistics", "show", "explore", "demo"):
        assert f"  {verb} " in out
    assert "--as NAME" in out
    assert run(ip, "save --help") is None
    assert "-o, --output" in capsys.readouterr().out


def test_demo_creates_and_extracts_the_sample_project(ip, ns, tmp_path, capsys):
    target = tmp_path / "demo"
    doc = run(ip, f"--no-progress demo {target} --as demo_doc")
    assert isinstance(doc, ProvDoc) and ns["demo_doc"] is doc
    assert (target / "provenance.json").is_file()
    assert load(target / "provenance.json") == doc
    assert "saved" in capsys.readouterr().out


# --------------------------------------------------------------------------------------- cell magic
def test_cell_magic_runs_a_yaml_pipeline(ip, ns, tmp_path, capsys):
    save([ns["b"]], tmp_path / "b", formats=("json",))
    cell = f"""
- load: a
- load: "{tmp_path / "b.json"}"
- merge
- transform: {{pseudonymize: true, key: {KEY}}}
- save: {{output: "{tmp_path / "piped"}", format: [json]}}
- statistics: {{resolution: fine}}
"""
    assert ip.run_cell_magic("mlflow2prov", "--as piped --no-progress", cell) is None  # ends in statistics
    expected = transform(merge([ns["a"], ns["b"]]), pseudonymize=True, key=KEY)
    assert ns["piped"] == expected
    assert load(tmp_path / "piped.json") == expected
    assert statistics(expected, resolution="fine") in capsys.readouterr().out
    value = ip.run_cell_magic("mlflow2prov", "", "- load: a\n")
    assert value is ns["a"]


def test_cell_magic_through_run_cell(ip, ns):
    result = ip.run_cell("%%mlflow2prov --as via_cell\n- load: a\n- load: b\n- merge: {on_conflict: first}\n")
    assert result.success
    assert ns["via_cell"] == merge([ns["a"], ns["b"]])


@pytest.mark.parametrize(
    "header,cell,fragment",
    [
        ("", "# only a comment\n", "is empty"),
        ("", "- extract: [unclosed\n", "not valid YAML"),
        ("", "- frobnicate: {}\n", "unknown step 'frobnicate'"),
        ("", "- save: {outptu: x}\n", "unknown option 'outptu'"),
        ("", "- statistics: {resolution: medium}\n", "resolution must be one of coarse, fine"),
        ("--bogus", "- load: a\n", "unknown argument '--bogus'"),
        ("--as", "- load: a\n", "--as needs a variable name"),
        ("--as 9lives", "- load: a\n", "not a valid variable name"),
    ],
)
def test_cell_magic_bad_arguments(ip, ns, header, cell, fragment):
    with pytest.raises(UsageError) as info:
        ip.run_cell_magic("mlflow2prov", header, cell)
    assert fragment in str(info.value) and "\n" not in str(info.value)


# ------------------------------------------------------------------------------------ bad arguments
@pytest.mark.parametrize(
    "line,fragment",
    [
        ("frobnicate", "No such command 'frobnicate'"),
        ("extract --repo . --colour red", "No such option '--colour'"),
        ("extract --repo . --metric-history some", "'some' is not one of 'all', 'latest'"),
        ("extract --repo . --artifact-max-depth deep", "'deep' is not a valid integer"),
        ("save a -o", "Option '-o' requires an argument"),
        ("statistics a --format yaml", "'yaml' is not one of"),
        ("merge a --as 1x", "'1x' is not a valid variable name"),
        ("merge a --as if", "'if' is not a valid variable name"),
        ("merge a -o c statistics --as d", "stored once"),
        ("load 'unbalanced", "cannot split the line"),
        ("show", "name a document to show"),
        (
            "merge nowhere_to_be_found",
            "nowhere_to_be_found is neither a notebook variable holding a ProvDoc nor a file",
        ),
        ("merge not_a_doc", "variable not_a_doc holds a int, not a ProvDoc"),
        ("extract", "nothing to extract"),
        ("extract --repo . --since yesterday", "since must be an ISO date"),
        ("--config missing.yaml", "pipeline file missing.yaml does not exist"),
    ],
)
def test_bad_arguments_raise_one_line_usage_errors(ip, ns, line, fragment):
    ns["not_a_doc"] = 5
    assert fragment in one_line_usage(ip, line)


def test_usage_error_in_a_cell_shows_no_traceback(ip, ns, capsys):
    result = ip.run_cell("%mlflow2prov frobnicate")
    assert isinstance(result.error_in_exec, UsageError)
    captured = capsys.readouterr()
    text = captured.out + captured.err
    assert "Traceback" not in text
    assert "No such command 'frobnicate'" in text


# ----------------------------------------------------------------------------------- library errors
def magic_error(ip, line: str) -> str:
    """The one line a failing magic raises (the cell fails: issue 13 item 9)."""
    with pytest.raises(MagicError) as info:
        run(ip, line)
    err = str(info.value)
    assert err.startswith("Error: ") and "\n" not in err and info.value._render_traceback_() == [err]
    return err


def test_library_errors_fail_with_one_line(ip, ns, tmp_path):
    junk = tmp_path / "junk.json"
    junk.write_bytes(os.urandom(200))
    assert str(junk) in magic_error(ip, f"load {junk}")

    target = tmp_path / "exists"
    save([ns["a"]], target, formats=("json",))
    before = (tmp_path / "exists.json").read_bytes()
    assert "already exists" in magic_error(ip, f"save b -o {target}")
    assert (tmp_path / "exists.json").read_bytes() == before

    clash = small_doc(runs=1, steps=2)
    start = clash["git:commit/c0"].attrs["prov:startTime"]
    clash["git:commit/c0"].attrs["prov:startTime"] = start.replace(year=2020)
    ns["clash"] = clash
    err = magic_error(ip, "merge a clash -o never")
    assert err.startswith("Error: cannot merge") and "git:commit/c0" in err
    assert "never" not in ns


def test_bad_source_is_one_line(ip, ns, tmp_path):
    assert "Traceback" not in magic_error(ip, f"--no-progress extract --repo {tmp_path / 'no-such-repo'}")


def test_variables_holding_lists_and_qname_types_survive(ip, ns):
    ns["docs"] = [ns["a"], ns["b"]]
    out = run(ip, "load docs")
    assert out == [ns["a"], ns["b"]]
    types = {t for el in out[0].elements.values() for t in el.types}
    assert all(isinstance(t, QName) for t in types)


def test_nothing_left_in_the_working_directory():
    assert not Path("mlruns").exists() and not Path("mlflow.db").exists()


# ------------------------------------------------------------------------------- lineage questions
CHAMPION = "models:/wine-classifier@champion"


def session_of(ip) -> MagicSession:
    return ip.magics_manager.registry["Mlflow2ProvMagics"].session


def test_passport_shows_the_html_card_of_the_last_document(ip, extracted, sample_doc, capsys):
    run(ip, "load extracted_doc")  # the last document a line returned
    assert session_of(ip).last[0] is extracted
    res = ip.run_cell(f"%mlflow2prov passport {CHAMPION}")
    assert res.success
    card = res.result
    expected = passport(sample_doc, CHAMPION)
    assert isinstance(card, Passport) and card.to_dict() == expected.to_dict()
    from IPython.core.formatters import DisplayFormatter

    shown, _ = DisplayFormatter().format(card)  # what a notebook front-end receives (the test shell is a terminal)
    assert shown["text/html"] == expected._repr_html_() and 'class="m2p-passport"' in shown["text/html"]
    assert "Passport of" in shown["text/html"] and "wine-classifier" in shown["text/html"]
    assert "## Passport of" not in capsys.readouterr().out  # the card, not a Markdown print-out


def test_passport_names_documents_stores_and_prints_json(ip, ns, extracted, sample_doc, sample_manifest, capsys):
    run_id = sample_manifest.run("rf-40-trees").run_id
    value = run(ip, f"passport extracted_doc runs:/{run_id} --as card")
    assert isinstance(value, Passport) and ns["card"] is value
    assert value.to_dict() == passport(sample_doc, f"runs:/{run_id}").to_dict()
    assert run(ip, "passport extracted_doc models:/wine-classifier/1 --format json") is None
    import json

    assert json.loads(capsys.readouterr().out) == json.loads(
        json.dumps(passport(sample_doc, "models:/wine-classifier/1").to_dict(), default=str)
    )
    # not the last command: the card is displayed and the documents flow on
    shown: list = []
    out = execute(parse_line(f"passport extracted_doc {CHAMPION} stats"), ns, display=shown.append)
    assert out is None and [type(x) for x in shown] == [Passport]
    assert statistics(sample_doc) in capsys.readouterr().out


def test_passport_errors_are_one_line(ip, ns, extracted):
    assert "no-such-model" in magic_error(ip, "passport extracted_doc models:/no-such-model@champion")
    one_line_usage(ip, "passport")  # the reference is required


def test_query_verbs_without_documents(ns):
    fresh: dict = {}
    session = MagicSession()
    with pytest.raises(UsageError) as info:
        execute(parse_line(f"passport {CHAMPION}"), fresh, session=session)
    assert "which document? The notebook has no ProvDoc variable" in str(info.value) and "\n" not in str(info.value)
    with pytest.raises(UsageError) as info:
        execute(parse_line("validate"), {"a": ns["a"], "b": ns["b"]}, session=session)
    assert "2 ProvDoc variables" in str(info.value)
    # the only ProvDoc variable, then the session's last document
    lone = {"only": ns["a"]}
    sub = execute(parse_line("lineage mlflow:run/r0 --direction up --depth 1"), lone, session=session)
    assert sub == lineage(ns["a"], "mlflow:run/r0", "up", 1)
    assert session.last == [sub]
    again = execute(parse_line("lineage mlflow:run/r0 --direction down"), lone, session=session)
    assert again == lineage(sub, "mlflow:run/r0", "down")


def test_lineage_and_validate_take_variables(ip, ns, extracted, sample_doc, sample_manifest, capsys):
    node = f"mlflow:run/{sample_manifest.run('rf-20-trees').run_id}"
    sub = run(ip, f"lineage extracted_doc {node} --direction both --depth 2 -o lin")
    assert sub == lineage(sample_doc, node, "both", 2) and ns["lin"] is sub
    assert run(ip, "validate extracted_doc") == extracted
    assert capsys.readouterr().out.strip().endswith(": 0 errors, 0 warnings")
    assert "mlflow:nope" in magic_error(ip, "validate extracted_doc lineage mlflow:nope")
