"""Spec §7 cases 1–21 (Git side) on real repositories, plus reader edge cases."""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from datetime import datetime, timezone

import pytest
from gitrepo import ANN, BASE_TIME, BOB, GitRepo

from mlflow2prov_jupyter.core.errors import SourceError
from mlflow2prov_jupyter.core.git.build import build_git
from mlflow2prov_jupyter.core.git.reader import read_git
from mlflow2prov_jupyter.core.link import RunSource, link
from mlflow2prov_jupyter.core.options import ExtractOptions
from mlflow2prov_jupyter.core.provdoc import ProvDoc, QName

PERSON = (QName("m2p:GitUser"), QName("prov:Person"))
ANN_ID = "user:git/ann%40x.org"
BOB_ID = "user:git/bob%40x.org"


def utc(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, tz=timezone.utc)


def extract(path, **kw) -> tuple[ProvDoc, object]:
    opts = ExtractOptions.from_kwargs(**kw)
    history = read_git(path, opts, progress=False)
    doc = ProvDoc()
    build_git(doc, history, opts)
    assert_no_duplicates(doc)
    return doc, history


def assert_no_duplicates(doc: ProvDoc) -> None:
    counts = Counter(r.key() for r in doc.relations)
    dups = [k for k, n in counts.items() if n > 1]
    assert not dups, dups


def rels(doc: ProvDoc, kind: str, source: str | None = None, target: str | None = None) -> list:
    return [
        r
        for r in doc.relations
        if r.kind == kind and (source is None or r.source == source) and (target is None or r.target == target)
    ]


def of_type(doc: ProvDoc, t: str) -> list[str]:
    return sorted(e.id for e in doc.of_type(t))


def C(sha: str) -> str:
    return f"git:commit/{sha}"


def REV(sha: str, path: str) -> str:
    return f"git:revision/{sha}/{path}"


def FILE(sha: str, path: str) -> str:
    return f"git:file/{sha}/{path}"


# ------------------------------------------------------------------------------------------ linear history
@pytest.fixture(scope="module")
def linear(tmp_path_factory):
    """C0 adds README.md, C1 adds src/a.py, C2 edits it, C3 deletes it."""
    repo = GitRepo(tmp_path_factory.mktemp("linear") / "repo")
    repo.write("README.md", "# demo\n")
    c0 = repo.commit("Initial commit")
    repo.write("src/a.py", "print('a')\n")
    c1 = repo.commit("Add loader")
    repo.write("src/a.py", "print('b')\n")
    c2 = repo.commit("Fix loader\n\nLonger body.\n")
    repo.delete("src/a.py")
    c3 = repo.commit("Remove loader")
    doc, history = extract(repo.path)
    return repo, (c0, c1, c2, c3), doc, history


def test_case_01_root_commit(tmp_path):
    repo = GitRepo(tmp_path / "r")
    repo.write("README.md", "# demo\n")
    c0 = repo.commit("Initial commit")
    t = utc(repo.clock)
    doc, _ = extract(repo.path, include_refs=False)
    assert doc.counts() == {
        "activity": 1,
        "entity": 2,
        "agent": 1,
        "wasAssociatedWith": 1,
        "wasGeneratedBy": 2,
        "wasAttributedTo": 2,
        "specializationOf": 1,
    }
    commit = doc[C(c0)]
    assert list(commit.attrs.items()) == [
        ("prov:startTime", t),
        ("prov:endTime", t),
        ("prov:type", QName("m2p:Commit")),
        ("prov:label", f"{c0[:7]} Initial commit"),
        ("m2p:sha", c0),
        ("m2p:title", "Initial commit"),
        ("m2p:message", "Initial commit\n"),
        ("m2p:authored_at", t),
        ("m2p:committed_at", t),
    ]
    assert commit.kind == "activity"
    f = doc[FILE(c0, "README.md")]
    assert list(f.attrs.items()) == [
        ("prov:type", QName("m2p:File")),
        ("prov:label", "README.md"),
        ("m2p:path", "README.md"),
        ("m2p:origin_commit", c0),
    ]
    blob = repo.git("rev-parse", f"{c0}:README.md").strip()
    rev = doc[REV(c0, "README.md")]
    assert list(rev.attrs.items()) == [
        ("prov:type", QName("m2p:FileRevision")),
        ("prov:label", f"{c0[:7]} README.md"),
        ("m2p:path", "README.md"),
        ("m2p:name", "README.md"),
        ("m2p:status", "added"),
        ("m2p:commit", c0),
        ("m2p:blob", blob),
    ]
    ann = doc[ANN_ID]
    assert ann.kind == "agent"
    assert list(ann.attrs.items()) == [
        ("prov:type", PERSON),
        ("prov:label", "ann@x.org"),
        ("m2p:name", "Ann"),
        ("m2p:email", "ann@x.org"),
    ]
    (assoc,) = rels(doc, "wasAssociatedWith")
    assert assoc.args == (C(c0), ANN_ID) and assoc.roles == ("CommitAuthor", "Committer")
    (gen_file,) = rels(doc, "wasGeneratedBy", FILE(c0, "README.md"))
    assert gen_file.args == (FILE(c0, "README.md"), C(c0), t) and gen_file.roles == ("AddedFile",)
    (gen_rev,) = rels(doc, "wasGeneratedBy", REV(c0, "README.md"))
    assert gen_rev.args == (REV(c0, "README.md"), C(c0), t) and gen_rev.roles == ("AddedRevision",)
    assert {r.args for r in rels(doc, "wasAttributedTo")} == {
        (FILE(c0, "README.md"), ANN_ID),
        (REV(c0, "README.md"), ANN_ID),
    }
    assert [r.args for r in rels(doc, "specializationOf")] == [(REV(c0, "README.md"), FILE(c0, "README.md"))]
    assert not rels(doc, "wasInformedBy")


