"""The verbs of the toolkit, each defined once.

A verb works on a *stream* of documents, like a stage of a Unix pipeline: ``extract`` and ``load`` append
documents, ``merge`` replaces the stream by their union, ``transform`` maps every document, ``save`` and
``statistics`` pass the stream through. The click CLI (:mod:`.cli`), YAML pipelines (:mod:`.pipeline`),
the ``%mlflow2prov`` magics and the explorer's buttons are all generated from, or call, these definitions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from .core.options import DEFAULT_GIT_REFS, ExtractOptions, MetricHistory
from .core.provdoc import ProvDoc
from .ops.formats import READ_FORMATS, WRITE_FORMATS


@dataclass(frozen=True)
class Option:
    """One option of a verb. ``name`` is the Python/YAML name; the CLI flag is derived from it."""

    name: str
    help: str
    type: str = "str"  # str | path | int | bool | choice
    default: Any = None
    multiple: bool = False
    choices: tuple[str, ...] = ()
    short: str | None = None  # e.g. "-o"
    flag_pair: bool = False  # bool options: --x/--no-x (else a plain on-flag)
    argument: bool = False  # positional (any number) on the CLI
    cli_name: str | None = None  # CLI flag name when it differs from the YAML name (singular of a list)
    aliases: tuple[str, ...] = ()  # extra YAML names (e.g. use_pseudonyms)
    required: bool = False

    @property
    def flag(self) -> str:
        return "--" + (self.cli_name or self.name).replace("_", "-")


@dataclass
class RunContext:
    """What a verb may use besides its options: where to print, progress, and named documents."""

    echo: Callable[[str], None] = print
    progress: bool | None = None
    resolve: Callable[[str], list[ProvDoc] | None] = lambda name: None  # notebook variables
    outputs: list[Any] = field(default_factory=list)  # results for a caller (e.g. statistics rows)
    exit_code: int = 0  # a verb's verdict (diff: 1 when documents differ; validate: 1 on errors)


@dataclass(frozen=True)
class Verb:
    name: str
    help: str
    options: tuple[Option, ...]
    run: Callable[[list[ProvDoc], dict[str, Any], RunContext], list[ProvDoc]]

    def option(self, name: str) -> Option | None:
        for o in self.options:
            if o.name == name or name in o.aliases:
                return o
        return None

    def defaults(self) -> dict[str, Any]:
        return {o.name: (list(o.default or ()) if o.multiple else o.default) for o in self.options}


# ------------------------------------------------------------------------------------------------- run
def _extract(stream: list[ProvDoc], kw: dict[str, Any], ctx: RunContext) -> list[ProvDoc]:
    from .core.extract import extract

    kw = dict(kw)
    repo = kw.pop("repo")
    uri = kw.pop("tracking_uri")
    kw["experiment_ids"] = kw.pop("experiment_ids") or None
    kw["git_refs"] = kw.pop("git_refs") or None
    progress = ctx.progress
    return stream + [extract(repo, uri, progress=progress, **kw)]


def _load(stream: list[ProvDoc], kw: dict[str, Any], ctx: RunContext) -> list[ProvDoc]:
    from .core.errors import OptionError
    from .ops.load import load

    path = kw["path"]
    if kw.get("store"):
        from .store.push import load as load_store

        if path:
            raise OptionError("load takes a file or --store, not both: use two load steps")
        return stream + load_store(kw["store"], kw.get("project"), kw.get("graph"))
    if not path:
        raise OptionError("load needs a file to read ('-' reads stdin) or --store STORE")
    named = ctx.resolve(path)
    if named is not None:
        return stream + list(named)
    return stream + [load(path, format=kw.get("format"))]


def _save(stream: list[ProvDoc], kw: dict[str, Any], ctx: RunContext) -> list[ProvDoc]:
    from .core.errors import OptionError
    from .ops.save import save

    if not stream:
        raise OptionError("save has no document to write: put extract, load or merge before it")
    paths = save(stream, kw["output"], formats=tuple(kw["formats"] or ("json",)), overwrite=kw["overwrite"])
    for p in paths:
        if str(p) != "-":
            ctx.echo(f"saved {p}")
    ctx.outputs.append(paths)
    return stream


def _merge(stream: list[ProvDoc], kw: dict[str, Any], ctx: RunContext) -> list[ProvDoc]:
    from .ops.merge import merge

    if not stream:
        return stream
    return [merge(stream, on_conflict=kw["on_conflict"])]


def _transform(stream: list[ProvDoc], kw: dict[str, Any], ctx: RunContext) -> list[ProvDoc]:
    from .ops.transform import transform

    return [
        transform(
            d,
            eliminate_duplicates=kw["eliminate_duplicates"],
            merge_aliased_agents=kw["merge_aliased_agents"],
            pseudonymize=kw["pseudonymize"],
            key=kw["key"],
            mapping=kw["mapping"],
            scrub_text=kw["scrub_text"],
            overwrite=kw["overwrite"],
        )
        for d in stream
    ]


def _demo(stream: list[ProvDoc], kw: dict[str, Any], ctx: RunContext) -> list[ProvDoc]:
    import os

    from .core.extract import extract
    from .ops.save import save
    from .ops.statistics import statistics
    from .sample.project import create_sample_project

    directory = kw["directory"] or "mlflow2prov-demo"
    ctx.echo(f"creating the sample project in {os.path.abspath(directory)} ...")
    manifest = create_sample_project(directory, overwrite=kw["overwrite"], progress=lambda msg: ctx.echo(f"  {msg}"))
    doc = extract(manifest.repo_path, manifest.tracking_uri, progress=ctx.progress)
    paths = save([doc], os.path.join(directory, "provenance"), formats=("json",), overwrite=True)
    ctx.echo(f"saved {paths[0]}")
    ctx.echo(statistics(doc, resolution="coarse", format="table").rstrip("\n"))
    return stream + [doc]


def _statistics(stream: list[ProvDoc], kw: dict[str, Any], ctx: RunContext) -> list[ProvDoc]:
    from .ops.statistics import statistics

    for d in stream:
        text = statistics(d, resolution=kw["resolution"], format=kw["format"])
        ctx.echo(text.rstrip("\n"))
        ctx.outputs.append(text)
    return stream


def _with_store(stream: list[ProvDoc], kw: dict[str, Any]) -> list[ProvDoc]:
    """The stream plus, with --store, the store's projects as one linked document (store/links.py)."""
    if not kw.get("store"):
        return stream
    from .store.links import linked_document

    return stream + [linked_document(kw["store"], kw.get("projects") or None)]


