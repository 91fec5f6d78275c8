"""Evaluation harness: retrieval, answer and quiz quality as reports that can be compared.

``tutor eval`` (evals/cli.py) runs the evals against the current index; tests/test_eval_gate.py
runs a fast subset and fails when a metric drops below evals/thresholds.toml.
"""
