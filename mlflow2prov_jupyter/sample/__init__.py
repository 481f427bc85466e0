"""The embedded sample ("demo") project behind ``mlflow2prov demo``: a real Git history and MLflow store."""

from .project import SampleManifest, SampleProjectError, create_sample_project

__all__ = ["SampleManifest", "SampleProjectError", "create_sample_project"]