def _push(stream: list[ProvDoc], kw: dict[str, Any], ctx: RunContext) -> list[ProvDoc]:
    from .core.errors import OptionError
    from .store.push import push

    if not stream:
        raise OptionError("push has no document to write: put extract, load or merge before it")
    if kw["project"] and len(stream) > 1:
        raise OptionError(
            f"push --project names one project, the stream holds {len(stream)} documents: merge them first or push each"
        )
    for d in stream:
        result = push(
            d, kw["store"], kw["project"], repository_url=kw["repo"], tracking_uri=kw["tracking_uri"], prune=kw["prune"]
        )
        ctx.echo(f"pushed {result.summary()}")
        ctx.outputs.append(result)
    return stream


def _sync(stream: list[ProvDoc], kw: dict[str, Any], ctx: RunContext) -> list[ProvDoc]:
    from .store.sync import sync_once, watch

    kw = dict(kw)
    args = (kw.pop("repo"), kw.pop("tracking_uri"), kw.pop("store"), kw.pop("project"))
    every, rounds, full, full_every = kw.pop("interval"), kw.pop("rounds"), kw.pop("full"), kw.pop("full_every")
    kw["experiment_ids"] = kw.pop("experiment_ids") or None
    kw["git_refs"] = kw.pop("git_refs") or None
    if kw.pop("watch") or rounds:
        ctx.outputs.extend(
            watch(
                *args,
                interval=every,
                rounds=rounds,
                echo=ctx.echo,
                full=full,
                full_every=full_every,
                progress=False,
                **kw,
            )
        )
    else:
        r = sync_once(*args, full=full, progress=ctx.progress, **kw)
        ctx.echo(r.line())
        ctx.outputs.append(r)
    return stream


