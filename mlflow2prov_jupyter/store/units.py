"""Units: the parts of a project's provenance that change on their own, one named graph each.

A unit is named by a key derived from an element id (spec P2 identifiers):

==========================================  ============================================================
unit key                                    holds
==========================================  ============================================================
``commit/<sha>``                            the commit, the file revisions it made, files it started, refs on it
``experiment/<eid>``                        an experiment, its creation/deletion, its tags
``run/<run_id>``                            a run, its creation/deletion, params, metrics, tags, artifacts
``model/<model_id>``                        a logged model, its params, tags and run-less metrics
``registered-model/<name>``                 a registered model, its creation, tags and aliases
``registered-model/<name>/version/<v>``     a model version, its creation/deletion and tags
``dataset/<name>/<digest>``                 a data set
``agent/<local>``                           a person (Git or MLflow user)
``other``                                   records of namespaces this toolkit does not mint
==========================================  ============================================================

A relation belongs to the unit of its first argument (the record it describes), except ``hadMember``,
which belongs to its member: adding a run then changes the run's unit only, not its experiment's.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Callable, Container

from ..core.namespaces import GIT, MLFLOW, USER
from ..core.provdoc import ProvDoc, _sorted_relations
from .provo import Encoder, element_triples, relation_triples

OTHER = "other"


def unit_key_function(prefixes: dict[str, str]) -> Callable[[str], str]:
    """A function from element id (``prefix:local``) to unit key, for a document's prefixes."""
    role: dict[str, str] = {}
    for p, uri in prefixes.items():
        if uri == GIT:
            role[p] = "git"
        elif uri.startswith(MLFLOW):
            role[p] = "mlflow"
        elif uri == USER:
            role[p] = "user"
    cache: dict[str, str] = {}

    def unit_of(eid: str) -> str:
        key = cache.get(eid)
        if key is not None:
            return key
        prefix, _, local = eid.partition(":")
        seg = local.split("/")
        r = role.get(prefix)
        key = OTHER
        if r == "git" and len(seg) >= 2 and seg[0] in ("commit", "revision", "file", "ref"):
            key = "commit/" + seg[1]
        elif r == "mlflow" and len(seg) >= 2:
            if seg[0] in ("experiment", "run", "model"):
                key = f"{seg[0]}/{seg[1]}"
            elif seg[0] == "registered-model":
                key = "/".join(seg[:4]) if len(seg) >= 4 and seg[2] == "version" else "/".join(seg[:2])
            elif seg[0] == "dataset" and len(seg) >= 3:
                key = "/".join(seg[:3])
        elif r == "user" and local:
            key = "agent/" + local
        cache[eid] = key
        return key

    return unit_of


@dataclass
class Unit:
    """One unit's PROV-O: its N-Triples lines (sorted) and their content hash."""

    key: str
    lines: list[str]
    hash: str

    @property
    def size(self) -> int:
        return len(self.lines)


def _bnode_tag(key: str) -> str:
    # Labels unique across the units of one N-Quads payload and stable for equal content.
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:12]


def encode_units(doc: ProvDoc, only: Container[str] | None = None) -> dict[str, Unit]:
    """The document's PROV-O triples grouped by unit, each unit's lines sorted and hashed (sha256); with
    ``only``, just those units (an incremental sync encodes the few it replaces)."""
    enc = Encoder(doc.prefixes)
    unit_of = unit_key_function(doc.prefixes)
    lines: dict[str, list[str]] = {}
    for el in sorted(doc.elements.values(), key=lambda e: (e.kind, e.id)):
        key = unit_of(el.id)
        if only is None or key in only:
            lines.setdefault(key, []).extend(element_triples(enc, el))
    counters: dict[str, list[int]] = {}
    for r in _sorted_relations(doc.relations):
        owner = r.args[1] if r.kind == "hadMember" and len(r.args) > 1 else (r.args[0] if r.args else None)
        key = unit_of(owner) if owner else OTHER
        if only is not None and key not in only:
            continue
        counter = counters.setdefault(key, [0])
        tag = _bnode_tag(key)

        def bnode(counter: list[int] = counter, tag: str = tag) -> str:
            counter[0] += 1
            return f"_:u{tag}n{counter[0]}"

        lines.setdefault(key, []).extend(relation_triples(enc, r, bnode))
    units: dict[str, Unit] = {}
    for key, ls in lines.items():
        ls = sorted(set(ls))  # RDF is a set: a repeated triple is one triple
        digest = hashlib.sha256("\n".join(ls).encode("utf-8", "surrogatepass")).hexdigest()[:32]
        units[key] = Unit(key, ls, digest)
    return units
