"""Transform step 2 (docs/prov-model.md#operations): pseudonymize persons by keyed HMAC.

A mapping file restores them.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

from ..core.errors import OptionError, OutputError, OutputExistsError
from ..core.gcpause import without_gc
from ..core.provdoc import Element, Literal, ProvDoc, QName, Relation
from ..core.provjson import _decode_attrs, _encode_attrs, parse_time
from .aliases import IDENTITY_ATTRS, user_prefix
from .names import expand

KEY_ENV = "M2P_PSEUDONYM_KEY"
MAPPING_FORMAT = "mlflow2prov-jupyter pseudonym mapping"


def _norm(text: str) -> str:
    return text.strip().casefold()


def resolve_key(key: str | bytes | None) -> bytes:
    """The HMAC key: ``key``, else the ``M2P_PSEUDONYM_KEY`` environment variable, else 32 random bytes."""
    if key is None or key == "" or key == b"":
        key = os.environ.get(KEY_ENV) or None
    if key is None:
        return secrets.token_bytes(32)
    return key.encode("utf-8") if isinstance(key, str) else bytes(key)


def is_person(el: Element) -> bool:
    """Whether ``el`` is an agent typed prov:Person."""
    return el.kind == "agent" and any(str(t) == "prov:Person" for t in el.types)


@without_gc  # builds many small acyclic records: see core/gcpause
def pseudonymize(
    doc: ProvDoc,
    *,
    key: str | bytes | None = None,
    mapping: str | os.PathLike[str] | None = None,
    scrub_text: bool = False,
    overwrite: bool = False,
) -> ProvDoc:
    """A new document in which every prov:Person agent is ``user:pseudonym/<h>``.

    h = first 32 hex digits of HMAC-SHA256(key, the agent's full id URI). Its name/email/username/alias
    values become the HMAC (32 hex) of their stripped, casefolded text; prov:label becomes the new id.
    Relation endpoints and qualified-name values are rerouted; every string attribute equal (stripped,
    casefolded) to a replaced clear value is replaced by the same HMAC, and so is the value part of a
    ``key=value`` label (a tag's ``mlflow.user=alice``); ``scrub_text`` also replaces whole-word occurrences
    inside strings. ``mapping``: path of a JSON file (mode 0600) written for :func:`depseudonymize`; an
    existing one is replaced only with ``overwrite`` (it may be the only way back for a document already
    shared). The document itself never holds clear values or the key.
    """
    from .dedupe import dedupe

    if mapping is not None:
        _check_mapping_target(Path(mapping), overwrite)
    k = resolve_key(key)

    def h(text: str) -> str:
        return hmac.new(k, text.encode("utf-8"), hashlib.sha256).hexdigest()[:32]

    out_prefixes = dict(doc.prefixes)
    probe = ProvDoc(prefixes=out_prefixes)
    up = user_prefix(probe)
    out_prefixes = probe.prefixes
    reroute: dict[str, str] = {}
    clear: dict[str, str] = {}
    for el in doc.elements.values():
        if not is_person(el):
            continue
        uri = expand(el.id, doc.prefixes) or el.id
        reroute[el.id] = f"{up}:pseudonym/{h(uri)}"
        for a in IDENTITY_ATTRS:
            for v in el.values(a):
                text = str(v)
                if _norm(text):
                    clear[_norm(text)] = h(_norm(text))
    if not reroute:
        if mapping is not None:
            _write_mapping(
                Path(mapping),
                {"format": MAPPING_FORMAT, "version": 1, "agents": {}, "elements": {}, "relations": []},
                overwrite,
            )
        return dedupe(doc.copy())
    scrub = _scrubber(clear, h) if scrub_text and clear else None

    def fix_str(s: str) -> str:
        n = _norm(s)
        if n in clear:
            return clear[n]
        if "=" in s:  # a key=value label such as a tag's "mlflow.user=alice"
            k_, _, v = s.partition("=")
            hv = clear.get(_norm(v))
            if hv is not None:
                return f"{k_}={hv}"
        if scrub is not None:
            r = scrub(s)
            return s if r == s else r
        return s

    def fix(v: Any) -> Any:
        t = type(v)
        if t is QName:
            return QName(reroute[v]) if v in reroute else v
        if t is str:
            return fix_str(v)
        if t is Literal:
            nv = fix_str(v.value)
            return v if nv == v.value else Literal(nv, v.datatype, v.lang)
        return v

    out = ProvDoc(prefixes=out_prefixes, name=doc.name)
    saved_agents: dict[str, Any] = {}
    saved_elements: dict[str, Any] = {}
    saved_relations: list[Any] = []
    for el in doc.elements.values():
        new_id = reroute.get(el.id)
        if new_id is not None:
            attrs = _person_attrs(el, new_id, h, fix)
            out.elements[new_id] = Element(el.kind, new_id, attrs)
            saved_agents[new_id] = {"id": el.id, "attrs": _enc_attrs(el.attrs)}
            continue
        attrs, changed = _fix_attrs(el.attrs, fix)
        out.elements[el.id] = Element(el.kind, el.id, attrs)
        if changed:
            saved_elements[el.id] = _enc_attrs({a: el.attrs[a] for a in changed})
    rels = []
    for r in doc.relations:
        args = tuple(reroute.get(a, a) if type(a) is str else a for a in r.args)
        rel_attrs: dict[str, Any] | None
        if r.attrs:
            rel_attrs, changed = _fix_attrs(r.attrs, fix)
        else:
            rel_attrs, changed = None, []
        new = Relation(r.kind, args, rel_attrs, r.id)
        rels.append(new)
        if changed:
            saved_relations.append([_enc_relation(new), _enc_relation(r)])
    out.relations = rels
    if mapping is not None:
        _write_mapping(
            Path(mapping),
            {
                "format": MAPPING_FORMAT,
                "version": 1,
                "agents": saved_agents,
                "elements": saved_elements,
                "relations": saved_relations,
            },
            overwrite,
        )
    return dedupe(out)


def _person_attrs(el: Element, new_id: str, h: Callable[[str], str], fix: Callable[[Any], Any]) -> dict[str, Any]:
    from ..core.provdoc import add_value

    attrs: dict[str, Any] = {}
    if "prov:type" in el.attrs:
        attrs["prov:type"] = el.attrs["prov:type"]
    attrs["prov:label"] = new_id
    for k, v in el.attrs.items():
        if k in ("prov:type", "prov:label"):
            continue
        for x in v if type(v) is tuple else (v,):
            if k in IDENTITY_ATTRS:
                text = str(x)
                if _norm(text):
                    add_value(attrs, k, h(_norm(text)))
            else:
                add_value(attrs, k, fix(x))
    return attrs


def _fix_attrs(attrs: dict[str, Any], fix: Callable[[Any], Any]) -> tuple[dict[str, Any], list[str]]:
    from ..core.provdoc import add_value

    out: dict[str, Any] = {}
    changed: list[str] = []
    for k, v in attrs.items():
        if type(v) is tuple:
            nv = tuple(fix(x) for x in v)
            if any(a is not b for a, b in zip(nv, v)):
                changed.append(k)
                for x in nv:
                    add_value(out, k, x)
            else:
                out[k] = v
        else:
            nx = fix(v)
            if nx is not v:
                changed.append(k)
            out[k] = nx
    return out, changed


def _scrubber(clear: dict[str, str], h: Callable[[str], str]) -> Callable[[str], str]:
    words = sorted(clear, key=lambda s: (-len(s), s))
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(w) for w in words) + r")(?!\w)", re.IGNORECASE)

    def repl(m: re.Match[str]) -> str:
        n = _norm(m.group(0))
        return clear.get(n) or h(n)

    return lambda s: pattern.sub(repl, s)


# -- the mapping file ------------------------------------------------------------------------------------
def _enc_attrs(attrs: dict[str, Any] | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if attrs:
        _encode_attrs(attrs, out)
    return out


def _enc_relation(r: Relation) -> dict[str, Any]:
    args = [None if a is None else ({"t": a.isoformat()} if isinstance(a, datetime) else a) for a in r.args]
    return {"kind": r.kind, "args": args, "id": r.id, "attrs": _enc_attrs(r.attrs) or None}


def _dec_relation(d: dict[str, Any]) -> Relation:
    args = tuple(parse_time(a["t"]) if isinstance(a, dict) else a for a in d["args"])
    attrs = _decode_attrs(d["attrs"]) if d.get("attrs") else None
    return Relation(d["kind"], args, attrs, d.get("id"))


def _check_mapping_target(path: Path, overwrite: bool) -> None:
    """Fail before any work when the mapping cannot be written (missing folder, a folder, an existing file)."""
    folder = path.parent
    if not folder.is_dir():
        raise OutputError(f"folder {folder} of the pseudonym mapping does not exist; create it first")
    if path.is_dir():
        raise OutputError(f"pseudonym mapping {path} is a folder; give a file path")
    if not overwrite and (path.exists() or path.is_symlink()):
        raise _mapping_exists(path)


def _mapping_exists(path: Path) -> OutputExistsError:
    return OutputExistsError(
        f"pseudonym mapping {path} already exists and may be the only way to reverse a document already shared; "
        "choose another path or use overwrite to replace it"
    )


def _write_mapping(path: Path, data: dict[str, Any], overwrite: bool = False) -> None:
    _check_mapping_target(path, overwrite)
    text = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True)
    from .save import write_atomic

    try:
        write_atomic(path, text + "\n", mode=0o600, overwrite=overwrite)
    except OutputExistsError:  # created meanwhile by another process: never replaced
        raise _mapping_exists(path) from None
    except OutputError as exc:
        raise OutputError(f"cannot write pseudonym mapping: {exc}") from None


def _read_mapping(mapping: Any) -> dict[str, Any]:
    if isinstance(mapping, dict):
        data = mapping
    else:
        path = Path(mapping)
        if not path.is_file():
            raise OptionError(f"pseudonym mapping {path} does not exist; give the file pseudonymize wrote")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise OptionError(f"pseudonym mapping {path} is not readable JSON: {' '.join(str(exc).split())}") from None
    if not isinstance(data, dict) or data.get("format") != MAPPING_FORMAT:
        raise OptionError("not a pseudonym mapping written by pseudonymize (its 'format' field is missing)")
    return data


def depseudonymize(doc: ProvDoc, mapping: str | os.PathLike[str] | dict[str, Any]) -> ProvDoc:
    """Restore the persons, references and values that :func:`pseudonymize` replaced, from its mapping.

    Raises :class:`OptionError` when the mapping names pseudonyms but none occurs in ``doc`` (the mapping
    of another document or key).
    """
    data = _read_mapping(mapping)
    try:
        agents = {new: (v["id"], _decode_attrs(v["attrs"])) for new, v in data.get("agents", {}).items()}
        elements = {i: _decode_attrs(a) for i, a in data.get("elements", {}).items()}
        originals: dict[tuple[Any, ...], list[Relation]] = defaultdict(list)
        for after, before in data.get("relations", []):
            originals[_dec_relation(after).key()].append(_dec_relation(before))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise OptionError(f"pseudonym mapping is damaged: {' '.join(str(exc).split())[:120]}") from None
    back = {new: old for new, (old, _) in agents.items()}
    if agents and not any(new in doc.elements for new in agents):
        where = "the given mapping" if isinstance(mapping, dict) else f"mapping {mapping}"
        raise OptionError(
            f"no pseudonym of {where} occurs in document {doc.name or ''}".rstrip()
            + "; give the mapping written when this document was pseudonymized (same key)"
        )

    def fix(v: Any) -> Any:
        if type(v) is QName and v in back:
            return QName(back[v])
        return v

    out = ProvDoc(prefixes=doc.prefixes, name=doc.name)
    for el in doc.elements.values():
        if el.id in agents:
            old, attrs = agents[el.id]
            out.elements[old] = Element(el.kind, old, dict(attrs))
            continue
        attrs, _ = _fix_attrs(el.attrs, fix)
        attrs.update(elements.get(el.id, {}))
        out.elements[el.id] = Element(el.kind, el.id, attrs)
    rels = []
    for r in doc.relations:
        stored = originals.get(r.key())
        if stored:
            rels.append(stored.pop())
            continue
        args = tuple(back.get(a, a) if type(a) is str else a for a in r.args)
        rel_attrs = _fix_attrs(r.attrs, fix)[0] if r.attrs else None
        rels.append(Relation(r.kind, args, rel_attrs, r.id))
    out.relations = rels
    return out


__all__ = ["pseudonymize", "depseudonymize", "resolve_key", "is_person", "KEY_ENV"]
