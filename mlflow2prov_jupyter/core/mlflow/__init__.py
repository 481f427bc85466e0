"""MLflow side of the extraction: the reader (public ``MlflowClient``), its records, the forked read, the builder.

Modules here import the ``mlflow`` distribution with absolute imports; this package is ``core.mlflow``.
"""