def _query(stream: list[ProvDoc], kw: dict[str, Any], ctx: RunContext) -> list[ProvDoc]:
    from .store.query import Table, run_query

    result = run_query(kw["store"], kw["query"], kw["params"])
    ctx.outputs.append(result)
    if isinstance(result, Table):
        ctx.echo(result.to_text(kw["format"]).rstrip("\n"))
        return stream
    if isinstance(result, bool):
        ctx.echo("true" if result else "false")
        return stream
    ctx.echo(f"query result: {len(result.elements)} elements, {len(result.relations)} relations")
    return stream + [result]


def _lineage(stream: list[ProvDoc], kw: dict[str, Any], ctx: RunContext) -> list[ProvDoc]:
    from .query.lineage import lineage

    from_store = []
    if kw.get("store"):  # read from the store only the units the answer needs (store/reach.py)
        from .store.reach import store_lineage

        node, relations, names = kw["node"], kw["relations"] or None, kw.get("projects") or None
        from_store = [store_lineage(kw["store"], node, kw["direction"], kw["depth"], relations, names)]
    return [
        lineage(d, kw["node"], direction=kw["direction"], depth=kw["depth"], relations=kw["relations"] or None)
        for d in stream
    ] + from_store


def _passport(stream: list[ProvDoc], kw: dict[str, Any], ctx: RunContext) -> list[ProvDoc]:
    import json

    from .query.passport import passport

    cards = [(passport(d, kw["ref"]), d) for d in stream]
    if kw.get("store"):  # from the units it reads, with where its inputs come from in other projects (store/reach.py)
        from .store.reach import store_passport

        cards.append(store_passport(kw["store"], kw["ref"], kw.get("projects") or None))
    for card, _ in cards:
        text = card.to_markdown() if kw["format"] == "markdown" else json.dumps(card.to_dict(), indent=2, default=str)
        ctx.echo(text.rstrip("\n"))
        ctx.outputs.append(card)
    return [d for _, d in cards]


def _diff(stream: list[ProvDoc], kw: dict[str, Any], ctx: RunContext) -> list[ProvDoc]:
    import json

    from .core.errors import OptionError
    from .query.diff import diff

    docs = list(stream)
    if kw.get("store"):  # the stream's documents against what the store holds for them
        from .store.push import load as load_store

        docs = [
            x
            for d in docs
            for x in (d, load_store(kw["store"], kw.get("projects", [None])[0] if kw.get("projects") else d.name)[0])
        ]
    for path in (kw["a"], kw["b"]):
        if path:
            docs = _load(docs, {"path": path, "format": None}, ctx)
    if len(docs) != 2:
        raise OptionError(
            f"diff compares exactly two documents, the stream holds {len(docs)}: use 'diff A B' or load two"
        )
    result = diff(docs[0], docs[1])
    fmt = kw["format"]
    if fmt == "json":
        ctx.echo(json.dumps(result.to_dict(), indent=2, default=str))
    elif fmt == "markdown":
        ctx.echo(result.to_markdown().rstrip("\n"))
    else:
        rows = result.to_rows()
        if not rows:
            ctx.echo("no differences")
        for row in rows:
            ctx.echo("\t".join(str(v) for v in row.values()))
    ctx.outputs.append(result)
    if not result.empty:
        ctx.exit_code = max(ctx.exit_code, 1)
    return docs


def _validate(stream: list[ProvDoc], kw: dict[str, Any], ctx: RunContext) -> list[ProvDoc]:
    import json

    from .query.validate import ERROR, findings_markdown, validate

    stream = _with_store(stream, kw)
    for d in stream:
        findings = [f for f in validate(d) if kw["warnings"] or f.severity == ERROR]
        if kw["format"] == "json":
            ctx.echo(json.dumps([f.to_dict() for f in findings], indent=2, default=str))
        elif kw["format"] == "markdown":
            ctx.echo(findings_markdown(findings).rstrip("\n"))
        else:
            for f in findings:
                ctx.echo(f"{f.severity}\t{f.code}\t{f.message}")
            n_err = sum(f.severity == ERROR for f in findings)
            ctx.echo(f"{d.name or 'document'}: {n_err} errors, {len(findings) - n_err} warnings")
        ctx.outputs.append(findings)
        if any(f.severity == ERROR or kw["strict"] for f in findings):
            ctx.exit_code = max(ctx.exit_code, 1)
    return stream


