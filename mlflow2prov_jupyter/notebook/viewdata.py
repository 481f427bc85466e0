"""What a view is sent: the PROV-JSON of a document (thinned when it is too big to send) and its ViewOptions.

The graph module in ``labextension/src/graph/`` decides how to draw; this module answers the one question
the browser cannot: which records to send. A full-history extraction holds one entity per logged metric
point (200,000 in the S=5 bench store, 220,000 elements in all, ~100 MB of PROV-JSON); the view folds metric
points into their run anyway, so above :data:`SEND_ELEMENTS_MAX` elements only the latest point of each
metric series is sent, and the view options say how many were left out (the details panel tells the user,
and the full document stays in Python: save it or ask its questions there).
"""

from __future__ import annotations

from typing import Any

from ..core.provdoc import ProvDoc

# Elements sent to a view before metric series are thinned. The 20,000-element bench document is 9 MB of
# PROV-JSON and draws in < 1 s; twice that stays under the 10 MB a notebook output should carry.
SEND_ELEMENTS_MAX = 25_000
METRIC_TYPE = "m2p:Metric"
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


def _series_of(element_id: str) -> str | None:
    """``mlflow:run/<id>/metric/<key>/<step>`` → ``mlflow:run/<id>/metric/<key>`` (None: not a point id)."""
    head, sep, step = element_id.rpartition("/")
    if not sep or "/metric/" not in head:
        return None
    return head if step.lstrip("-").isdigit() else None


def thin_metric_points(doc: ProvDoc, keep_ids: set[str] | frozenset[str] = frozenset()) -> tuple[ProvDoc, int]:
    """A copy of ``doc`` keeping only the last point (highest step) of each metric series, plus ``keep_ids``.

    Returns the thinned document (records shared with ``doc``: read-only use) and the number of points
    left out. Relations that touch a left-out point are left out with it.
    """
    last: dict[str, tuple[int, str]] = {}
    points: list[str] = []
    for el in doc.elements.values():
        if METRIC_TYPE not in el.types:
            continue
        series = _series_of(el.id)
        if series is None:
            continue
        points.append(el.id)
        step = int(el.id.rpartition("/")[2])
        if series not in last or step >= last[series][0]:
            last[series] = (step, el.id)
    kept = {eid for _, eid in last.values()} | set(keep_ids)
    dropped = {p for p in points if p not in kept}
    if not dropped:
        return doc, 0
    out = ProvDoc(doc.prefixes, doc.name)
    out.elements = {k: e for k, e in doc.elements.items() if k not in dropped}
    out.relations = [r for r in doc.relations if not any(isinstance(a, str) and a in dropped for a in r.args[:2])]
    return out, len(dropped)


def sendable(doc: ProvDoc, view: dict[str, Any] | None = None, limit: int = SEND_ELEMENTS_MAX) -> tuple[dict[str, Any], dict[str, Any]]:
    """(PROV-JSON dict, ViewOptions) for a view of ``doc``; big documents are thinned (see the module doc)."""
    view = dict(view or {})
    if len(doc.elements) > limit:
        named = {i for k in ("show", "highlight", "zoom_to") for i in view.get(k) or ()}
        if view.get("select"):
            named.add(view["select"])
        doc, omitted = thin_metric_points(doc, named)
        if omitted:
            view["omitted"] = {METRIC_TYPE: omitted}
    return doc.to_json_dict(), view
