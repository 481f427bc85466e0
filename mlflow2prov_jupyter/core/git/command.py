"""The one way this package starts git: a hardened invocation that never runs what a repository names.

A repository's own config (``.git/config`` and the files it includes) and attributes can name programs git
would run: fsmonitor, hooks, external diff and textconv drivers, filters, pagers, credential helpers, ssh and
proxy commands, and the transports of a lazy fetch in a partial clone. Reading history needs none of them, so
every call goes through :func:`git_argv` / :func:`git_env`:

* the user's global and system config are not read (``GIT_CONFIG_NOSYSTEM``, ``GIT_CONFIG_GLOBAL``), except
  their ``safe.directory`` entries, passed on the command line so that git's ownership check keeps working;
* command-line settings, which win over every config file, switch each such program off;
* the environment turns off prompts, pagers, lazy fetches and optional lock files, and drops the caller's
  ``GIT_*`` variables (``GIT_DIR``, ``GIT_EXTERNAL_DIFF``, ``GIT_CONFIG_PARAMETERS``, …);
* callers pass ``--no-ext-diff --no-textconv`` to the diffing commands.

The git executable is ``$GIT_PYTHON_GIT_EXECUTABLE`` if set (as GitPython did), else ``git`` on PATH.
"""

from __future__ import annotations

import os
import subprocess
from functools import lru_cache
from typing import IO, Sequence

from ..errors import SourceError

#: Settings that keep every program a repository may name from running, and the output parseable.
HARDENED_CONFIG: tuple[str, ...] = (
    "core.fsmonitor=false",
    "core.hooksPath=/dev/null",
    "core.pager=cat",
    "core.editor=false",
    "sequence.editor=false",
    "core.askPass=",
    "credential.helper=",  # an empty value clears the list of helpers
    "core.sshCommand=false",
    "core.gitProxy=",
    "core.alternateRefsCommand=",
    "core.attributesFile=/dev/null",
    "diff.external=",
    "gpg.program=false",
    "gpg.ssh.program=false",
    "gpg.x509.program=false",
    "uploadpack.packObjectsHook=",
    "protocol.allow=never",  # no transport at all: a partial clone's lazy fetch fails instead of running one
    *(f"protocol.{p}.allow=never" for p in ("ext", "file", "ssh", "git", "http", "https", "fd")),
    "color.ui=false",
    "diff.relative=false",  # paths from the top, whatever the repository says
    "core.quotePath=false",
    "log.showSignature=false",
    "log.follow=false",
    "i18n.logOutputEncoding=UTF-8",
)

#: Environment variables of the caller that git may keep (everything else named ``GIT_*`` is dropped).
_KEPT_GIT_ENV = ("GIT_EXEC_PATH",)

_HARDENED_ENV = {
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_PAGER": "cat",
    "PAGER": "cat",
    "GIT_NO_LAZY_FETCH": "1",  # git >= 2.44; older gits are held by protocol.allow=never
    "GIT_OPTIONAL_LOCKS": "0",  # a reader writes nothing, not even a refreshed index
    "GIT_PROTOCOL_FROM_USER": "0",
    "GIT_ADVICE": "0",
}

NOT_FOUND = "the git executable was not found; install git and make sure it is on PATH"


def git_executable() -> str:
    """The git program: ``$GIT_PYTHON_GIT_EXECUTABLE`` if set, else ``git`` on PATH."""
    return os.environ.get("GIT_PYTHON_GIT_EXECUTABLE") or "git"


def git_env() -> dict[str, str]:
    """The environment of every git process (see the module docstring)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_") or k in _KEPT_GIT_ENV}
    env.pop("SSH_ASKPASS", None)
    env.update(_HARDENED_ENV)
    return env


def git_argv(
    args: Sequence[str], git_dir: str | None = None, literal_pathspecs: bool = False, git: str | None = None
) -> list[str]:
    """``git <hardened settings> [--git-dir D] [--literal-pathspecs] args…`` (``git``: the executable)."""
    git = git or git_executable()
    argv = [git, "--no-pager"]
    for setting in HARDENED_CONFIG + _safe_directories(git):
        argv += ["-c", setting]
    if git_dir is not None:
        argv += ["--git-dir", git_dir]
    if literal_pathspecs:
        argv.append("--literal-pathspecs")
    return argv + list(args)


def run_git(
    args: Sequence[str],
    git_dir: str | None = None,
    *,
    cwd: str | None = None,
    stdin: bytes | None = None,
    literal_pathspecs: bool = False,
    env: dict[str, str] | None = None,
    git: str | None = None,
) -> subprocess.CompletedProcess[bytes]:
    """Run git to completion (stdout and stderr captured); raises :class:`SourceError` when git is missing."""
    try:
        return subprocess.run(
            git_argv(args, git_dir, literal_pathspecs, git),
            input=stdin,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=None if stdin is not None else subprocess.DEVNULL,
            cwd=cwd,
            env=env or git_env(),
            check=False,
        )
    except (FileNotFoundError, NotADirectoryError, PermissionError):
        raise SourceError(NOT_FOUND) from None


def popen_git(args: Sequence[str], git_dir: str | None = None, git: str | None = None) -> subprocess.Popen[bytes]:
    """Start git with pipes on stdin, stdout and stderr (for the streaming readers)."""
    try:
        return subprocess.Popen(
            git_argv(args, git_dir, git=git),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=git_env(),
        )
    except (FileNotFoundError, NotADirectoryError, PermissionError):
        raise SourceError(NOT_FOUND) from None


def pipes(proc: subprocess.Popen[bytes]) -> tuple[IO[bytes], IO[bytes], IO[bytes]]:
    """The stdin, stdout and stderr of a process :func:`popen_git` started (it opens all three)."""
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    return proc.stdin, proc.stdout, proc.stderr


@lru_cache(maxsize=8)
def _safe_directories(git: str) -> tuple[str, ...]:
    """The user's own ``safe.directory`` entries (system and global config, the only places git honours
    them), as command-line settings; read once per process and git program."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_") or k in _KEPT_GIT_ENV}
    for k in ("GIT_CONFIG_NOSYSTEM", "GIT_CONFIG_GLOBAL", "GIT_CONFIG_SYSTEM"):
        if k in os.environ:  # the user's (or a test's) choice of config files
            env[k] = os.environ[k]
    env["GIT_TERMINAL_PROMPT"] = "0"
    values: list[str] = []
    try:
        proc = subprocess.run(
            [git, "config", "--show-scope", "--includes", "--get-all", "safe.directory"],
            stdin=subprocess.DEVNULL, capture_output=True, env=env, cwd=os.path.abspath(os.sep), check=False,
        )  # fmt: skip
    except OSError:
        return ()
    if proc.returncode == 0:  # 1: none set
        for line in proc.stdout.decode("utf-8", "surrogateescape").splitlines():
            scope, _, value = line.partition("\t")
            if scope in ("system", "global"):  # never a repository's own (local) entry
                values.append(value)
    return tuple(f"safe.directory={v}" for v in values)


__all__ = ["HARDENED_CONFIG", "git_executable", "git_env", "git_argv", "run_git", "popen_git", "pipes", "NOT_FOUND"]