def test_case_02_second_commit_informed_by_parent(linear):
    repo, (c0, c1, c2, c3), doc, _ = linear
    assert [r.args for r in rels(doc, "wasInformedBy", C(c1))] == [(C(c1), C(c0))]
    assert doc[FILE(c1, "src/a.py")].attrs["m2p:path"] == "src/a.py"
    rev = doc[REV(c1, "src/a.py")]
    assert rev.attrs["m2p:status"] == "added" and rev.attrs["m2p:name"] == "a.py"
    assert [r.args[1] for r in rels(doc, "wasGeneratedBy", FILE(c1, "src/a.py"))] == [C(c1)]
    assert [r.args[1] for r in rels(doc, "wasAttributedTo", FILE(c1, "src/a.py"))] == [ANN_ID]
    assert [r.target for r in rels(doc, "specializationOf", REV(c1, "src/a.py"))] == [FILE(c1, "src/a.py")]
    assert not rels(doc, "wasDerivedFrom", REV(c1, "src/a.py"))
    # the whole linear history: 4 commits, 2 Files, 5 revisions, one agent, no duplicates
    assert len(of_type(doc, "m2p:Commit")) == 4
    assert of_type(doc, "m2p:File") == [FILE(c0, "README.md"), FILE(c1, "src/a.py")]
    assert len(of_type(doc, "m2p:FileRevision")) == 4
    assert of_type(doc, "m2p:GitUser") == [ANN_ID]


def test_case_03_modified_revision(linear):
    repo, (c0, c1, c2, c3), doc, _ = linear
    rid = REV(c2, "src/a.py")
    rev = doc[rid]
    assert rev.attrs["m2p:status"] == "modified"
    assert rev.attrs["m2p:blob"] == repo.git("rev-parse", f"{c2}:src/a.py").strip()
    (gen,) = rels(doc, "wasGeneratedBy", rid)
    assert gen.roles == ("ModifiedRevision",) and gen.time == doc[C(c2)].attrs["m2p:committed_at"]
    (der,) = rels(doc, "wasDerivedFrom", rid)
    assert der.args == (rid, REV(c1, "src/a.py"))
    assert der.attrs == {"prov:type": QName("prov:Revision")}
    assert isinstance(der.attrs["prov:type"], QName)
    (used,) = rels(doc, "used", C(c2))
    assert used.args == (C(c2), REV(c1, "src/a.py"), doc[C(c2)].attrs["prov:startTime"])
    assert used.roles == ("PreviousRevision",)
    assert [r.target for r in rels(doc, "specializationOf", rid)] == [FILE(c1, "src/a.py")]
    assert doc[C(c2)].attrs["m2p:title"] == "Fix loader"
    assert doc[C(c2)].attrs["m2p:message"] == "Fix loader\n\nLonger body.\n"
    assert doc[C(c2)].attrs["prov:label"] == f"{c2[:7]} Fix loader"


def test_case_04_deleted_revision(linear):
    repo, (c0, c1, c2, c3), doc, _ = linear
    rid = REV(c3, "src/a.py")
    rev = doc[rid]
    assert rev.attrs["m2p:status"] == "deleted" and "m2p:blob" not in rev.attrs
    (inv,) = rels(doc, "wasInvalidatedBy", rid)
    assert inv.args == (rid, C(c3), doc[C(c3)].attrs["m2p:committed_at"]) and inv.roles == ("DeletedRevision",)
    assert not rels(doc, "wasGeneratedBy", rid) and not rels(doc, "wasAttributedTo", rid)
    assert [r.target for r in rels(doc, "used", C(c3))] == [REV(c2, "src/a.py")]
    assert [r.target for r in rels(doc, "wasDerivedFrom", rid)] == [REV(c2, "src/a.py")]
    assert [r.target for r in rels(doc, "specializationOf", rid)] == [FILE(c1, "src/a.py")]


def test_case_05_author_is_committer(linear):
    repo, (c0, c1, c2, c3), doc, _ = linear
    for sha in (c0, c1, c2, c3):
        (assoc,) = rels(doc, "wasAssociatedWith", C(sha))
        assert assoc.target == ANN_ID and set(assoc.roles) == {"CommitAuthor", "Committer"}
    assert [e.id for e in doc.elements.values() if e.kind == "agent"] == [ANN_ID]


def test_case_06_committer_differs(tmp_path):
    repo = GitRepo(tmp_path / "r")
    repo.write("a.txt", "a\n")
    c = repo.commit("By Ann, committed by Bob", author=ANN, committer=BOB)
    doc, _ = extract(repo.path)
    assert of_type(doc, "m2p:GitUser") == [ANN_ID, BOB_ID]
    assert sorted((r.target, r.roles) for r in rels(doc, "wasAssociatedWith", C(c))) == [
        (ANN_ID, ("CommitAuthor",)),
        (BOB_ID, ("Committer",)),
    ]
    assert doc[BOB_ID].attrs["m2p:name"] == "Bob"
    # revisions are attributed to the author only
    assert [r.target for r in rels(doc, "wasAttributedTo", REV(c, "a.txt"))] == [ANN_ID]


