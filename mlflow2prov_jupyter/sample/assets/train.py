"""Train small wine classifiers and track every run with MLflow.

Usage (from the project root):

    MLFLOW_TRACKING_URI=sqlite:///mlflow.db python src/train.py --seed 0

One invocation logs a smoke test, a baseline model, a failing configuration, a
random-forest sweep (a parent run with one child per forest size), registers the
baseline and the best forest as versions of ``wine-classifier`` (alias
``champion`` on the best one) and finally evaluates the champion.
"""

from __future__ import annotations

import argparse
import json
import os
import warnings
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
import sklearn
from mlflow import MlflowClient
from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import SGDClassifier
from sklearn.metrics import accuracy_score, classification_report, confusion_matrix, f1_score, log_loss
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

VERSION = "1.0"
ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data" / "wine.csv"
ARTIFACTS = ROOT / "mlartifacts"
EXPERIMENT = "wine-classification"
REGISTERED_MODEL = "wine-classifier"
TARGET = "target"
FOREST_SIZES = (10, 20, 40)
# Explicit requirements: MLflow's environment inference is slow and not needed here.
# MLflow registers its local dataset source twice and warns that a local path is ambiguous.
warnings.filterwarnings("ignore", message="The specified dataset source can be interpreted in multiple ways")
PIP_REQUIREMENTS = [f"scikit-learn=={sklearn.__version__}", f"pandas=={pd.__version__}", "cloudpickle"]


def work_as(user: str) -> dict[str, str]:
    """Alice and Bob take turns: MLflow records the login name (LOGNAME) as the user of runs and models."""
    os.environ["LOGNAME"] = os.environ["USER"] = user
    return {"mlflow.user": user, "code_version": VERSION}


