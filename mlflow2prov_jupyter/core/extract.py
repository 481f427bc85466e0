"""`extract()`: read a Git repository and an MLflow tracking store into one PROV document."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from .errors import OptionError
from .gcpause import gc_paused
from .options import ExtractOptions
from .provdoc import ProvDoc

if TYPE_CHECKING:
    from .git.reader import GitHistory
    from .mlflow.records import MlflowSnapshot


def extract(
    repo: str | os.PathLike[str] | None = None,
    tracking_uri: str | os.PathLike[str] | None = None,
    *,
    progress: bool | None = None,
    **options: Any,
) -> ProvDoc:
    """Extract the provenance of an ML project into a :class:`ProvDoc`.

    Args:
        repo: path of the project's Git work tree (or bare repository); None to skip the Git side.
        tracking_uri: the MLflow tracking store: an ``mlruns`` folder path or ``file:`` URI, a
            ``sqlite:///…`` URI, or an ``http(s)://`` server; None to skip the MLflow side.
        progress: show progress bars (default: only when stderr is a terminal).
        **options: extraction options (docs/prov-model.md#extraction-options): ``metric_history`` ("all" or
            "latest"), ``include_deleted``, ``git_history``, ``include_refs``, ``include_artifacts``,
            ``artifact_max_depth``, ``since``, ``until``, ``experiment_ids``, ``store_key``, ``git_refs``,
            ``user_map`` (path, YAML text or list), ``max_text_length``, ``max_artifacts`` (entries listed
            per run, default 10,000), ``timeout`` (seconds a server may stall, default
            ``$MLFLOW_HTTP_REQUEST_TIMEOUT`` else 30).

    The caller's MLflow settings (tracking URI, environment variables) are left as they were. Nothing the
    repository or the store names is ever run (see ``core/git/command.py``).
    Raises :class:`~mlflow2prov_jupyter.core.errors.Mlflow2ProvError` with a one-line message on bad input;
    a damaged run, file or artifact listing is read around instead: an
    :class:`~mlflow2prov_jupyter.core.errors.IncompleteWarning` names it and the document marks it
    ``m2p:incomplete``.
    """
    opts = ExtractOptions.from_kwargs(progress=progress, **options)
    return extract_with(repo, tracking_uri, opts)


def extract_with(repo: Any, tracking_uri: Any, opts: ExtractOptions) -> ProvDoc:
    """:func:`extract` with already validated options."""
    if repo in (None, "") and tracking_uri in (None, ""):
        raise OptionError(
            "nothing to extract: give a Git repository (--repo), an MLflow tracking URI (--tracking-uri), or both"
        )

    with gc_paused():  # the reads and builds make millions of acyclic objects: see gcpause
        return _extract(repo, tracking_uri, opts)


def _extract(repo: Any, tracking_uri: Any, opts: ExtractOptions) -> ProvDoc:
    from .git.reader import check_repo, read_git
    from .link import entry_points_of

    history = snap = None
    has_repo, has_store = repo not in (None, ""), tracking_uri not in (None, "")
    if has_repo:
        check_repo(os.fspath(repo), opts)  # a bad path or an old git fails before the (longer) MLflow read
    if has_store:
        from .mlflow.reader import read_mlflow

        snap = read_mlflow(os.fspath(tracking_uri), opts, progress=opts.progress)
    if has_repo:
        # Read after MLflow so that the walk resolves the runs' entry points as it passes their commits.
        wanted = entry_points_of(snap) if snap is not None else None
        history = read_git(os.fspath(repo), opts, progress=opts.progress, entry_points=wanted)
    doc = build_document(history, snap, opts)
    doc.name = _name_of(repo, tracking_uri)
    return doc


def build_document(history: "GitHistory | None", snap: "MlflowSnapshot | None", opts: ExtractOptions) -> ProvDoc:
    """The document of a read Git history and MLflow snapshot (either may be None): both sides, then the links.

    An incremental sync builds from a partial snapshot (a few runs) and a history answering only the links."""
    from .git.build import build_git
    from .link import link
    from .mlflow.build import build_mlflow

    doc = ProvDoc()
    if history is not None:
        build_git(doc, history, opts)
    if snap is not None:
        inputs = build_mlflow(doc, snap, opts)
        link(doc, history, inputs.runs, inputs.models, inputs.users, opts)
    return doc


def _name_of(repo: Any, tracking_uri: Any) -> str:
    if repo not in (None, ""):
        return os.path.basename(os.path.abspath(os.fspath(repo))) or "provenance"
    return "mlflow"
