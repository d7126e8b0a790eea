"""Train a scikit-learn classifier on a CSV and write an MLflow model plus metrics.json.

Runs unchanged on Azure ML (where the platform presets MLflow tracking to the workspace) and under
`python -m jobs run-local` (which points MLflow at a local folder).
"""

import argparse
import json
from pathlib import Path

import mlflow
import mlflow.sklearn
import pandas as pd
from mlflow.models import infer_signature
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score, precision_score, recall_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, required=True, help="CSV file, or a folder holding exactly one CSV")
    parser.add_argument("--target", required=True, help="name of the label column")
    parser.add_argument("--C", type=float, default=1.0, help="inverse regularisation strength")
    parser.add_argument("--max_iter", type=int, default=200)
    parser.add_argument("--test_size", type=float, default=0.25)
    parser.add_argument("--random_state", type=int, default=42)
    parser.add_argument("--model_output", type=Path, required=True, help="folder for the MLflow model")
    parser.add_argument("--metrics_output", type=Path, required=True, help="folder for metrics.json")
    return parser.parse_args(argv)


def csv_file(path: Path) -> Path:
    """A uri_folder input arrives as a folder: accept it when it holds a single CSV."""
    if path.is_file():
        return path
    candidates = sorted(path.glob("*.csv"))
    if len(candidates) != 1:
        raise SystemExit(f"--data {path}: expected a CSV file or a folder with exactly one CSV")
    return candidates[0]


def evaluate(model, features, labels) -> dict[str, float]:
    predicted = model.predict(features)
    return {
        "accuracy": accuracy_score(labels, predicted),
        "f1_macro": f1_score(labels, predicted, average="macro"),
        "precision_macro": precision_score(labels, predicted, average="macro"),
        "recall_macro": recall_score(labels, predicted, average="macro"),
    }


def main(argv=None) -> None:
    args = parse_args(argv)
    frame = pd.read_csv(csv_file(args.data))
    features, labels = frame.drop(columns=[args.target]), frame[args.target]
    x_train, x_test, y_train, y_test = train_test_split(
        features, labels, test_size=args.test_size, random_state=args.random_state, stratify=labels
    )
    with mlflow.start_run():
        mlflow.log_params({"C": args.C, "max_iter": args.max_iter, "test_size": args.test_size,
                           "random_state": args.random_state, "rows": len(frame)})
        model = make_pipeline(StandardScaler(), LogisticRegression(C=args.C, max_iter=args.max_iter))
        model.fit(x_train, y_train)
        metrics = evaluate(model, x_test, y_test)
        mlflow.log_metrics(metrics)
        # Explicit requirements: inferring them re-imports the model in a subprocess, slow for no gain here.
        mlflow.sklearn.save_model(
            model,
            args.model_output,
            signature=infer_signature(x_test, model.predict(x_test)),
            pip_requirements=mlflow.sklearn.get_default_pip_requirements(include_skops=True),
        )
    args.metrics_output.mkdir(parents=True, exist_ok=True)
    (args.metrics_output / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    print("metrics:", json.dumps(metrics))


if __name__ == "__main__":
    main()
