"""The four fixed namespaces (docs/prov-model.md#namespaces). Never fetched; changing one breaks unification."""

from __future__ import annotations

M2P = "https://w3id.org/mlflow2prov-jupyter/vocab#"
GIT = "https://w3id.org/mlflow2prov-jupyter/git/"
MLFLOW = "https://w3id.org/mlflow2prov-jupyter/mlflow/"
USER = "https://w3id.org/mlflow2prov-jupyter/user/"

# Prefixes every extracted document carries (prov's own `prov`/`xsd` are implicit).
PREFIXES: dict[str, str] = {"m2p": M2P, "git": GIT, "mlflow": MLFLOW, "user": USER}

PROV = "http://www.w3.org/ns/prov#"
XSD = "http://www.w3.org/2001/XMLSchema#"


def mlflow_namespace(store_key: str | None) -> str:
    """The `mlflow` prefix URI, suffixed with `<store_key>/` when a store key is set (docs/prov-model.md#store-keys)."""
    if not store_key:
        return MLFLOW
    from .ids import encode_segment

    return f"{MLFLOW}{encode_segment(store_key)}/"