def test_case_07_email_normalised(tmp_path):
    repo = GitRepo(tmp_path / "r")
    repo.write("a.txt", "a\n")
    c = repo.raw_commit("raw\n", "Ann < Ann@X.org >")
    assert repo.git("log", "-1", "--format=%ae", c) == " Ann@X.org \n"
    doc, _ = extract(repo.path)
    assert of_type(doc, "m2p:GitUser") == [ANN_ID]
    assert doc[ANN_ID].attrs["m2p:email"] == "ann@x.org"
    assert doc[ANN_ID].attrs["m2p:name"] == "Ann"


def test_case_08_one_email_two_names(tmp_path):
    repo = GitRepo(tmp_path / "r")
    repo.write("a.txt", "a\n")
    repo.raw_commit("one\n", "Ann <ann@x.org>")
    repo.write("a.txt", "b\n")
    repo.raw_commit("two\n", "Ann B. <ann@x.org>")
    doc, _ = extract(repo.path)
    assert of_type(doc, "m2p:GitUser") == [ANN_ID]
    assert doc[ANN_ID].attrs["m2p:name"] == ("Ann", "Ann B.")
    assert len(rels(doc, "wasAssociatedWith")) == 2


def test_case_09_name_without_email(tmp_path):
    repo = GitRepo(tmp_path / "r")
    repo.write("a.txt", "a\n")
    c = repo.commit("bot commit", author=("CI bot", ""), committer=("CI bot", ""))
    assert repo.git("log", "-1", "--format=%an|%ae", c) == "CI bot|\n"
    doc, _ = extract(repo.path)
    uid = "user:git-name/CI%20bot"
    assert of_type(doc, "m2p:GitUser") == [uid]
    assert list(doc[uid].attrs.items()) == [
        ("prov:type", PERSON),
        ("prov:label", "CI bot"),
        ("m2p:name", "CI bot"),
    ]
    (assoc,) = rels(doc, "wasAssociatedWith", C(c))
    assert assoc.target == uid


# ----------------------------------------------------------------------------------------------- merges
def test_case_10_clean_merge(tmp_path):
    repo = GitRepo(tmp_path / "r")
    repo.write("a.py", "a\n")
    repo.commit("base")
    repo.branch("side").checkout("side")
    repo.write("b.py", "b\n")
    s1 = repo.commit("Add b")
    repo.checkout("main")
    repo.write("c.py", "c\n")
    c1 = repo.commit("Add c")
    m = repo.merge("side")
    doc, _ = extract(repo.path)
    assert sorted(r.target for r in rels(doc, "wasInformedBy", C(m))) == sorted([C(c1), C(s1)])
    assert not [e for e in doc.of_type("m2p:FileRevision") if e.attrs["m2p:commit"] == m]
    assert [e.id for e in doc.of_type("m2p:File") if e.attrs["m2p:path"] == "b.py"] == [FILE(s1, "b.py")]
    assert doc[FILE(s1, "b.py")].attrs["m2p:origin_commit"] == s1
    assert len(of_type(doc, "m2p:FileRevision")) == 3
    assert not rels(doc, "used", C(m))


def test_case_11_conflict_merge(tmp_path):
    repo = GitRepo(tmp_path / "r")
    repo.write("a.py", "base\n")
    c0 = repo.commit("base")
    repo.branch("side").checkout("side")
    repo.write("a.py", "side\n")
    s1 = repo.commit("side edit")
    repo.checkout("main")
    repo.write("a.py", "main\n")
    c1 = repo.commit("main edit")
    m = repo.merge("side", resolve={"a.py": "merged\n"})
    doc, history = extract(repo.path)
    rid = REV(m, "a.py")
    assert doc[rid].attrs["m2p:status"] == "modified"
    assert sorted(r.target for r in rels(doc, "wasDerivedFrom", rid)) == sorted([REV(c1, "a.py"), REV(s1, "a.py")])
    assert sorted(r.target for r in rels(doc, "used", C(m))) == sorted([REV(c1, "a.py"), REV(s1, "a.py")])
    assert [r.target for r in rels(doc, "specializationOf", rid)] == [FILE(c0, "a.py")]
    assert [r.roles for r in rels(doc, "wasGeneratedBy", rid)] == [("ModifiedRevision",)]
    # the merge's own File list: still one File for a.py
    assert of_type(doc, "m2p:File") == [FILE(c0, "a.py")]


