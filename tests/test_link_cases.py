"""Spec §7 cases 53–58 (Git↔MLflow links #45, #46, #47) and #32, on real repositories.

The RunCreation activities and MlflowUser agents are made by hand with the spec's ids; `link` is called with the
`RunSource` / `ModelSource` / `MlflowUserAgent` records the MLflow builder would pass."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timezone

import pytest
from gitrepo import BASE_TIME, GitRepo

from mlflow2prov_jupyter.core.git.build import build_git
from mlflow2prov_jupyter.core.git.reader import read_git
from mlflow2prov_jupyter.core.link import MlflowUserAgent, ModelSource, RunSource, link
from mlflow2prov_jupyter.core.options import ExtractOptions
from mlflow2prov_jupyter.core.provdoc import ProvDoc, QName

START = datetime.fromtimestamp(BASE_TIME + 100_000, tz=timezone.utc)
RC = "mlflow:run/r1/creation"


def C(sha: str) -> str:
    return f"git:commit/{sha}"


def REV(sha: str, path: str) -> str:
    return f"git:revision/{sha}/{path}"


@pytest.fixture(scope="module")
def proj(tmp_path_factory):
    """C0 README, C1 adds src/a.py, C2 edits src/a.py, C3 edits README."""
    repo = GitRepo(tmp_path_factory.mktemp("link") / "proj")
    repo.write("README.md", "# proj\n")
    c0 = repo.commit("init")
    repo.write("src/a.py", "print(1)\n")
    c1 = repo.commit("add a")
    repo.write("src/a.py", "print(2)\n")
    c2 = repo.commit("edit a")
    repo.write("README.md", "# proj 2\n")
    c3 = repo.commit("readme")
    opts = ExtractOptions()
    history = read_git(repo.path, opts, progress=False)
    return repo, (c0, c1, c2, c3), history


def linked(history, runs=(), models=(), users=(), **kw) -> ProvDoc:
    opts = ExtractOptions.from_kwargs(**kw)
    doc = ProvDoc()
    build_git(doc, history, opts)
    for r in runs:
        if r.run_creation_id not in doc:
            doc.activity(r.run_creation_id, r.start_time)
    for u in users:
        doc.agent(
            u.agent_id, {"prov:type": (QName("m2p:MlflowUser"), QName("prov:Person")), "m2p:username": u.username}
        )
    link(doc, history, runs, models, users, opts)
    counts = Counter(r.key() for r in doc.relations)
    assert all(n == 1 for n in counts.values())
    return doc


def run_links(doc: ProvDoc, rc: str = RC) -> tuple[list, list]:
    informed = [r for r in doc.relations if r.kind == "wasInformedBy" and r.source == rc]
    used = [r for r in doc.relations if r.kind == "used" and r.source == rc]
    return informed, used


def test_case_53_absolute_source_under_work_tree(proj):
    repo, (c0, c1, c2, c3), history = proj
    run = RunSource(RC, START, c2, f"{repo.path}/src/a.py")
    doc = linked(history, [run])
    informed, used = run_links(doc)
    assert [r.args for r in informed] == [(RC, C(c2))]
    assert [r.args for r in used] == [(RC, REV(c2, "src/a.py"), START)]
    assert used[0].roles == ("EntryPoint",)
    # the spec's literal paths: the run recorded /home/u/proj/src/a.py and the work tree is /home/u/proj
    history.workdir, saved = "/home/u/proj", history.workdir
    try:
        assert history.entry_point_revision(c2, "/home/u/proj/src/a.py") == REV(c2, "src/a.py")
        assert history.entry_point_revision(c2, "/home/u/proj/src/missing.py") is None
    finally:
        history.workdir = saved


@pytest.mark.parametrize(
    "source",
    [
        "file:///home/u/proj/src/a.py",
        "src/a.py",
        "/other/box/proj/src/a.py",
        "./src/a.py",
        "C:\\Users\\u\\proj\\src\\a.py",
        "a.py",
    ],
)
def test_case_54_source_spellings(proj, source):
    repo, (c0, c1, c2, c3), history = proj
    doc = linked(history, [RunSource(RC, START, c2, source)])
    informed, used = run_links(doc)
    assert [r.target for r in informed] == [C(c2)]
    assert [r.target for r in used] == [REV(c2, "src/a.py")]
    # at C3 the file was last changed in C2 as well
    doc3 = linked(history, [RunSource(RC, START, c3, source)])
    assert [r.target for r in run_links(doc3)[1]] == [REV(c2, "src/a.py")]


def test_case_55_revision_producing_the_blob(tmp_path):
    repo = GitRepo(tmp_path / "proj")
    repo.write("README.md", "r\n")
    repo.commit("c0")
    repo.write("src/train.py", "v1\n")
    c1 = repo.commit("c1")
    repo.write("train_notes.md", "n\n")
    repo.commit("c2")
    repo.write("lib/other.py", "o\n")
    repo.commit("c3")
    repo.write("README.md", "r2\n")
    repo.commit("c4")
    repo.write("README.md", "r3\n")
    c5 = repo.commit("c5")
    repo.write("src/train.py", "v2\n")
    c6 = repo.commit("c6")
    history = read_git(repo.path, ExtractOptions(), progress=False)
    doc = linked(history, [RunSource(RC, START, c5, "train.py")])
    informed, used = run_links(doc)
    assert [r.target for r in informed] == [C(c5)]
    assert [r.target for r in used] == [REV(c1, "src/train.py")]
    assert history.entry_point_revision(c6, "train.py") == REV(c6, "src/train.py")


def test_case_56_ambiguous_basename(tmp_path):
    repo = GitRepo(tmp_path / "proj")
    repo.write("a/train.py", "a\n").write("b/train.py", "b\n")
    c = repo.commit("two trainers")
    history = read_git(repo.path, ExtractOptions(), progress=False)
    doc = linked(history, [RunSource(RC, START, c, "train.py")])
    informed, used = run_links(doc)
    assert [r.target for r in informed] == [C(c)]
    assert used == []
    # a longer trailing run is unique again
    assert history.entry_point_revision(c, "/x/b/train.py") == REV(c, "b/train.py")


def test_case_57_unknown_commit(proj):
    repo, (c0, c1, c2, c3), history = proj
    missing = "0123456789abcdef0123456789abcdef01234567"
    doc = linked(history, [RunSource(RC, START, missing, "src/a.py")])
    assert run_links(doc) == ([], [])
    for bad in ("", None, c2[:10], "not a sha"):
        doc = linked(history, [RunSource(RC, START, bad, "src/a.py")])
        assert run_links(doc) == ([], [])


def test_case_58_user_map_delegation(proj):
    repo, _, history = proj
    user = MlflowUserAgent("user:mlflow/ann", "ann")
    bob = MlflowUserAgent("user:mlflow/bob", "bob")
    doc = linked(
        history,
        users=[user, bob],
        user_map=[{"name": "Ann", "email": "ann@x.org", "aliases": ["ann"]}],
    )
    dels = [r for r in doc.relations if r.kind == "actedOnBehalfOf"]
    assert [r.args for r in dels] == [("user:mlflow/ann", "user:git/ann%40x.org")]
    assert dels[0].attrs is None
    # without a user map: no delegation
    plain = linked(history, users=[user])
    assert not [r for r in plain.relations if r.kind == "actedOnBehalfOf"]


def test_user_map_adds_git_agent_outside_window(proj):
    repo, _, history = proj
    user = MlflowUserAgent("user:mlflow/ann", "ann")
    doc = linked(
        history,
        users=[user],
        until="2000-01-01T00:00:00Z",
        user_map=[{"name": "Ann", "email": "ann@x.org", "aliases": ["ann"]}],
    )
    assert not list(doc.of_type("m2p:Commit"))
    assert "user:git/ann%40x.org" in doc
    assert [r.args for r in doc.relations if r.kind == "actedOnBehalfOf"] == [
        ("user:mlflow/ann", "user:git/ann%40x.org")
    ]


def test_dirty_source_and_duplicates(proj):
    """source_git_dirty changes nothing (it is not part of RunSource); a run given twice links once."""
    repo, (c0, c1, c2, c3), history = proj
    run = RunSource(RC, START, c2.upper(), f"{repo.path}/src/a.py")
    doc = linked(history, [run, run])
    informed, used = run_links(doc)
    assert len(informed) == 1 and len(used) == 1


def test_run_without_start_time(proj):
    repo, (c0, c1, c2, c3), history = proj
    doc = linked(history, [RunSource(RC, None, c2, "src/a.py")])
    (used,) = run_links(doc)[1]
    assert used.args == (RC, REV(c2, "src/a.py")) and used.time is None


def test_model_influenced_by_commit_32(proj):
    repo, (c0, c1, c2, c3), history = proj
    models = [ModelSource("mlflow:model/m-1", c2), ModelSource("mlflow:model/m-2", "f" * 40)]
    doc = linked(history, models=models)
    assert [r.args for r in doc.relations if r.kind == "wasInfluencedBy" and r.source.startswith("mlflow:")] == [
        ("mlflow:model/m-1", C(c2))
    ]


def test_untracked_or_missing_entry_point(proj):
    repo, (c0, c1, c2, c3), history = proj
    assert history.entry_point_revision(c2, f"{repo.path}/notebook.ipynb") is None
    assert history.entry_point_revision(c2, "/usr/lib/python3/site-packages/ipykernel_launcher.py") is None
    assert history.entry_point_revision(c0, "src/a.py") is None  # not in C0's tree
    assert history.entry_point_revision(c2, "") is None


def test_entry_point_after_revert_follows_git_log(tmp_path):
    """Several revisions produced the same blob: the one `git log -1 S -- path` names is used."""
    repo = GitRepo(tmp_path / "proj")
    repo.write("p.py", "A\n").write("q.py", "q\n")
    x1 = repo.commit("x1")
    repo.branch("b").checkout("b")
    repo.write("p.py", "B\n")
    repo.commit("x2")
    repo.write("p.py", "A\n")
    x3 = repo.commit("x3 revert")
    repo.checkout("main")
    repo.write("q.py", "q2\n")
    repo.commit("x4")
    m = repo.merge("b")
    history = read_git(repo.path, ExtractOptions(), progress=False)
    assert history.entry_point_revision(m, "p.py") == REV(x1, "p.py")
    assert history.entry_point_revision(x3, "p.py") == REV(x3, "p.py")
    for sha in (m, x3):
        expected = repo.git("log", "-1", "--format=%H", sha, "--", "p.py").strip()
        assert history.entry_point_revision(sha, "p.py") == REV(expected, "p.py")


def test_entry_point_needs_git_history(proj):
    repo, (c0, c1, c2, c3), _ = proj
    history = read_git(repo.path, ExtractOptions(git_history=False), progress=False)
    assert history.entry_point_revision(c2, "src/a.py") is None
    assert history.resolve_commit(c2) == c2


def test_no_history_no_links(proj):
    repo, (c0, c1, c2, c3), _ = proj
    doc = ProvDoc()
    doc.activity(RC, START)
    link(doc, None, [RunSource(RC, START, c2, "src/a.py")], [], [], ExtractOptions())
    assert doc.relations == []


def test_entry_points_resolved_in_the_walk_match_git(tmp_path):
    """Entry points named to read_git() are resolved from the walk's state; every answer equals the one
    read from git itself (ls-tree + `git log -1`), across branches, merges, renames, reverts and deletions."""
    repo = GitRepo(tmp_path / "proj")
    repo.write("train.py", "t1\n").write("src/train.py", "s1\n").write("src/util/eval.py", "e1\n")
    repo.write("README.md", "r\n")
    repo.commit("c0")
    repo.branch("feature").checkout("feature")
    repo.write("src/train.py", "s2\n")
    repo.commit("f1")
    repo.rename("src/util/eval.py", "src/eval.py")
    repo.commit("f2 rename")
    repo.write("src/train.py", "s1\n")
    repo.commit("f3 revert")
    repo.checkout("main")
    repo.write("train.py", "t2\n")
    repo.commit("m1")
    repo.delete("train.py")
    repo.commit("m2 delete")
    repo.merge("feature")
    repo.write("lib/train.py", "l1\n")
    repo.commit("m3")
    shas = repo.git("rev-list", "--all").split()
    root = repo.path
    names = [
        "train.py",
        "src/train.py",
        "/x/src/train.py",
        f"{root}/src/train.py",
        f"{root}/train.py",
        "eval.py",
        "util/eval.py",
        "./src/eval.py",
        "file://" + f"{root}/lib/train.py",
        "missing.py",
        "README.md",
        "src\\train.py",
        "",
    ]
    wanted = {sha.upper() if i % 2 else sha: set(names) for i, sha in enumerate(shas)}
    walked = read_git(repo.path, ExtractOptions(), progress=False, entry_points=wanted)
    asked = read_git(repo.path, ExtractOptions(), progress=False)
    answered = 0
    for sha in shas:
        for name in names:
            got = walked.entry_point_revision(sha, name)
            assert got == asked.entry_point_revision(sha, name), (sha, name)
            answered += got is not None
    assert answered > len(shas)  # most commits resolve several names
    assert not walked._trees  # no `git ls-tree` was needed for the pairs named up front