def split(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """Features and target of a frame."""
    return frame.drop(columns=[TARGET]), frame[TARGET]


def load_data(seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The stratified 70/30 train/test split of the wine data."""
    frame = pd.read_csv(DATA)
    train, test = train_test_split(frame, test_size=0.3, random_state=seed, stratify=frame[TARGET])
    return train.reset_index(drop=True), test.reset_index(drop=True)


def use_experiment() -> None:
    """Create the experiment (artifacts under ./mlartifacts) on first use and activate it."""
    if mlflow.get_experiment_by_name(EXPERIMENT) is None:
        mlflow.create_experiment(
            EXPERIMENT,
            artifact_location=(ARTIFACTS / EXPERIMENT).as_uri(),
            tags={"project": "wine", "mlflow.user": "alice",
                  "mlflow.note.content": "Cultivar classification on the UCI wine data."},
        )
    mlflow.set_experiment(EXPERIMENT)


def log_reports(model, test: pd.DataFrame) -> None:
    """Log a metrics summary, a classification report and a confusion matrix (nested folders)."""
    features, target = split(test)
    predicted = model.predict(features)
    mlflow.log_dict({"accuracy": accuracy_score(target, predicted),
                     "f1_macro": f1_score(target, predicted, average="macro")}, "metrics.json")
    mlflow.log_text(classification_report(target, predicted), "reports/classification_report.txt")
    matrix = pd.DataFrame(confusion_matrix(target, predicted))
    mlflow.log_text(matrix.to_csv(), "reports/confusion/confusion_matrix.csv")


def log_test_metrics(model, test: pd.DataFrame, test_ds, model_id: str) -> float:
    """Log test metrics linked to the logged model and the test dataset; return the accuracy."""
    features, target = split(test)
    predicted = model.predict(features)
    accuracy = float(accuracy_score(target, predicted))
    mlflow.log_metric("test_accuracy", accuracy, model_id=model_id, dataset=test_ds)
    mlflow.log_metric("test_f1", float(f1_score(target, predicted, average="macro")),
                      model_id=model_id, dataset=test_ds)
    return accuracy


def smoke_test(train: pd.DataFrame) -> None:
    """A quick check that the data loads (Bob deletes this run afterwards)."""
    with mlflow.start_run(run_name="smoke-test", tags=work_as("bob")):
        mlflow.log_param("rows", len(train))
        mlflow.log_metric("rows_loaded", len(train))


def train_baseline(train, test, train_ds, test_ds, seed: int, epochs: int = 8) -> tuple[str, str, float]:
    """Alice's scaled SGD logistic regression, trained epoch by epoch."""
    features, target = split(train)
    with mlflow.start_run(run_name="baseline-sgd", tags=work_as("alice")) as run:
        mlflow.log_params({"model": "sgd-logistic", "alpha": 0.001, "epochs": epochs, "seed": seed})
        mlflow.log_input(train_ds, context="training")
        mlflow.log_input(test_ds, context="eval")
        scaler = StandardScaler().fit(features)
        scaled = scaler.transform(features)
        classifier = SGDClassifier(loss="log_loss", alpha=0.001, random_state=seed)
        classes = np.unique(target)
        for epoch in range(epochs):
            classifier.partial_fit(scaled, target, classes=classes)
            mlflow.log_metrics({"train_loss": float(log_loss(target, classifier.predict_proba(scaled), labels=classes)),
                                "train_accuracy": float(classifier.score(scaled, target))}, step=epoch)
        model = Pipeline([("scale", scaler), ("classify", classifier)])
        info = mlflow.sklearn.log_model(model, name="model", step=epochs - 1, serialization_format="cloudpickle",
                                        pip_requirements=PIP_REQUIREMENTS)
        accuracy = log_test_metrics(model, test, test_ds, info.model_id)
        log_reports(model, test)
        return run.info.run_id, info.model_id, accuracy


def failing_run(train: pd.DataFrame) -> None:
    """A configuration scikit-learn rejects: the run ends FAILED."""
    features, target = split(train)
    try:
        with mlflow.start_run(run_name="gbt-negative-rate", tags=work_as("alice")):
            mlflow.log_params({"model": "gradient-boosting", "learning_rate": -0.1})
            GradientBoostingClassifier(learning_rate=-0.1).fit(features, target)
    except ValueError as err:
        print(f"gbt-negative-rate failed as expected: {err}")


def sweep(train, test, train_ds, test_ds, seed: int) -> tuple[str, str, float]:
    """Bob's random-forest sweep: one child run per forest size, each forest grown in steps."""
    fit, valid = train_test_split(train, test_size=0.25, random_state=seed, stratify=train[TARGET])
    fit_x, fit_y = split(fit)
    valid_x, valid_y = split(valid)
    results = []
    with mlflow.start_run(run_name="rf-sweep", tags=work_as("bob")):
        mlflow.log_params({"model": "random-forest", "n_estimators_grid": ",".join(map(str, FOREST_SIZES)),
                           "seed": seed})
        for size in FOREST_SIZES:
            tags = work_as("bob")
            with mlflow.start_run(run_name=f"rf-{size}-trees", nested=True, tags=tags) as child:
                mlflow.log_params({"model": "random-forest", "n_estimators": size, "max_depth": 4, "seed": seed})
                mlflow.log_input(train_ds, context="training")
                mlflow.log_input(test_ds, context="eval")
                forest = RandomForestClassifier(n_estimators=0, max_depth=4, warm_start=True, random_state=seed)
                for step, trees in enumerate(range(size // 5, size + 1, size // 5)):
                    forest.set_params(n_estimators=trees).fit(fit_x, fit_y)
                    mlflow.log_metric("val_accuracy", float(forest.score(valid_x, valid_y)), step=step)
                info = mlflow.sklearn.log_model(forest, name="model", step=step, serialization_format="cloudpickle",
                                                pip_requirements=PIP_REQUIREMENTS)
                accuracy = log_test_metrics(forest, test, test_ds, info.model_id)
                log_reports(forest, test)
                results.append((accuracy, -size, child.info.run_id, info.model_id))
        accuracy, negative_size, run_id, model_id = max(results)
        mlflow.log_param("best_n_estimators", -negative_size)
        mlflow.log_metric("best_test_accuracy", accuracy)
    return run_id, model_id, accuracy


def register(baseline_model_id: str, best_model_id: str) -> None:
    """Register the baseline (v1, alias challenger) and the best forest (v2, alias champion)."""
    work_as("bob")
    client = MlflowClient()
    client.create_registered_model(
        REGISTERED_MODEL,
        tags={"team": "wine-lab", "task": "classification", "mlflow.user": "bob"},
        description="Predicts the cultivar of a wine from its chemical analysis.",
    )
    baseline = mlflow.register_model(f"models:/{baseline_model_id}", REGISTERED_MODEL,
                                     tags={"validation_status": "passed", "family": "linear"})
    best = mlflow.register_model(f"models:/{best_model_id}", REGISTERED_MODEL,
                                 tags={"validation_status": "passed", "family": "forest"})
    client.update_model_version(REGISTERED_MODEL, best.version, description="Best forest of the sweep.")
    client.set_registered_model_alias(REGISTERED_MODEL, "challenger", baseline.version)
    client.set_registered_model_alias(REGISTERED_MODEL, "champion", best.version)


def champion_model_id(version) -> str:
    """The logged model behind a model version (SQL stores keep it only in the ``models:/`` source)."""
    if version.model_id:
        return version.model_id
    return version.source.removeprefix("models:/").split("/")[0]


def evaluate_champion(test, test_ds) -> None:
    """Alice evaluates whatever model carries the champion alias."""
    version = MlflowClient().get_model_version_by_alias(REGISTERED_MODEL, "champion")
    model = mlflow.sklearn.load_model(f"models:/{REGISTERED_MODEL}@champion")
    with mlflow.start_run(run_name="evaluate-champion", tags=work_as("alice")):
        mlflow.log_params({"registered_model": REGISTERED_MODEL, "alias": "champion", "version": version.version})
        mlflow.log_input(test_ds, context="eval")
        log_test_metrics(model, test, test_ds, champion_model_id(version))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0, help="random seed of splits and models")
    args = parser.parse_args()
    train, test = load_data(args.seed)
    source = DATA.as_uri()
    train_ds = mlflow.data.from_pandas(train, source=source, targets=TARGET, name="wine")
    test_ds = mlflow.data.from_pandas(test, source=source, targets=TARGET, name="wine-test")
    use_experiment()
    smoke_test(train)
    _, baseline_model_id, baseline_accuracy = train_baseline(train, test, train_ds, test_ds, args.seed)
    failing_run(train)
    _, best_model_id, best_accuracy = sweep(train, test, train_ds, test_ds, args.seed)
    register(baseline_model_id, best_model_id)
    evaluate_champion(test, test_ds)
    print(json.dumps({"baseline_accuracy": baseline_accuracy, "best_forest_accuracy": best_accuracy}))


if __name__ == "__main__":
    main()