def test_merge_rename_on_one_side_edit_on_other(tmp_path):
    """Per-parent rename source: the second parent still holds the old path."""
    lines = "".join(f"line {i} of the module\n" for i in range(20))
    repo = GitRepo(tmp_path / "r")
    repo.write("old.py", lines)
    c0 = repo.commit("base")
    repo.branch("side").checkout("side")
    repo.write("old.py", lines + "side line\n")
    s1 = repo.commit("side edit")
    repo.checkout("main")
    repo.rename("old.py", "new.py")
    c1 = repo.commit("rename")
    m = repo.merge("side")  # rename-aware: new.py gets the side's edit, equal to neither parent's new.py
    assert repo.git("ls-tree", "--name-only", m).split() == ["new.py"]
    doc, _ = extract(repo.path)
    rid = REV(m, "new.py")
    prevs = sorted(r.target for r in rels(doc, "wasDerivedFrom", rid))
    assert prevs == sorted([REV(c1, "new.py"), REV(s1, "old.py")])
    assert [r.target for r in rels(doc, "specializationOf", rid)] == [FILE(c0, "old.py")]
    assert doc[rid].attrs["m2p:status"] == "modified"


def test_octopus_and_git_log_agreement(tmp_path):
    """Every previous revision equals `git log -1 P -- p'` on a history with merges, renames and a revert."""
    repo = GitRepo(tmp_path / "r")
    repo.write("p.txt", "A\n").write("q.txt", "q\n")
    x1 = repo.commit("x1")
    repo.branch("b").branch("o1").branch("o2")
    repo.checkout("b")
    repo.write("p.txt", "B\n")
    repo.commit("x2")
    repo.write("p.txt", "A\n")
    repo.commit("x3 revert")
    repo.checkout("main")
    repo.write("q.txt", "q2\n")
    x4 = repo.commit("x4")
    repo.merge("b")
    repo.write("p.txt", "C\n")
    child = repo.commit("after merge")
    repo.checkout("o1")
    repo.write("o1.txt", "1\n")
    repo.commit("o1")
    repo.checkout("o2")
    repo.write("o2.txt", "2\n")
    repo.commit("o2")
    repo.checkout("main")
    main_tip = repo.rev()
    repo.git("checkout", "o1", "--", "o1.txt")
    repo.git("checkout", "o2", "--", "o2.txt")
    repo.write("q.txt", "q-octopus\n")  # differs from all three parents
    octo = repo.raw_commit("octopus\n", "Ann <ann@x.org>", parents=(main_tip, repo.rev("o1"), repo.rev("o2")))
    repo.write("q.txt", "q-final\n")
    repo.commit("after octopus")
    doc, history = extract(repo.path)
    checked = 0
    for c in history.commits.values():
        for rev in c.revisions:
            for psha, ppath in rev.previous:
                outs = {repo.git("log", "-1", "--format=%H", p, "--", ppath).strip() for p in c.parents}
                assert psha in outs, (rev, outs)
                checked += 1
    assert checked >= 5
    octo_revs = [r for r in history.commits[octo].revisions]
    assert [(r.path, r.status) for r in octo_revs] == [("q.txt", "modified")]
    assert sorted(octo_revs[0].previous) == sorted([(x4, "q.txt"), (x1, "q.txt")])  # o1 and o2 share x1's
    assert len(rels(doc, "used", C(octo))) == 2
    # after the merge, p.txt's previous revision is x1's (the first parent's chain), not the revert x3
    (der,) = rels(doc, "wasDerivedFrom", REV(child, "p.txt"))
    assert der.target == REV(x1, "p.txt")


# ----------------------------------------------------------------------------------------------- renames
def test_case_12_git_mv(tmp_path):
    repo = GitRepo(tmp_path / "r")
    repo.write("old.py", "x = 1\n")
    c0 = repo.commit("add")
    repo.write("old.py", "x = 2\n")
    c1 = repo.commit("edit")
    repo.rename("old.py", "new.py")
    c2 = repo.commit("rename")
    doc, _ = extract(repo.path)
    rid = REV(c2, "new.py")
    rev = doc[rid]
    assert rev.attrs["m2p:status"] == "renamed" and rev.attrs["m2p:previous_path"] == "old.py"
    assert list(rev.attrs)[-1] == "m2p:previous_path"
    assert [r.target for r in rels(doc, "specializationOf", rid)] == [FILE(c0, "old.py")]
    assert [r.target for r in rels(doc, "wasDerivedFrom", rid)] == [REV(c1, "old.py")]
    assert [r.roles for r in rels(doc, "wasGeneratedBy", rid)] == [("RenamedRevision",)]
    assert REV(c2, "old.py") not in doc
    assert [e.attrs["m2p:status"] for e in doc.of_type("m2p:FileRevision") if e.attrs["m2p:commit"] == c2] == [
        "renamed"
    ]
    assert of_type(doc, "m2p:File") == [FILE(c0, "old.py")]


def test_case_13_rename_with_edit(tmp_path):
    repo = GitRepo(tmp_path / "r")
    lines = [f"value_{i} = {i * 1000:06d}\n" for i in range(10)]
    repo.write("old.py", "".join(lines))
    c0 = repo.commit("add")
    edited = lines[:6] + [f"other_{i} = {i * 7:06d}\n" for i in range(4)]  # 60 % of the lines kept
    repo.rename("old.py", "new.py")
    repo.write("new.py", "".join(edited))
    c1 = repo.commit("rename and edit")
    doc, _ = extract(repo.path)
    rid = REV(c1, "new.py")
    assert doc[rid].attrs["m2p:status"] == "renamed"
    assert doc[rid].attrs["m2p:previous_path"] == "old.py"
    assert doc[rid].attrs["m2p:blob"] == repo.git("rev-parse", f"{c1}:new.py").strip()
    assert [r.target for r in rels(doc, "wasDerivedFrom", rid)] == [REV(c0, "old.py")]
    assert [r.target for r in rels(doc, "specializationOf", rid)] == [FILE(c0, "old.py")]
    assert REV(c1, "old.py") not in doc


