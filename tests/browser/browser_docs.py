"""Hand-written PROV-JSON documents for the browser tests (shaped like the extractor's output)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

PREFIX = {
    "m2p": "https://w3id.org/mlflow2prov-jupyter/vocab#",
    "git": "https://w3id.org/mlflow2prov-jupyter/git/",
    "mlflow": "https://w3id.org/mlflow2prov-jupyter/mlflow/",
    "user": "https://w3id.org/mlflow2prov-jupyter/user/",
}
HOSTILE_IMG = "<img src=x onerror=alert(1)>"
HOSTILE_SCRIPT = "</script><script>alert(2)</script>"


def q(t: str) -> dict[str, str]:
    return {"$": t, "type": "xsd:QName"}


def dt(t: str) -> dict[str, str]:
    return {"$": t, "type": "xsd:dateTime"}


class DocBuilder:
    """Collects PROV-JSON records; relations get ids `_:id1`, `_:id2`, … as prov writes them."""

    def __init__(self) -> None:
        self.doc: dict[str, Any] = {"prefix": dict(PREFIX)}
        self._n = 0

    def add(self, kind: str, id: str, rec: dict[str, Any]) -> "DocBuilder":
        self.doc.setdefault(kind, {})[id] = rec
        return self

    def rel(self, kind: str, rec: dict[str, Any]) -> "DocBuilder":
        self._n += 1
        return self.add(kind, f"_:id{self._n}", rec)

    def count(self, *kinds: str) -> int:
        return sum(len(self.doc.get(k, {})) for k in kinds)


def sample_doc() -> tuple[dict[str, Any], int]:
    """~40 records: a commit, an experiment, a run with a param, a tag, an artifact and a 3-step metric.

    Returns the document and the node count of its default view (the 3 metric values are one node).
    """
    b = DocBuilder()
    b.add(
        "agent",
        "user:git/ann%40x.org",
        {
            "prov:type": [q("m2p:GitUser"), q("prov:Person")],
            "prov:label": "Ann",
            "m2p:name": "Ann",
            "m2p:email": "ann@x.org",
        },
    )
    b.add(
        "agent",
        "user:mlflow/alice",
        {"prov:type": [q("m2p:MlflowUser"), q("prov:Person")], "prov:label": "alice", "m2p:username": "alice"},
    )
    b.add(
        "activity",
        "git:commit/c0ffee",
        {
            "prov:startTime": "2025-01-02T10:00:00+00:00",
            "prov:endTime": "2025-01-02T10:00:00+00:00",
            "prov:type": q("m2p:Commit"),
            "prov:label": "c0ffee Add training",
            "m2p:sha": "c0ffee",
            "m2p:title": "Add training",
        },
    )
    b.rel(
        "wasAssociatedWith",
        {
            "prov:activity": "git:commit/c0ffee",
            "prov:agent": "user:git/ann%40x.org",
            "prov:role": ["CommitAuthor", "Committer"],
        },
    )
    b.add(
        "entity",
        "git:file/c0ffee/train.py",
        {"prov:type": q("m2p:File"), "prov:label": "train.py", "m2p:path": "train.py", "m2p:origin_commit": "c0ffee"},
    )
    b.add(
        "entity",
        "git:revision/c0ffee/train.py",
        {
            "prov:type": q("m2p:FileRevision"),
            "prov:label": "train.py@c0ffee",
            "m2p:path": "train.py",
            "m2p:status": "added",
        },
    )
    for ent, role in (("git:file/c0ffee/train.py", "AddedFile"), ("git:revision/c0ffee/train.py", "AddedRevision")):
        b.rel(
            "wasGeneratedBy",
            {
                "prov:entity": ent,
                "prov:activity": "git:commit/c0ffee",
                "prov:time": "2025-01-02T10:00:00+00:00",
                "prov:role": role,
            },
        )
        b.rel("wasAttributedTo", {"prov:entity": ent, "prov:agent": "user:git/ann%40x.org"})
    b.rel(
        "specializationOf",
        {"prov:specificEntity": "git:revision/c0ffee/train.py", "prov:generalEntity": "git:file/c0ffee/train.py"},
    )
    b.add(
        "entity",
        "mlflow:experiment/1",
        {
            "prov:type": [q("m2p:Experiment"), q("prov:Collection")],
            "prov:label": "wine",
            "m2p:experiment_id": "1",
            "m2p:name": "wine",
        },
    )
    b.add(
        "entity",
        "mlflow:run/r1",
        {
            "prov:type": [q("m2p:Run"), q("prov:Collection")],
            "prov:label": "r1 brave-owl",
            "m2p:run_id": "r1",
            "m2p:name": "brave-owl",
            "m2p:status": "FINISHED",
            "m2p:user": "alice",
        },
    )
    b.add(
        "activity",
        "mlflow:run/r1/creation",
        {
            "prov:startTime": "2025-01-03T10:00:00+00:00",
            "prov:endTime": "2025-01-03T10:05:00+00:00",
            "prov:type": q("m2p:RunCreation"),
            "prov:label": "run r1",
        },
    )
    b.rel("hadMember", {"prov:collection": "mlflow:experiment/1", "prov:entity": "mlflow:run/r1"})
    b.rel(
        "wasGeneratedBy",
        {
            "prov:entity": "mlflow:run/r1",
            "prov:activity": "mlflow:run/r1/creation",
            "prov:time": "2025-01-03T10:00:00+00:00",
            "prov:role": "AddedRun",
        },
    )
    b.rel("wasAttributedTo", {"prov:entity": "mlflow:run/r1", "prov:agent": "user:mlflow/alice"})
    b.rel(
        "wasAssociatedWith",
        {"prov:activity": "mlflow:run/r1/creation", "prov:agent": "user:mlflow/alice", "prov:role": "RunAuthor"},
    )
    b.rel("wasInformedBy", {"prov:informed": "mlflow:run/r1/creation", "prov:informant": "git:commit/c0ffee"})
    b.rel(
        "used",
        {
            "prov:activity": "mlflow:run/r1/creation",
            "prov:entity": "git:revision/c0ffee/train.py",
            "prov:time": "2025-01-03T10:00:00+00:00",
            "prov:role": "EntryPoint",
        },
    )

    def member(id: str, type: str, role: str, rec: dict[str, Any]) -> None:
        b.add("entity", id, {"prov:type": q(type), **rec})
        b.rel("hadMember", {"prov:collection": "mlflow:run/r1", "prov:entity": id})
        b.rel("wasGeneratedBy", {"prov:entity": id, "prov:activity": "mlflow:run/r1/creation", "prov:role": role})

    member(
        "mlflow:run/r1/param/lr",
        "m2p:Param",
        "AddedParam",
        {"prov:label": "lr = 0.1", "m2p:key": "lr", "m2p:value": "0.1"},
    )
    member(
        "mlflow:run/r1/tag/mlflow.user",
        "m2p:RunTag",
        "AddedRunTag",
        {"prov:label": "mlflow.user = alice", "m2p:key": "mlflow.user", "m2p:value": "alice"},
    )
    member(
        "mlflow:run/r1/artifact/model",
        "m2p:Artifact",
        "AddedArtifact",
        {"prov:label": "model/", "m2p:path": "model", "m2p:is_dir": True},
    )
    for step, v in enumerate((0.9, 0.5, 0.3)):
        member(
            f"mlflow:run/r1/metric/loss/{step}",
            "m2p:Metric",
            "AddedMetric",
            {
                "prov:label": f"loss[{step}] = {v}",
                "m2p:key": "loss",
                "m2p:value": {"$": str(v), "type": "xsd:double"},
                "m2p:step": {"$": str(step), "type": "xsd:int"},
                "m2p:timestamp": dt(f"2025-01-03T10:0{step + 1}:00+00:00"),
            },
        )
    elements = b.count("entity", "activity", "agent")
    return b.doc, elements - 3 + 1


def hostile_doc() -> dict[str, Any]:
    """Labels, ids and values that are markup (must show as text, never run)."""
    b = DocBuilder()
    b.add(
        "entity",
        "mlflow:run/x",
        {
            "prov:type": [q("m2p:Run"), q("prov:Collection")],
            "prov:label": HOSTILE_IMG,
            "m2p:name": HOSTILE_SCRIPT,
            "m2p:run_id": HOSTILE_IMG,
        },
    )
    b.add(
        "agent",
        "user:mlflow/%3Cimg%3E",
        {
            "prov:type": [q("m2p:MlflowUser"), q("prov:Person")],
            "prov:label": HOSTILE_SCRIPT,
            "m2p:username": HOSTILE_IMG,
        },
    )
    b.add("activity", "mlflow:run/x/creation", {"prov:type": q("m2p:RunCreation"), "prov:label": HOSTILE_IMG})
    b.rel("wasAttributedTo", {"prov:entity": "mlflow:run/x", "prov:agent": "user:mlflow/%3Cimg%3E"})
    b.rel(
        "wasGeneratedBy",
        {"prov:entity": "mlflow:run/x", "prov:activity": "mlflow:run/x/creation", "prov:role": HOSTILE_SCRIPT},
    )
    b.rel(
        "wasAssociatedWith",
        {"prov:activity": "mlflow:run/x/creation", "prov:agent": "user:mlflow/%3Cimg%3E", "prov:role": HOSTILE_IMG},
    )
    return b.doc


def big_doc(target: int = 20000) -> tuple[dict[str, Any], int]:
    """About `target` elements: 200 commits with revisions, 20 runs with params, tags and long metric series.

    Returns the document and its element count.
    """
    b = DocBuilder()
    runs, keys, commits, params, tags = 20, 5, 200, 10, 15
    fixed = commits * 2 + 10 + runs * (2 + params + tags) + 3
    steps = max(1, (target - fixed) // (runs * keys))
    t0 = datetime(2025, 1, 1, tzinfo=timezone.utc)
    b.add("agent", "user:git/dev%40x.org", {"prov:type": [q("m2p:GitUser"), q("prov:Person")], "prov:label": "dev"})
    b.add("agent", "user:mlflow/dev", {"prov:type": [q("m2p:MlflowUser"), q("prov:Person")], "prov:label": "dev"})
    b.add(
        "entity", "mlflow:experiment/1", {"prov:type": [q("m2p:Experiment"), q("prov:Collection")], "prov:label": "exp"}
    )
    for f in range(10):
        b.add("entity", f"git:file/0/src/f{f}.py", {"prov:type": q("m2p:File"), "prov:label": f"src/f{f}.py"})
    for c in range(commits):
        cid = f"git:commit/{c:040x}"
        b.add(
            "activity",
            cid,
            {
                "prov:startTime": (t0 + timedelta(hours=c)).isoformat(),
                "prov:type": q("m2p:Commit"),
                "prov:label": f"{c:07x} commit {c}",
            },
        )
        b.rel(
            "wasAssociatedWith",
            {"prov:activity": cid, "prov:agent": "user:git/dev%40x.org", "prov:role": "CommitAuthor"},
        )
        if c:
            b.rel("wasInformedBy", {"prov:informed": cid, "prov:informant": f"git:commit/{c - 1:040x}"})
        rev = f"git:revision/{c:040x}/src/f{c % 10}.py"
        b.add("entity", rev, {"prov:type": q("m2p:FileRevision"), "prov:label": f"f{c % 10}.py@{c}"})
        b.rel("wasGeneratedBy", {"prov:entity": rev, "prov:activity": cid, "prov:role": "ModifiedRevision"})
        b.rel("specializationOf", {"prov:specificEntity": rev, "prov:generalEntity": f"git:file/0/src/f{c % 10}.py"})
    for r in range(runs):
        run, rc = f"mlflow:run/run{r}", f"mlflow:run/run{r}/creation"
        start = t0 + timedelta(hours=2 * r)
        b.add("entity", run, {"prov:type": [q("m2p:Run"), q("prov:Collection")], "prov:label": f"run {r}"})
        b.add("activity", rc, {"prov:startTime": start.isoformat(), "prov:type": q("m2p:RunCreation")})
        b.rel("hadMember", {"prov:collection": "mlflow:experiment/1", "prov:entity": run})
        b.rel("wasGeneratedBy", {"prov:entity": run, "prov:activity": rc, "prov:role": "AddedRun"})
        b.rel("wasAssociatedWith", {"prov:activity": rc, "prov:agent": "user:mlflow/dev", "prov:role": "RunAuthor"})

        def add(id: str, type: str, rec: dict[str, Any]) -> None:
            b.add("entity", id, {"prov:type": q(type), **rec})
            b.rel("hadMember", {"prov:collection": run, "prov:entity": id})  # noqa: B023 - called within this iteration
            b.rel("wasGeneratedBy", {"prov:entity": id, "prov:activity": rc})  # noqa: B023 - called within this iteration

        for p in range(params):
            add(
                f"{run}/param/p{p}", "m2p:Param", {"prov:label": f"p{p} = {p}", "m2p:key": f"p{p}", "m2p:value": str(p)}
            )
        for t in range(tags):
            add(f"{run}/tag/t{t}", "m2p:RunTag", {"prov:label": f"t{t} = v", "m2p:key": f"t{t}", "m2p:value": "v"})
        for k in range(keys):
            for s in range(steps):
                add(
                    f"{run}/metric/m{k}/{s}",
                    "m2p:Metric",
                    {
                        "prov:label": f"m{k}[{s}]",
                        "m2p:key": f"m{k}",
                        "m2p:value": {"$": repr(s / steps), "type": "xsd:double"},
                        "m2p:step": {"$": str(s), "type": "xsd:int"},
                        "m2p:timestamp": dt((start + timedelta(seconds=s)).isoformat()),
                    },
                )
    return b.doc, b.count("entity", "activity", "agent")