# --------------------------------------------------------------------------------------------- options
# Defaults and choices come from the ExtractOptions dataclass, the one home of the extraction options.
_EXTRACT = ExtractOptions()
EXTRACT_OPTIONS = (
    Option("repo", "Path of the project's Git repository.", type="path"),
    Option("tracking_uri", "MLflow tracking store: mlruns folder, file:, sqlite:/// or http(s):// URI."),
    Option(
        "metric_history",
        "Metric points: every logged point, or only the latest per key.",
        type="choice",
        choices=tuple(m.value for m in MetricHistory),
        default=_EXTRACT.metric_history.value,
    ),
    Option(
        "include_deleted",
        "Include deleted experiments and runs with their deletions.",
        type="bool",
        default=_EXTRACT.include_deleted,
        flag_pair=True,
    ),
    Option(
        "git_history",
        "Include files and file revisions of every commit.",
        type="bool",
        default=_EXTRACT.git_history,
        flag_pair=True,
    ),
    Option(
        "include_refs",
        "Include branches, tags and remote branches.",
        type="bool",
        default=_EXTRACT.include_refs,
        flag_pair=True,
    ),
    Option("include_artifacts", "List run artifacts.", type="bool", default=_EXTRACT.include_artifacts, flag_pair=True),
    Option(
        "artifact_max_depth",
        "Deepest artifact folder level listed (default: all).",
        type="int",
        default=_EXTRACT.artifact_max_depth,
    ),
    Option("since", "Only objects created at or after this ISO time.", default=_EXTRACT.since),
    Option("until", "Only objects created before this ISO time.", default=_EXTRACT.until),
    Option(
        "experiment_ids",
        "Only these MLflow experiments (repeat the option).",
        multiple=True,
        cli_name="experiment_id",
        default=_EXTRACT.experiment_ids,
    ),
    Option(
        "store_key",
        "Key of this store in identifiers' namespace, needed to merge different stores.",
        default=_EXTRACT.store_key,
    ),
    # Empty = the dataclass default (shown in the help), so that a YAML list or repeated flag replaces it.
    Option(
        "git_refs",
        f"Git refs (globs) whose commits are walked (repeat; default: {' '.join(DEFAULT_GIT_REFS)}).",
        multiple=True,
        cli_name="git_ref",
    ),
    Option("user_map", "YAML file mapping MLflow users to Git users (name, email, aliases).", type="path"),
    Option(
        "max_text_length",
        "Cut longer texts to this many characters (0: off).",
        type="int",
        default=_EXTRACT.max_text_length,
    ),
    Option(
        "max_artifacts",
        "Artifact entries listed per run; a run with more is marked incomplete.",
        type="int",
        default=_EXTRACT.max_artifacts,
    ),
    Option(
        "timeout",
        "Seconds an MLflow server may stall before the read fails (default: $MLFLOW_HTTP_REQUEST_TIMEOUT, else 30).",
        type="int",
        default=_EXTRACT.timeout,
    ),
)

STORE_URI_HELP = "Provenance store: a folder (embedded Oxigraph) or sparql+http(s)://host/… (SPARQL 1.1 server)."
STORE_READ_OPTIONS = (
    Option("store", "Also read this provenance store's projects, linked across projects (" + STORE_URI_HELP + ")"),
    Option("projects", "Only these projects of the store (repeat; default: all).", multiple=True, cli_name="project"),
)