def test_copy_is_addition(tmp_path):
    repo = GitRepo(tmp_path / "r")
    content = "".join(f"line {i}\n" for i in range(30))
    repo.write("a.py", content)
    repo.commit("add")
    repo.write("b.py", content)
    c1 = repo.commit("copy")
    doc, _ = extract(repo.path)
    assert doc[REV(c1, "b.py")].attrs["m2p:status"] == "added"
    assert FILE(c1, "b.py") in doc and not rels(doc, "wasDerivedFrom", REV(c1, "b.py"))


# ------------------------------------------------------------------------------------------------- paths
def test_case_14_path_with_space(tmp_path):
    repo = GitRepo(tmp_path / "r")
    repo.write("data/my file.csv", "a,b\n")
    c = repo.commit("data")
    doc, _ = extract(repo.path)
    rid = f"git:revision/{c}/data/my%20file.csv"
    assert doc[rid].attrs["m2p:path"] == "data/my file.csv"
    assert doc[rid].attrs["m2p:name"] == "my file.csv"
    assert f"git:file/{c}/data/my%20file.csv" in doc


def test_case_15_non_ascii_and_quote(tmp_path):
    repo = GitRepo(tmp_path / "r")
    repo.write('ü"q.py', "x\n")
    c = repo.commit("odd name")
    doc, _ = extract(repo.path)
    (rev,) = doc.of_type("m2p:FileRevision")
    assert rev.id.endswith("%C3%BC%22q.py") and rev.id == f"git:revision/{c}/%C3%BC%22q.py"
    assert rev.attrs["m2p:path"] == 'ü"q.py'
    text = doc.to_json()
    assert "\\303" not in text and '"\\"' not in text
    assert json.loads(text)["entity"][rev.id]["m2p:path"] == 'ü"q.py'


def test_non_utf8_path(tmp_path):
    import os

    repo = GitRepo(tmp_path / "r")
    raw = os.fsencode(str(repo.path)) + b"/caf\xe9.txt"
    with open(raw, "wb") as fh:
        fh.write(b"x\n")
    repo.git("add", "-A")
    c = repo.commit("latin-1 name")
    doc, _ = extract(repo.path)
    rid = f"git:revision/{c}/caf%E9.txt"
    assert doc[rid].attrs["m2p:path"] == "caf\ufffd.txt"
    assert f"git:file/{c}/caf%E9.txt" in doc
    assert json.loads(doc.to_json())["entity"][rid]["m2p:name"] == "caf\ufffd.txt"


def test_submodule_skipped(tmp_path):
    repo = GitRepo(tmp_path / "r")
    repo.write("a.py", "a\n")
    c0 = repo.commit("a")
    repo.git("update-index", "--add", "--cacheinfo", f"160000,{c0},vendor/lib")
    c1 = repo.commit("add submodule")
    doc, _ = extract(repo.path)
    assert not [e for e in doc.of_type("m2p:FileRevision") if e.attrs["m2p:commit"] == c1]
    assert C(c1) in doc


# -------------------------------------------------------------------------------------------- commits, refs
def test_case_16_empty_commit(tmp_path):
    repo = GitRepo(tmp_path / "r")
    repo.write("a.py", "a\n")
    c0 = repo.commit("a")
    c1 = repo.commit("nothing changed")
    doc, _ = extract(repo.path)
    assert doc[C(c1)].attrs["m2p:title"] == "nothing changed"
    assert [r.target for r in rels(doc, "wasInformedBy", C(c1))] == [C(c0)]
    assert len(rels(doc, "wasAssociatedWith", C(c1))) == 1
    assert not rels(doc, "used", C(c1))


def test_case_17_reachability(tmp_path):
    repo = GitRepo(tmp_path / "r")
    repo.write("a.py", "a\n")
    c0 = repo.commit("base")
    repo.checkout(c0, detach=True)
    t = repo.commit("only tagged")
    repo.tag("t1", t)
    repo.checkout(c0, detach=True)
    r = repo.commit("only remote")
    repo.git("update-ref", "refs/remotes/origin/feature", r)
    repo.checkout("main")
    repo.write("a.py", "stashed\n")
    repo.git("stash", "-q")
    stash_commits = repo.git("rev-list", "refs/stash", f"^{c0}").split()
    repo.git("notes", "add", "-m", "note", c0)
    notes_commits = repo.git("rev-list", "refs/notes/commits").split()
    repo.checkout(c0, detach=True)
    d = repo.commit("only detached HEAD")
    doc, history = extract(repo.path)
    for sha in (c0, t, r, d):
        assert C(sha) in doc
    assert len(stash_commits) == 2 and notes_commits
    for sha in stash_commits + notes_commits:
        assert C(sha) not in doc and sha not in history.commits
    assert len(history.commits) == 4
    # explicit git_refs narrow the walk
    doc2, _ = extract(repo.path, git_refs=["refs/heads/*"])
    assert [e.id for e in doc2.of_type("m2p:Commit")] == [C(c0)]
    doc3, _ = extract(repo.path, git_refs=["t1", "origin/feature"])  # short names, as git would resolve them
    assert sorted(e.id for e in doc3.of_type("m2p:Commit")) == sorted([C(c0), C(t), C(r)])
    everything, _ = extract(repo.path, git_refs=["refs/*", "HEAD"])  # stash and notes stay excluded
    assert len(list(everything.of_type("m2p:Commit"))) == 4


