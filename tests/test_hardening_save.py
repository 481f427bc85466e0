"""Saves that cannot race or half-succeed (issue 13 item 8): exclusive creation, every format written before
any is moved into place, temporaries removed on SIGTERM and after a kill, one-line errors naming the user's
path. Real processes, signals and file-size limits; no mocks."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from test_display import small_doc

from mlflow2prov_jupyter.core.errors import OutputError, OutputExistsError
from mlflow2prov_jupyter.ops.save import TEMP_SUFFIX, install_files, save

TESTS = Path(__file__).parent


def _temporaries(folder: Path) -> list[str]:
    return sorted(n for n in os.listdir(folder) if n.endswith(".tmp"))


def _python(code: str, **kw) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, env=env,
                          timeout=180, **kw)  # fmt: skip


def test_an_existing_target_is_never_replaced_without_overwrite(tmp_path):
    (tmp_path / "r.json").write_text("theirs")
    with pytest.raises(OutputExistsError, match=f"{tmp_path / 'r.json'} already exists"):
        install_files([(tmp_path / "r.svg", "mine"), (tmp_path / "r.json", "mine")], overwrite=False)
    assert (tmp_path / "r.json").read_text() == "theirs"
    assert not (tmp_path / "r.svg").exists()  # what this save created is taken back
    assert _temporaries(tmp_path) == []


def test_two_saves_to_one_path_exactly_one_wins(tmp_path):
    """Two processes pass the early existence check together (they start on a signal file); the exclusive
    link lets exactly one of them create the files, the other gets the usual 'already exists'."""
    go = tmp_path / "go"
    code = f"""
        import os, sys, time
        from mlflow2prov_jupyter.ops.save import save
        from test_display import small_doc
        doc = small_doc(runs=40, steps=30)
        doc.name = sys.argv[1]
        while not os.path.exists({str(go)!r}):
            time.sleep(0.005)
        try:
            save(doc, {str(tmp_path / "r")!r}, formats=("json", "provn"))
            print("saved")
        except Exception as e:
            print("ERR", e)
    """
    env = {**os.environ, "PYTHONPATH": str(TESTS)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", textwrap.dedent(code), name], stdout=subprocess.PIPE, text=True, env=env
        )
        for name in ("A", "B")
    ]
    import time

    time.sleep(3)  # both imported and waiting
    go.touch()
    outs = [p.communicate(timeout=120)[0].strip() for p in procs]
    assert sorted(o.split()[0] for o in outs) == ["ERR", "saved"], outs
    assert "already exists" in next(o for o in outs if o.startswith("ERR"))
    assert _temporaries(tmp_path) == []
    winner = "A" if outs[0] == "saved" else "B"
    from mlflow2prov_jupyter.ops.load import load

    assert load(tmp_path / "r.json").name == "r" and (tmp_path / "r.provn").stat().st_size > 0  # whole files
    del winner


def test_a_save_that_fails_midway_replaces_nothing(tmp_path):
    """File-size limit (a 'disk full' for one process): the new json is written, the larger dot file cannot
    be, so the json is not moved into place either; the error names the user's dot path and the cause."""
    doc = small_doc(runs=3, steps=5)
    save(doc, tmp_path / "r", formats=("json", "dot"))
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    proc = _python(f"""
        import resource, signal
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        from mlflow2prov_jupyter.ops.formats import get_format
        from mlflow2prov_jupyter.ops.save import render, save
        from test_display import small_doc
        doc = small_doc(runs=40, steps=30)
        json_size, dot_size = (len(render(doc, get_format(f))) for f in ("json", "dot"))
        assert json_size < dot_size
        limit = json_size + 1000  # the json fits, the dot file does not
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
        try:
            save(doc, {str(tmp_path / "r")!r}, formats=("json", "dot"), overwrite=True)
        except Exception as e:
            print(type(e).__name__, e)
    """)
    out = proc.stdout.strip()
    assert out.startswith(f"OutputError cannot write {tmp_path / 'r.dot'}: File too large"), proc
    assert ".tmp" not in out
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before  # nothing replaced, nothing left


def test_sigterm_while_writing_leaves_no_temporaries(tmp_path):
    proc = _python(f"""
        import os, signal, time
        from pathlib import Path
        from mlflow2prov_jupyter.ops.save import install_files

        class Slow(str):
            def encode(self, *args, **kw):  # the second file: the first temporary exists by now
                os.kill(os.getpid(), signal.SIGTERM)
                time.sleep(5)
                return b"never"

        install_files(
            [(Path({str(tmp_path / "a.json")!r}), "x" * 1000), (Path({str(tmp_path / "a.svg")!r}), Slow("y"))],
            overwrite=False,
        )
        print("not reached")
    """)
    assert proc.returncode == -signal.SIGTERM, (proc.returncode, proc.stderr[-500:])
    assert "not reached" not in proc.stdout
    assert os.listdir(tmp_path) == []


def test_stale_temporaries_of_killed_saves_are_removed_by_the_next_save(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f".old.json.{dead.pid}-0123456789abcdef{TEMP_SUFFIX}"
    alive = tmp_path / f".old.json.{os.getppid()}-fedcba9876543210{TEMP_SUFFIX}"  # a save still running
    theirs = tmp_path / ".notes.txt.tmp"  # not ours
    for p in (stale, alive, theirs):
        p.write_bytes(b"x" * 100)
    save(small_doc(runs=1, steps=1), tmp_path / "new")
    assert not stale.exists() and alive.exists() and theirs.exists()


def test_unwritable_targets_are_one_line_naming_the_users_path(tmp_path):
    with pytest.raises(OutputError) as err:
        save(small_doc(runs=1, steps=1), "/proc/m2p-out")
    msg = str(err.value)
    assert msg.startswith("cannot write /proc/m2p-out.json: ") and TEMP_SUFFIX not in msg and "\n" not in msg
    with open(os.devnull, "rb") as stdin, open("/dev/full", "w") as full:
        proc = subprocess.run(
            [sys.executable, "-m", "mlflow2prov_jupyter.cli", "load", str(_doc_file(tmp_path)), "save", "-o", "-"],
            stdin=stdin, stdout=full, stderr=subprocess.PIPE, text=True, timeout=120,
        )  # fmt: skip
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert proc.returncode == 1 and lines == ["Error: cannot write to standard output: No space left on device"], lines


def _doc_file(folder: Path) -> Path:
    return save(small_doc(runs=1, steps=1), folder / "in")[0]
