"""``transform``: the document transformations of docs/prov-model.md#operations applied in their fixed order."""

from __future__ import annotations

import os
from typing import Any

from ..core.gcpause import without_gc
from ..core.provdoc import ProvDoc
from .aliases import merge_aliased_agents as _merge_aliased_agents
from .dedupe import dedupe
from .pseudonymize import depseudonymize
from .pseudonymize import pseudonymize as _pseudonymize


@without_gc  # builds many small acyclic records: see core/gcpause
def transform(
    doc: ProvDoc,
    *,
    eliminate_duplicates: bool = True,
    merge_aliased_agents: Any = None,
    pseudonymize: bool = False,
    key: str | bytes | None = None,
    mapping: str | os.PathLike[str] | None = None,
    scrub_text: bool = False,
    overwrite: bool = False,
) -> ProvDoc:
    """A transformed copy of ``doc`` (the input is never modified), steps in this order:

    1. ``merge_aliased_agents`` (a person mapping: YAML path, YAML text or list of ``{name, email?,
       aliases?}``): agents of one person become ``user:person/…``; relations deduplicated after it.
    2. ``pseudonymize``: persons become ``user:pseudonym/<hmac>`` under ``key`` (else the
       ``M2P_PSEUDONYM_KEY`` environment variable, else a random key); ``mapping`` is the path of the 0600
       JSON file :func:`depseudonymize` needs (an existing one is replaced only with ``overwrite``);
       ``scrub_text`` also replaces names inside text. ``key``, ``mapping``, ``scrub_text`` and ``overwrite``
       are ignored unless ``pseudonymize`` is true. Relations deduplicated.
    3. ``eliminate_duplicates``: identified records unified, duplicate relations collapsed (extra
       attributes such as prov:role unioned).
    """
    out = doc
    if merge_aliased_agents is not None:
        out = _merge_aliased_agents(out, merge_aliased_agents)
    if pseudonymize:
        out = _pseudonymize(out, key=key, mapping=mapping, scrub_text=scrub_text, overwrite=overwrite)
    if eliminate_duplicates:
        out = dedupe(out)
    if out is doc:
        out = doc.copy()
    return out


__all__ = ["transform", "depseudonymize"]
