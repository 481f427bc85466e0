"""A failed ``%mlflow2prov`` fails its cell with one line and no traceback, for bad usage and errors alike
(issue 13 item 9), so that Run All, nbclient and papermill stop; warnings are one line each."""

from __future__ import annotations

import pytest
from IPython.core.error import UsageError
from test_magics import ipython_shell


@pytest.fixture(scope="module")
def ip():
    shell = ipython_shell()
    shell.run_line_magic("load_ext", "mlflow2prov_jupyter")
    return shell


@pytest.mark.parametrize(
    "cell, error",
    [
        ("x = %mlflow2prov extract --repo /nonexistent", "Error: '/nonexistent' does not exist"),
        ("%mlflow2prov load /nonexistent.json", "Error: document /nonexistent.json does not exist"),
        ("%mlflow2prov extract --tracking-uri 'ftp://u:S3cr3t@127.0.0.1/x'", "Error: tracking URI scheme 'ftp:'"),
        ("%mlflow2prov frobnicate", "No such command 'frobnicate'"),
        ("%mlflow2prov statistics --resolution huge", "'huge' is not one of"),
        ("%%mlflow2prov\n- extract: {repo: /nonexistent}\n", "Error: '/nonexistent' does not exist"),
        ("%%mlflow2prov\n- frobnicate: {}\n", "frobnicate"),
    ],
)
def test_every_failure_fails_the_cell_with_one_line(ip, capfd, cell, error):
    ip.user_ns.pop("x", None)
    capfd.readouterr()
    result = ip.run_cell(cell)
    assert not result.success and result.error_in_exec is not None
    out = capfd.readouterr()
    text = out.out + out.err
    assert error in text, text
    assert "Traceback" not in text and "S3cr3t" not in text
    shown = [ln for ln in text.splitlines() if ln.strip()]
    assert len(shown) == 1, shown
    assert "x" not in ip.user_ns
    assert isinstance(result.error_in_exec, UsageError) or type(result.error_in_exec).__name__ == "MagicError"


def test_run_all_stops_at_the_failed_magic(tmp_path):
    """nbclient (what papermill and 'Run All' rely on) stops at the failing cell and reports its one line."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("%load_ext mlflow2prov_jupyter"),
        nbformat.v4.new_code_cell("x = %mlflow2prov extract --repo /nonexistent"),
        nbformat.v4.new_code_cell("print('went on')"),
    ]
    client = nbclient.NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    with pytest.raises(nbclient.exceptions.CellExecutionError) as info:
        client.execute()
    assert "does not exist" in str(info.value)
    outputs = nb.cells[1].outputs
    errors = [o for o in outputs if o.output_type == "error"]
    assert len(errors) == 1 and len(errors[0].traceback) == 1 and "Traceback" not in errors[0].traceback[0]
    assert not nb.cells[2].get("outputs")
