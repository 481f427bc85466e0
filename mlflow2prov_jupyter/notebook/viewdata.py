"""What a view is sent: the PROV-JSON of a document (thinned when it is too big to send) and its ViewOptions.

The graph module in ``labextension/src/graph/`` decides how to draw; this module answers the one question
the browser cannot: which records to send. A notebook output or widget message should stay under ~10 MB
(PROV-JSON costs ~200 bytes a record: the 20,000-element bench document, 65,000 records, is 13 MB; the
full-history S=5 extraction, 220,000 elements and 444,000 relations, is 159 MB). Above
:data:`SEND_RECORDS_MAX` records the view is thinned in steps, each of which loses nothing the default
(folded) view draws, until it fits:

1. only the last point of each metric series (the view folds metric points into their run and counts keys);
2. no ``wasGeneratedBy`` of collection members (a run's params, tags, metrics and artifacts were generated
   by the run's execution: membership already says whose they are);
3. no ``mlflow.*`` system tags (they repeat the run's own attributes: user, source, commit, name).

The view options say what was left out (``omitted``: counts by kind), the view says so to the user, and the
full document stays in Python: save it, or ask its questions there.
"""

from __future__ import annotations

from typing import Any

from ..core.provdoc import ProvDoc
from .pyvis_view import style_table

SEND_RECORDS_MAX = 50_000  # elements + relations: ~10 MB of PROV-JSON
METRIC_TYPE = "m2p:Metric"
RUN_TAG_TYPE = "m2p:RunTag"
SYSTEM_TAG_PREFIX = "mlflow."
VIEW_KEYS = ("fold", "expand", "show", "highlight", "zoom_to", "select", "badges", "direction", "title", "height")


def view_options(**kw: Any) -> dict[str, Any]:
    """ViewOptions from keyword arguments (None values dropped; unknown keys refused)."""
    unknown = set(kw) - set(VIEW_KEYS) - {"omitted", "snapshot_of"}
    if unknown:
        raise TypeError(f"unknown view option(s): {', '.join(sorted(unknown))}; known: {', '.join(VIEW_KEYS)}")
    out: dict[str, Any] = {}
    for k, v in kw.items():
        if v is None:
            continue
        out[k] = list(v) if isinstance(v, (tuple, set, frozenset)) else v
    return out


def thin_metric_points(doc: ProvDoc, keep_ids: set[str] | frozenset[str] = frozenset()) -> tuple[ProvDoc, int]:
    """A copy of ``doc`` keeping only the last point (highest step) of each metric series
    (``…/metric/<key>/<step>``), plus ``keep_ids``; relations that touch a left-out point go with it.

    Returns the thinned document (records shared with ``doc``: read-only use) and the number of points
    left out.
    """
    last: dict[str, tuple[int, str]] = {}
    points: list[str] = []
    for eid, el in doc.elements.items():
        t = el.attrs.get("prov:type")
        if not (t == METRIC_TYPE or (isinstance(t, tuple) and METRIC_TYPE in t)):
            continue
        series, _, step = eid.rpartition("/")
        if "/metric/" not in series or not step.lstrip("-").isdigit():
            continue
        points.append(eid)
        n = int(step)
        if series not in last or n >= last[series][0]:
            last[series] = (n, eid)
    kept = {eid for _, eid in last.values()} | set(keep_ids)
    dropped = {p for p in points if p not in kept}
    if not dropped:
        return doc, 0
    return _without(doc, dropped), len(dropped)


def _without(doc: ProvDoc, drop_ids: set[str], drop_relation: Any = None) -> ProvDoc:
    """``doc`` without the elements ``drop_ids``, the relations touching them and those ``drop_relation`` picks."""
    out = ProvDoc(doc.prefixes, doc.name)
    out.elements = {k: e for k, e in doc.elements.items() if k not in drop_ids} if drop_ids else doc.elements
    kept = []
    for r in doc.relations:
        args = r.args
        if drop_ids and (args[0] in drop_ids or (len(args) > 1 and args[1] in drop_ids)):
            continue
        if drop_relation is not None and drop_relation(r):
            continue
        kept.append(r)
    out.relations = kept
    return out


def _records(doc: ProvDoc) -> int:
    return len(doc.elements) + len(doc.relations)


def sendable(
    doc: ProvDoc, view: dict[str, Any] | None = None, limit: int = SEND_RECORDS_MAX
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(PROV-JSON dict, ViewOptions) for a view of ``doc``; big documents are thinned (see the module doc)."""
    view = dict(view or {})
    if _records(doc) > limit:
        named = {i for k in ("show", "highlight", "zoom_to") for i in view.get(k) or ()}
        if view.get("select"):
            named.add(view["select"])
        omitted: dict[str, int] = {}
        doc, n = thin_metric_points(doc, named)
        if n:
            omitted["metric points"] = n
        if _records(doc) > limit:
            # Only members the view folds (params, tags, metrics, …): a run's or logged model's generation
            # is how the view finds its creation activity and the run that made the model.
            folded = {rule["member"] for rule in style_table()["fold"]}
            members = {
                r.args[1]
                for r in doc.relations
                if r.kind == "hadMember"
                and len(r.args) > 1
                and (m := doc.elements.get(r.args[1])) is not None
                and not folded.isdisjoint(map(str, m.types))
            }
            before = len(doc.relations)
            doc = _without(
                doc, set(), lambda r: r.kind == "wasGeneratedBy" and r.args[0] in members and r.args[0] not in named
            )
            omitted["member generations"] = before - len(doc.relations)
        if _records(doc) > limit:
            tags = {
                e.id
                for e in doc.elements.values()
                if RUN_TAG_TYPE in e.types
                and str(e.get("m2p:key", "")).startswith(SYSTEM_TAG_PREFIX)
                and e.id not in named
            }
            doc = _without(doc, tags)
            omitted["system tags"] = len(tags)
        if omitted:
            view["omitted"] = omitted
    return doc.to_json_dict(), view
