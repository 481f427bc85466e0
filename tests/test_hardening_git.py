"""Reading a hostile repository executes nothing its config, attributes or hooks name (issue 13 item 1).

The repository below sets every hook, driver and helper git knows to a command that writes a marker file:
extraction through the CLI, the Python API and ``core.git.reader`` directly must leave no marker behind, and
still read the whole history (merges, renames, annotated tags).
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from gitrepo import GitRepo

from mlflow2prov_jupyter.core.errors import SourceError
from mlflow2prov_jupyter.core.git.reader import check_repo, read_git
from mlflow2prov_jupyter.core.options import ExtractOptions

HOOKS = (
    "pre-commit", "post-commit", "post-checkout", "post-merge", "pre-push", "post-rewrite", "reference-transaction",
    "post-index-change", "fsmonitor-watchman", "pre-auto-gc", "push-to-checkout", "sendemail-validate",
)  # fmt: skip


def _marker_cmd(markers: Path, name: str) -> str:
    return f"touch '{markers}/{name}'; false"


def _script(path: Path, markers: Path, name: str) -> str:
    path.write_text(f"#!/bin/sh\ntouch '{markers}/{name}'\nexit 1\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return str(path)


def hostile_repo(root: Path) -> tuple[GitRepo, Path]:
    """A repository with a merge, a rename, an annotated tag and a remote, whose config (and an included
    file, hooks and .gitattributes) name a marker-writing command for every knob that can run one."""
    markers = root / "markers"
    markers.mkdir()
    repo = GitRepo(root / "repo")
    repo.write(".gitattributes", "* diff=evil filter=evil merge=evil\n*.py diff=evil\n")
    repo.write("a.py", "print(1)\n" * 20)
    repo.write("b.txt", "b\n")
    repo.commit("c0")
    repo.branch("side")
    repo.write("a.py", "print(2)\n" * 20)
    repo.commit("c1 on main")
    repo.checkout("side")
    repo.rename("b.txt", "c.txt")
    repo.write("d.py", "x = 1\n")
    repo.commit("c2 on side")
    repo.checkout("main")
    repo.merge("side", "merge side")
    repo.rename("a.py", "src/a.py")
    repo.commit("rename")
    repo.annotated_tag("v1", "release one")
    # Every hook, in .git/hooks and in a hooksPath folder.
    hooks = root / "hooks"
    hooks.mkdir()
    for folder in (hooks, repo.path / ".git" / "hooks"):
        for h in HOOKS:
            _script(folder / h, markers, f"hook-{h}")
    evil = _script(root / "evil.sh", markers, "evil-program")
    included = root / "included.gitconfig"
    included.write_text(
        "[core]\n"
        f"\tpager = {_marker_cmd(markers, 'include-pager')}\n"
        f"\tfsmonitor = {_script(root / 'fsmon2.sh', markers, 'include-fsmonitor')}\n"
        "[diff]\n"
        f"\texternal = {_script(root / 'extdiff2.sh', markers, 'include-diff-external')}\n"
    )
    settings = {
        "core.fsmonitor": _script(root / "fsmon.sh", markers, "fsmonitor"),
        "core.hooksPath": str(hooks),
        "core.pager": _marker_cmd(markers, "pager"),
        "core.editor": _marker_cmd(markers, "editor"),
        "core.sshCommand": _marker_cmd(markers, "ssh-command"),
        "core.askPass": _script(root / "askpass.sh", markers, "askpass"),
        "core.gitProxy": _script(root / "proxy.sh", markers, "git-proxy"),
        "core.alternateRefsCommand": _marker_cmd(markers, "alternate-refs"),
        "core.attributesFile": str(root / "attributes"),
        "diff.external": _script(root / "extdiff.sh", markers, "diff-external"),
        "diff.evil.textconv": _marker_cmd(markers, "textconv"),
        "diff.evil.command": _marker_cmd(markers, "diff-driver-command"),
        "merge.evil.driver": _marker_cmd(markers, "merge-driver"),
        "filter.evil.clean": _marker_cmd(markers, "filter-clean"),
        "filter.evil.smudge": _marker_cmd(markers, "filter-smudge"),
        "filter.evil.process": _marker_cmd(markers, "filter-process"),
        "filter.evil.required": "true",
        "credential.helper": f"!{_marker_cmd(markers, 'credential-helper')}",
        "gpg.program": evil,
        "gpg.ssh.program": evil,
        "gpg.x509.program": evil,
        "log.showSignature": "true",
        "uploadpack.packObjectsHook": _marker_cmd(markers, "pack-objects-hook"),
        "sequence.editor": _marker_cmd(markers, "sequence-editor"),
        "alias.log": f"!{_marker_cmd(markers, 'alias-log')}",
        "alias.diff-tree": f"!{_marker_cmd(markers, 'alias-diff-tree')}",
        "alias.rev-parse": f"!{_marker_cmd(markers, 'alias-rev-parse')}",
        "protocol.allow": "always",
        "protocol.ext.allow": "always",
        "protocol.file.allow": "always",
        "remote.origin.url": f"ext::sh -c touch% {markers}/ext-transport",
        "remote.origin.uploadpack": _marker_cmd(markers, "remote-uploadpack"),
        "remote.origin.receivepack": _marker_cmd(markers, "remote-receivepack"),
        "remote.origin.promisor": "true",
        "extensions.partialClone": "origin",
        "color.ui": "always",
        "log.decorate": "full",
        "diff.renames": "copies",
        "include.path": str(included),
    }
    (root / "attributes").write_text("* diff=evil filter=evil\n")
    for key, value in settings.items():
        if key == "extensions.partialClone":
            repo.git("config", "core.repositoryformatversion", "1")
        repo.git("config", key, value)
    return repo, markers


def _env() -> dict[str, str]:
    """The test process's environment, with a user config that sets nothing (as on a fresh machine)."""
    env = dict(os.environ)
    env.update({"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull, "PYTHONDONTWRITEBYTECODE": "1"})
    return env


def _no_markers(markers: Path) -> None:
    ran = sorted(p.name for p in markers.iterdir())
    assert not ran, f"reading the repository ran: {', '.join(ran)}"


def test_hostile_repo_runs_nothing_through_git_reader(tmp_path):
    repo, markers = hostile_repo(tmp_path)
    check_repo(repo.path, ExtractOptions())
    history = read_git(repo.path, ExtractOptions())
    _no_markers(markers)
    assert len(history.commits) == 5
    assert sum(len(c.parents) == 2 for c in history.commits.values()) == 1
    side = next(c for c in history.commits.values() if c.title == "c2 on side")
    assert {(r.path, r.status) for r in side.revisions} == {("c.txt", "renamed"), ("d.py", "added")}
    renamed = [r for c in history.commits.values() for r in c.revisions if r.status == "renamed"]
    assert {(r.previous_path, r.path) for r in renamed} == {("b.txt", "c.txt"), ("a.py", "src/a.py")}
    assert any(r.annotated and r.tag_message.strip() == "release one" for r in history.refs)
    # a question answered by asking git (ls-tree / log -1) goes through the same guarded call
    head = next(iter(reversed(history.commits)))
    assert history.entry_point_revision(head, "src/a.py") is not None
    _no_markers(markers)


def test_hostile_repo_runs_nothing_through_the_api_and_the_cli(tmp_path):
    repo, markers = hostile_repo(tmp_path)
    from mlflow2prov_jupyter import extract

    doc = extract(repo.path)
    assert any(el.id.startswith("git:commit/") for el in doc.elements.values())
    _no_markers(markers)
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "mlflow2prov_jupyter.cli", "extract", "--repo", str(repo.path), "save", "-o", str(out)],
        capture_output=True, text=True, env=_env(), cwd=repo.path, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "out.json").is_file()
    _no_markers(markers)


