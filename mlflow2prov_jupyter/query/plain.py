"""Plain words for people who don't know PROV: short names of records, short ids and readable times.

Used by the passport's headline and card and by the sentences of validation findings, so a record is
called the same everywhere ("run rf-40-trees", "model version 2 of wine-classifier", "commit a90e976").
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from ..core.provdoc import Element, ProvDoc

NAME_LIMIT = 60  # characters of a short name before it is cut with "…"

# prov:type → the words put before an element's label.
_KIND_WORDS: dict[str, str] = {
    "m2p:Run": "run",
    "m2p:Experiment": "experiment",
    "m2p:Dataset": "dataset",
    "m2p:RegisteredModel": "registered model",
    "m2p:File": "file",
    "m2p:GitBranch": "branch",
    "m2p:GitTag": "Git tag",
    "m2p:GitUser": "Git user",
    "m2p:MlflowUser": "MLflow user",
    "m2p:Param": "param",
    "m2p:Metric": "metric",
    "m2p:RunTag": "run tag",
    "m2p:Artifact": "artifact",
    "m2p:ModelArtifact": "model folder",
    "m2p:ExperimentTag": "experiment tag",
    "m2p:LoggedModelParam": "model param",
    "m2p:LoggedModelTag": "model tag",
    "m2p:RegisteredModelTag": "registered model tag",
    "m2p:ModelVersionTag": "version tag",
}


def short_id(text: Any, keep: int = 8) -> str:
    """``text`` cut to ``keep`` characters followed by "…" when longer (run ids, shas, digests)."""
    s = "" if text is None else str(text)
    return s if len(s) <= keep + 1 else s[:keep] + "…"


def cut(text: Any, limit: int = NAME_LIMIT) -> str:
    """One line of at most ``limit`` characters (whitespace runs become one space)."""
    s = " ".join(str(text).split())
    return s if len(s) <= limit else s[: limit - 1] + "…"


def when(t: Any, precision: str = "seconds") -> str:
    """A time as ``2026-12-06 12:15:56 UTC`` (aware times in UTC; ``precision``: minutes, seconds,
    milliseconds or microseconds); anything else as its text."""
    if not isinstance(t, datetime):
        return "" if t is None else str(t)
    moment, zone = t, ""
    if moment.tzinfo is not None:
        moment, zone = moment.astimezone(timezone.utc), " UTC"
    fmt = {"minutes": "%Y-%m-%d %H:%M", "seconds": "%Y-%m-%d %H:%M:%S"}.get(precision)
    if fmt is None:
        text = moment.strftime("%Y-%m-%d %H:%M:%S.%f")
        return (text[:-3] if precision == "milliseconds" else text) + zone
    return moment.strftime(fmt) + zone


def distinct_times(*times: datetime) -> list[str]:
    """The times as :func:`when` texts at the coarsest precision that tells different instants apart
    (seconds, else milliseconds, else microseconds): "ends 12:00:01.250 before it starts 12:00:01.700"."""
    for precision in ("seconds", "milliseconds", "microseconds"):
        texts = [when(t, precision) for t in times]
        instants = {t.astimezone(timezone.utc) if t.tzinfo else t for t in times}
        if len(set(texts)) == len(instants):
            return texts
    return texts


def _first(v: Any) -> Any:
    return (v[0] if v else None) if isinstance(v, tuple) else v


def _attr(el: Element, name: str) -> str:
    v = _first(el.get(name))
    return "" if v is None else str(v)


def element_name(doc: ProvDoc, eid: Any) -> str:
    """A short name of the record ``eid`` a person can read: "run rf-40-trees", "commit a90e976",
    "model version 2 of wine-classifier", "the registration of model version 2 of wine-classifier".

    Ids that are not elements of ``doc`` are named by their (shortened) id.
    """
    if not isinstance(eid, str):
        return cut(eid)
    el = doc.elements.get(eid)
    if el is None:
        return cut(eid)
    types = {str(t) for t in el.types}
    label = _attr(el, "prov:label")
    if "m2p:Commit" in types:
        return f"commit {(_attr(el, 'm2p:sha') or label or eid.rsplit('/', 1)[-1])[:7]}"
    if "m2p:ModelVersion" in types:
        return f"model version {_attr(el, 'm2p:version')} of {cut(_attr(el, 'm2p:name'))}"
    if "m2p:ModelAlias" in types:
        return f"alias {cut(_attr(el, 'm2p:alias'))} of {cut(_attr(el, 'm2p:name'))}"
    if "m2p:LoggedModel" in types:
        return f"logged model {short_id(_attr(el, 'm2p:model_id') or label, 10)}"
    if "m2p:FileRevision" in types:
        path, sha = _attr(el, "m2p:path"), _attr(el, "m2p:commit")
        if path and sha:
            return f"{cut(path)} at commit {sha[:7]}"
        return f"file revision {cut(label or path or eid)}"
    if "m2p:RunCreation" in types:
        # The run's execution: what a person calls "the run".
        return cut(label) if label else f"run {short_id(eid.rsplit('/', 2)[-2])}"
    if "m2p:Run" in types and not label:
        return f"run {short_id(_attr(el, 'm2p:run_id') or eid.rsplit('/', 1)[-1])}"
    for suffix, words in (("/creation", "the creation of"), ("/deletion", "the deletion of")):
        if eid.endswith(suffix) and eid[: -len(suffix)] in doc.elements:
            base = eid[: -len(suffix)]
            if "m2p:ModelVersionCreation" in types:
                words = "the registration of"
            return f"{words} {element_name(doc, base)}"
    for t in el.types:
        kind_words = _KIND_WORDS.get(str(t))
        if kind_words:
            return f"{kind_words} {cut(label)}" if label else f"{kind_words} {cut(eid)}"
    return cut(label) if label else cut(eid)


__all__ = ["element_name", "short_id", "cut", "when", "distinct_times", "NAME_LIMIT"]