def test_case_18_refs(tmp_path):
    repo = GitRepo(tmp_path / "r")
    repo.write("a.py", "a\n")
    c0 = repo.commit("base")
    repo.tag("v1")
    repo.write("a.py", "b\n")
    c1 = repo.commit("second")
    repo.annotated_tag("v2", "Release 2\n\nNotes.", tagger=BOB, at=BASE_TIME + 10_000)
    doc, _ = extract(repo.path)
    refs = {
        f"git:ref/{c1}/refs/heads/main": ("m2p:GitBranch", "main", c1),
        f"git:ref/{c0}/refs/tags/v1": ("m2p:GitTag", "v1", c0),
        f"git:ref/{c1}/refs/tags/v2": ("m2p:GitTag", "v2", c1),
    }
    got = {e.id for t in ("m2p:GitBranch", "m2p:GitTag", "m2p:GitRemoteBranch") for e in doc.of_type(t)}
    assert got == set(refs)
    for rid, (t, short, target) in refs.items():
        e = doc[rid]
        assert e.attrs["prov:type"] == QName(t) and e.attrs["prov:label"] == short
        assert e.attrs["m2p:target"] == target and e.attrs["m2p:ref"] == rid.split("/", 2)[2]
        assert [r.target for r in rels(doc, "wasInfluencedBy", rid)] == [C(target)]
    v2 = doc[f"git:ref/{c1}/refs/tags/v2"]
    assert list(v2.attrs.items()) == [
        ("prov:type", QName("m2p:GitTag")),
        ("prov:label", "v2"),
        ("m2p:ref", "refs/tags/v2"),
        ("m2p:target", c1),
        ("m2p:tag_message", "Release 2\n\nNotes.\n"),
        ("m2p:tagged_at", utc(BASE_TIME + 10_000)),
    ]
    assert "m2p:tag_message" not in doc[f"git:ref/{c0}/refs/tags/v1"].attrs
    assert [r.args for r in rels(doc, "wasAttributedTo", f"git:ref/{c1}/refs/tags/v2")] == [
        (f"git:ref/{c1}/refs/tags/v2", BOB_ID)
    ]
    assert not rels(doc, "wasAttributedTo", f"git:ref/{c0}/refs/tags/v1")
    assert BOB_ID in doc and doc[BOB_ID].attrs["m2p:name"] == "Bob"
    assert len(rels(doc, "wasInfluencedBy")) == 3
    plain, _ = extract(repo.path, include_refs=False)
    assert not list(plain.of_type("m2p:GitTag")) and not list(plain.of_type("m2p:GitBranch"))
    assert not rels(plain, "wasInfluencedBy") and BOB_ID not in plain


def test_remote_branch_and_nested_tag(tmp_path):
    repo = GitRepo(tmp_path / "r")
    repo.write("a.py", "a\n")
    c0 = repo.commit("base")
    repo.git("update-ref", "refs/remotes/origin/main", c0)
    repo.git("symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/main")
    repo.annotated_tag("inner", "inner")
    repo.git("tag", "-a", "outer", "-m", "outer", "inner", env={"GIT_COMMITTER_DATE": f"@{BASE_TIME} +0000"})
    repo.git("tag", "tree-tag", f"{c0}^{{tree}}")
    doc, _ = extract(repo.path)
    remote = doc[f"git:ref/{c0}/refs/remotes/origin/main"]
    assert remote.attrs["prov:type"] == QName("m2p:GitRemoteBranch") and remote.attrs["prov:label"] == "origin/main"
    assert f"git:ref/{c0}/refs/remotes/origin/HEAD" not in doc  # a symbolic ref: walked, not an entity
    assert doc[f"git:ref/{c0}/refs/tags/outer"].attrs["m2p:tag_message"] == "outer\n"
    assert not [e for e in doc.of_type("m2p:GitTag") if "tree-tag" in e.id]


# ------------------------------------------------------------------------------------------------- times
def test_case_19_author_date_after_commit_date(tmp_path):
    repo = GitRepo(tmp_path / "r")
    repo.write("a.py", "a\n")
    c = repo.commit("future author date", authored_at=BASE_TIME + 5000, committed_at=BASE_TIME + 100)
    doc, _ = extract(repo.path)
    attrs = doc[C(c)].attrs
    assert attrs["prov:startTime"] == attrs["prov:endTime"] == utc(BASE_TIME + 100)
    assert attrs["m2p:authored_at"] == utc(BASE_TIME + 5000)
    assert attrs["m2p:committed_at"] == utc(BASE_TIME + 100)
    text = doc.to_json()
    assert "2023-11-14T22:15:00+00:00" in text