def test_repository_of_another_owner_needs_the_users_safe_directory(tmp_path):
    """git refuses a repository another user owns unless the user's own config lists it in safe.directory;
    that setting keeps working although the reader ignores the user's other git settings."""
    if os.geteuid() != 0:
        pytest.skip("changing a folder's owner needs root")
    repo = GitRepo(tmp_path / "theirs")
    repo.write("a.py", "1\n")
    repo.commit("c0")
    for dirpath, dirnames, filenames in os.walk(repo.path):
        for name in dirnames + filenames:
            os.lchown(os.path.join(dirpath, name), 4321, 4321)
    os.chown(repo.path, 4321, 4321)
    home = tmp_path / "home"
    home.mkdir()
    script = (
        "import sys\nfrom mlflow2prov_jupyter import extract\n"
        "from mlflow2prov_jupyter.core.errors import SourceError\n"
        f"try:\n    print(len(extract({str(repo.path)!r}).elements))\n"
        "except SourceError as e:\n    print('ERR', e)\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_CONFIG")}
    env.update({"HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"), "GIT_CONFIG_NOSYSTEM": "1"})
    refused = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120)
    assert refused.stdout.startswith("ERR") and "safe.directory" in refused.stdout, refused.stdout + refused.stderr
    (home / ".gitconfig").write_text(f"[safe]\n\tdirectory = {repo.path}\n")
    allowed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120)
    assert allowed.stdout.strip().isdigit() and int(allowed.stdout) > 0, allowed.stdout + allowed.stderr


def test_not_a_repository_and_missing_git_are_one_line(tmp_path, monkeypatch):
    plain = tmp_path / "plain"
    plain.mkdir()
    with pytest.raises(SourceError, match="is not a Git repository"):
        check_repo(plain)
    repo = GitRepo(tmp_path / "r")
    repo.write("a.py", "1\n")
    repo.commit("c0")
    sub = repo.path / "sub"
    sub.mkdir()
    with pytest.raises(SourceError, match="is not a Git repository"):  # a folder inside a work tree is not one
        check_repo(sub)
    monkeypatch.setenv("GIT_PYTHON_GIT_EXECUTABLE", str(tmp_path / "no-such-git"))
    with pytest.raises(SourceError, match="git executable was not found"):
        check_repo(repo.path)