VERBS: dict[str, Verb] = {
    v.name: v
    for v in (
        Verb(
            "extract", "Extract the provenance of a Git repository and/or an MLflow store.", EXTRACT_OPTIONS, _extract
        ),
        Verb(
            "load",
            "Load a PROV document (PROV-JSON, PROV-XML, RDF, PROV-N, JSON-LD; '-' reads stdin); repeat to load more.",
            (
                Option("path", "File to load ('-' reads stdin).", type="path", argument=True),
                Option(
                    "format",
                    "Format of the files (default: from the extension, else detected).",
                    type="choice",
                    choices=READ_FORMATS,
                ),
                Option("store", "Load from this provenance store instead of a file: " + STORE_URI_HELP),
                Option("project", "With --store: only this project (default: every project, one document each)."),
                Option("graph", "With --store: only this unit (run/<id>, commit/<sha>, …) or graph IRI."),
            ),
            _load,
        ),
        Verb(
            "save",
            "Save every document of the stream (several: <output>-1.<ext>, <output>-2.<ext>, ...).",
            (
                Option(
                    "output",
                    "Output path without extension ('-' writes stdout).",
                    type="path",
                    short="-o",
                    default="provenance",
                ),
                Option(
                    "formats",
                    "Format to write (repeat for several).",
                    type="choice",
                    choices=WRITE_FORMATS,
                    multiple=True,
                    short="-f",
                    cli_name="format",
                    default=("json",),
                ),
                Option("overwrite", "Replace existing files.", type="bool", default=False),
            ),
            _save,
        ),
        Verb(
            "merge",
            "Merge every document of the stream into one.",
            (
                Option(
                    "on_conflict",
                    "On differing formal values: fail (error) or keep the earliest document's (first).",
                    type="choice",
                    choices=("error", "first"),
                    default="error",
                ),
            ),
            _merge,
        ),
        Verb(
            "transform",
            "Merge aliased agents, pseudonymize users and eliminate duplicates.",
            (
                Option(
                    "eliminate_duplicates",
                    "Collapse duplicate elements and relations.",
                    type="bool",
                    default=True,
                    flag_pair=True,
                ),
                Option(
                    "merge_aliased_agents",
                    "YAML file of persons (name, email, aliases) whose agents are merged.",
                    type="path",
                ),
                Option(
                    "pseudonymize",
                    "Replace people by keyed-hash pseudonyms.",
                    type="bool",
                    default=False,
                    aliases=("use_pseudonyms",),
                ),
                Option("key", "Pseudonym key (default: $M2P_PSEUDONYM_KEY, else random)."),
                Option(
                    "mapping",
                    "Write the pseudonym mapping to this JSON file (mode 0600) for depseudonymize.",
                    type="path",
                ),
                Option("scrub_text", "Also replace names inside texts.", type="bool", default=False),
                Option(
                    "overwrite",
                    "Replace an existing --mapping file (it may be the only way back for a shared document).",
                    type="bool",
                    default=False,
                ),
            ),
            _transform,
        ),
        Verb(
            "demo",
            "Create the embedded sample ML project in DIRECTORY, extract it and save DIRECTORY/provenance.json.",
            (
                Option(
                    "directory",
                    "Where to create the sample project (default: ./mlflow2prov-demo).",
                    type="path",
                    argument=True,
                ),
                Option(
                    "overwrite", "Recreate the folder if it already holds a sample project.", type="bool", default=False
                ),
            ),
            _demo,
        ),
        Verb(
            "statistics",
            "Print counts of elements, relations and types.",
            (
                Option(
                    "resolution",
                    "coarse: per element kind; fine: also per relation kind and prov:type.",
                    type="choice",
                    choices=("coarse", "fine"),
                    default="coarse",
                ),
                Option("format", "Output format.", type="choice", choices=("table", "csv", "json"), default="table"),
            ),
            _statistics,
        ),
        Verb(
            "lineage",
            "Replace each document by the lineage of NODE (what it came from, what came from it, or both).",
            (
                Option(
                    "node", "Element id (e.g. mlflow:run/<id>) whose lineage is wanted.", argument=True, required=True
                ),
                Option(
                    "direction",
                    "up: what it came from; down: what came from it; both.",
                    type="choice",
                    choices=("up", "down", "both"),
                    default="up",
                ),
                Option("depth", "Number of relation steps (default: all).", type="int"),
                Option(
                    "relations",
                    "Follow only these relation kinds (repeat; PROV-JSON or PROV-DM names).",
                    multiple=True,
                    cli_name="relation",
                ),
                *STORE_READ_OPTIONS,
            ),
            _lineage,
        ),
        Verb(
            "passport",
            "Print the passport of a model or run: models:/name@alias, models:/name/version, models:/<id>, runs:/<id>.",
            (
                Option("ref", "Model or run reference.", argument=True, required=True),
                Option("format", "Output format.", type="choice", choices=("markdown", "json"), default="markdown"),
                *STORE_READ_OPTIONS,
            ),
            _passport,
        ),
        Verb(
            "diff",
            "Compare two documents (diff A B, or the two of the stream); exit code 1 when they differ.",
            (
                Option("a", "First document (else the stream's first).", type="path", argument=True),
                Option("b", "Second document (else the stream's second).", type="path", argument=True),
                Option(
                    "format", "Output format.", type="choice", choices=("table", "markdown", "json"), default="table"
                ),
                Option(
                    "store",
                    "Compare each document of the stream with the store's project of the same name (or --project): "
                    + STORE_URI_HELP,
                ),
                Option("projects", "With --store: the project to compare with.", multiple=True, cli_name="project"),
            ),
            _diff,
        ),
        Verb(
            "validate",
            "Check each document against PROV-DM and PROV-CONSTRAINTS; exit code 1 on errors.",
            (
                Option(
                    "format", "Output format.", type="choice", choices=("table", "markdown", "json"), default="table"
                ),
                Option("warnings", "Report warnings as well as errors.", type="bool", default=True, flag_pair=True),
                Option("strict", "Fail on warnings too.", type="bool", default=False),
                *STORE_READ_OPTIONS,
            ),
            _validate,
        ),
        Verb(
            "push",
            "Write each document of the stream into a provenance store as a project; only changed units are replaced.",
            (
                Option("store", STORE_URI_HELP, required=True),
                Option("project", "Project name in the store (default: the document's name)."),
                Option("repo", "Repository path or URL recorded in the project's catalogue.", type="path"),
                Option("tracking_uri", "Tracking URI recorded in the project's catalogue (credentials are removed)."),
                Option(
                    "prune",
                    "Remove units the document no longer has (off: push a partial document).",
                    type="bool",
                    default=True,
                    flag_pair=True,
                ),
            ),
            _push,
        ),
        Verb(
            "sync",
            "Bring a project in a provenance store up to date with its Git repository and MLflow store (--watch: "
            "keep doing it).",
            (
                *EXTRACT_OPTIONS,
                Option("store", STORE_URI_HELP, required=True),
                Option("project", "Project name in the store (default: the repository folder's name)."),
                Option(
                    "watch",
                    "Sync every --interval seconds until Ctrl-C, one line per round.",
                    type="bool",
                    default=False,
                ),
                Option("interval", "Seconds between rounds with --watch.", type="int", default=60),
                Option(
                    "rounds", "Stop after this many rounds (default: one, or until Ctrl-C with --watch).", type="int"
                ),
                Option("full", "Extract everything, not only what changed.", type="bool", default=False),
                Option(
                    "full_every",
                    "With --watch, make every N-th round full (edits no listing shows: tags set on finished runs).",
                    type="int",
                ),
            ),
            _sync,
        ),
        Verb(
            "query",
            "Run SPARQL over a provenance store: SELECT prints a table, CONSTRUCT adds a document; QUERY is SPARQL, "
            "a .rq file or a ready query.",
            (
                Option(
                    "query",
                    "SPARQL text, a .rq file, or a ready query: models-trained-on-dataset, downstream-of-commit, "
                    "runs-per-person, orphaned-models.",
                    argument=True,
                    required=True,
                ),
                Option("store", STORE_URI_HELP, required=True),
                Option(
                    "params",
                    "Bind a query variable: NAME=VALUE (repeat), e.g. digest=53e13291.",
                    multiple=True,
                    cli_name="param",
                ),
                Option(
                    "format",
                    "Output format of a SELECT.",
                    type="choice",
                    choices=("table", "csv", "json"),
                    default="table",
                ),
            ),
            _query,
        ),
    )
}


def run_steps(
    steps: Sequence[tuple[str, dict[str, Any]]], ctx: RunContext | None = None, stream: list[ProvDoc] | None = None
) -> list[ProvDoc]:
    """Run validated ``(verb, options)`` steps over a stream of documents; returns the final stream."""
    ctx = ctx or RunContext()
    docs = list(stream or [])
    for name, kw in steps:
        verb = VERBS[name]
        full = verb.defaults()
        full.update(kw)
        docs = verb.run(docs, full, ctx)
    return docs
