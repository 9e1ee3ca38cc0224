"""Integrations that receive an audit's results: MLflow."""

from audit.integrations._mlflow import MISSING_MLFLOW, log_to_mlflow, mlflow_key

__all__ = ["MISSING_MLFLOW", "log_to_mlflow", "mlflow_key"]