def test_start_is_author_date_when_earlier(tmp_path):
    repo = GitRepo(tmp_path / "r")
    repo.write("a.py", "a\n")
    repo.commit("one")
    repo.write("a.py", "b\n")
    c1 = repo.commit("two", authored_at=BASE_TIME + 1, committed_at=BASE_TIME + 1000)
    doc, _ = extract(repo.path)
    assert doc[C(c1)].attrs["prov:startTime"] == utc(BASE_TIME + 1)
    (used,) = rels(doc, "used", C(c1))
    assert used.time == utc(BASE_TIME + 1)


# ---------------------------------------------------------------------------------------------- options
def test_case_20_git_history_off(linear):
    repo, (c0, c1, c2, c3), full, _ = linear
    doc, history = extract(repo.path, git_history=False)
    assert not list(doc.of_type("m2p:File")) and not list(doc.of_type("m2p:FileRevision"))
    assert len(list(doc.of_type("m2p:Commit"))) == 4
    assert not rels(doc, "specializationOf") and not rels(doc, "used")
    opts = ExtractOptions.from_kwargs(git_history=False)
    rc = "mlflow:run/r1/creation"
    doc.activity(rc, utc(BASE_TIME + 9000))
    run = RunSource(rc, utc(BASE_TIME + 9000), c2, f"{repo.path}/src/a.py")
    link(doc, history, [run], [], [], opts)
    assert [r.args for r in rels(doc, "wasInformedBy", rc)] == [(rc, C(c2))]
    assert not rels(doc, "used", rc)


def test_case_21_deterministic(linear):
    repo, _, doc, _ = linear
    again, _ = extract(repo.path)
    assert again.to_json() == doc.to_json()
    third, _ = extract(repo.path)
    assert third.to_json(indent=2) == doc.to_json(indent=2)


def test_prov_roundtrip(linear):
    from prov.model import ProvDocument

    repo, _, doc, _ = linear
    parsed = ProvDocument.deserialize(content=doc.to_json(), format="json")
    assert parsed == doc.to_prov()
    assert ProvDoc.from_json(doc.to_json()) == doc


def test_time_windows_merge_to_full(tmp_path):
    repo = GitRepo(tmp_path / "r")
    shas = []
    for i in range(6):
        repo.write("a.py", f"{i}\n")
        if i % 2:
            repo.write(f"f{i}.py", "x\n")
        shas.append(repo.commit(f"c{i}"))
    repo.annotated_tag("v1", "tag", tagger=BOB)
    full, _ = extract(repo.path)
    mid = utc(BASE_TIME + 60 * 4)  # commit c3's time
    early, _ = extract(repo.path, until=mid)
    late, _ = extract(repo.path, since=mid)
    assert {C(s) for s in shas[:3]} == {e.id for e in early.of_type("m2p:Commit")}
    assert {C(s) for s in shas[3:]} == {e.id for e in late.of_type("m2p:Commit")}
    # a late revision names its earlier predecessor (spec P9) without describing it
    assert [r.target for r in rels(late, "wasDerivedFrom", REV(shas[3], "a.py"))] == [REV(shas[2], "a.py")]
    assert REV(shas[2], "a.py") not in late
    merged = ProvDoc()
    for part in (early, late):
        for eid, e in part.elements.items():
            if eid in merged.elements:
                assert merged.elements[eid].attrs == e.attrs
            else:
                merged.add_element(e.kind, eid, dict(e.attrs))
    relations = Counter(r.key() for r in early.relations) + Counter(r.key() for r in late.relations)
    refs_and_agents = Counter(
        r.key() for r in full.relations if r.kind in ("wasInfluencedBy",) or r.source.startswith("git:ref/")
    )
    # refs belong to every window: they appear once per window
    assert relations - refs_and_agents == Counter(r.key() for r in full.relations)
    assert merged.elements.keys() == full.elements.keys()


def test_max_text_length(tmp_path):
    repo = GitRepo(tmp_path / "r")
    repo.write("a.py", "a\n")
    c = repo.commit("A fairly long title line\n\n" + "body " * 50)
    repo.annotated_tag("v1", "tag message " * 10)
    doc, _ = extract(repo.path, max_text_length=10)
    attrs = doc[C(c)].attrs
    assert attrs["m2p:message"] == "A fairly l" and attrs["m2p:title"] == "A fairly l"
    assert attrs["m2p:truncated"] is True and list(attrs)[-1] == "m2p:truncated"
    tag = doc[f"git:ref/{c}/refs/tags/v1"]
    assert tag.attrs["m2p:tag_message"] == "tag messag" and tag.attrs["m2p:truncated"] is True
    full, _ = extract(repo.path)
    assert "m2p:truncated" not in full[C(c)].attrs


def test_label_at_most_80_chars(tmp_path):
    repo = GitRepo(tmp_path / "r")
    repo.write("a.py", "a\n")
    c = repo.commit("x" * 200)
    doc, _ = extract(repo.path)
    assert len(doc[C(c)].attrs["prov:label"]) == 80
    assert doc[C(c)].attrs["m2p:title"] == "x" * 200


# ------------------------------------------------------------------------------------------------ reader
def test_not_a_repository(tmp_path):
    plain = tmp_path / "plain"
    plain.mkdir()
    with pytest.raises(SourceError) as err:
        read_git(plain, ExtractOptions())
    msg = str(err.value)
    assert "\n" not in msg and "is not a Git repository" in msg and "--repo" in msg
    with pytest.raises(SourceError) as err:
        read_git(tmp_path / "missing", ExtractOptions())
    assert "does not exist" in str(err.value) and "\n" not in str(err.value)


def test_empty_repository(tmp_path):
    repo = GitRepo(tmp_path / "r")
    doc, history = extract(repo.path)
    assert not doc.elements and not doc.relations and not history.commits


def test_bare_repository_and_resolve_commit(linear, tmp_path):
    repo, (c0, c1, c2, c3), doc, _ = linear
    bare = tmp_path / "bare.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(repo.path), str(bare)], check=True)
    bdoc, history = extract(bare)
    assert history.workdir is None
    assert bdoc.to_json() == doc.to_json()
    assert history.resolve_commit(c2.upper()) == c2
    assert history.resolve_commit(f" {c2} ") == c2
    assert history.resolve_commit(c2[:12]) is None
    assert history.resolve_commit("0" * 40) is None
    assert history.resolve_commit(None) is None


def test_progress_bar(linear, capsys):
    repo, _, doc, _ = linear
    history = read_git(repo.path, ExtractOptions(), progress=True)
    assert len(history.commits) == 4
    assert "commits" in capsys.readouterr().err


# -------------------------------------------------------------------------------------- agreement with git
def _tree(repo: GitRepo, sha: str) -> dict[str, tuple[str, str]]:
    out = repo.git("ls-tree", "-r", "-z", sha)
    res = {}
    for item in out.split("\0"):
        if item:
            meta, path = item.split("\t", 1)
            mode, _, blob = meta.split(" ")
            res[path] = (mode, blob)
    return res


@pytest.mark.parametrize("seed", [1, 2])
def test_random_history_agrees_with_git(tmp_path, seed):
    """Revisions, previous revisions and entry points agree with git itself on random histories."""
    from gitrepo import random_history

    repo = GitRepo(tmp_path / "r")
    random_history(repo, seed)
    doc, history = extract(repo.path)
    merges = 0
    for c in history.commits.values():
        revs = {r.path: r for r in c.revisions}
        tree = _tree(repo, c.sha)
        parents = [_tree(repo, p) for p in c.parents]
        if len(c.parents) > 1:
            merges += 1
            changed = {p for p in tree if all(pt.get(p) != tree[p] for pt in parents)}
            assert {p for p, r in revs.items() if r.status != "deleted"} == changed
            for p, r in revs.items():
                if r.status == "deleted":
                    assert p not in tree and all(p in pt for pt in parents)
        else:
            out = repo.git("diff-tree", "-r", "-M", "--root", "--no-commit-id", "--name-status", "-z", c.sha)
            toks = [t for t in out.split("\0") if t]
            listed, i = {}, 0
            while i < len(toks):
                status = toks[i]
                if status[0] in "RC":
                    listed[toks[i + 2]] = (status[0], toks[i + 1])
                    i += 3
                else:
                    listed[toks[i + 1]] = (status[0], None)
                    i += 2
            assert set(revs) == set(listed)
            for p, (status, src) in listed.items():
                assert revs[p].previous_path == (src if status == "R" else None)
        for r in revs.values():
            assert (r.blob is None) == (r.status == "deleted")
            if r.blob is not None:
                assert tree[r.path][1] == r.blob
            for psha, ppath in r.previous:
                assert psha in {repo.git("log", "-1", "--format=%H", p, "--", ppath).strip() for p in c.parents}
            # every parent holding the old path contributes its previous revision
            old = r.previous_path or r.path
            for p, pt in zip(c.parents, parents):
                if len(c.parents) == 1 and old in pt:
                    expected = repo.git("log", "-1", "--format=%H", p, "--", old).strip()
                    assert (expected, old) in r.previous
        for path in list(tree)[:3]:
            expected = repo.git("log", "-1", "--format=%H", c.sha, "--", path).strip()
            assert history.entry_point_revision(c.sha, path) == REV(expected, path)
    assert merges >= 1


def test_bad_repository_or_old_git_fails_before_the_mlflow_read(tmp_path):
    """extract() reads MLflow first (for the entry points); a bad repository or a git too old for file history
    must still fail at once, before any MLflow request (here: a server nobody answers)."""
    import os
    import socket
    import sys
    import textwrap

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}"
    plain = tmp_path / "plain"
    plain.mkdir()
    from mlflow2prov_jupyter import extract as api_extract

    with pytest.raises(SourceError, match="is not a Git repository"):
        api_extract(plain, dead)
    repo = GitRepo(tmp_path / "r")
    repo.write("a.py", "1\n")
    repo.commit("c0")
    old_git = tmp_path / "old-git"
    old_git.write_text(
        textwrap.dedent("""\
        #!/bin/sh
        for a in "$@"; do [ "$a" = version ] && { echo "git version 2.20.1"; exit 0; }; done
        exec git "$@"
        """)
    )
    old_git.chmod(0o755)
    script = f"from mlflow2prov_jupyter import extract; extract({str(repo.path)!r}, {dead!r})"
    env = {**os.environ, "GIT_PYTHON_GIT_EXECUTABLE": str(old_git)}
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode != 0
    last = proc.stderr.strip().splitlines()[-1]
    assert "git version 2.20.1 is too old" in last and "git_history=False" in last, proc.stderr[-1500:]
