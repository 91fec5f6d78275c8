"""Ordered procedures the offline generator turns into ordering items.

Each workflow is a short sequence whose order is fixed by how the service works (a step needs
the output of the one before it), so there is exactly one right order. ``topic`` is the catalog
id a supporting passage must mention; ``task`` is the exam task statement it practises.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Workflow:
    id: str
    task: str
    topic: str
    goal: str
    steps: tuple[str, ...]
    why: str


WORKFLOWS: tuple[Workflow, ...] = (
    Workflow(
        id="glue-crawl-etl-query",
        task="1.1",
        topic="glue",
        goal="make raw CSV files in an S3 prefix queryable and convert them to a columnar format",
        steps=(
            "Run an AWS Glue crawler over the raw S3 prefix",
            "Let the crawler record table schemas in the Data Catalog",
            "Run a Glue ETL job that writes Parquet tables",
            "Query the curated Parquet tables with Amazon Athena",
        ),
        why="The ETL job and Athena both read table definitions that only exist once the "
        "crawler has written them to the Data Catalog.",
    ),
    Workflow(
        id="ground-truth-labeling",
        task="1.2",
        topic="sagemaker-ground-truth",
        goal="label a new image dataset with SageMaker Ground Truth",
        steps=(
            "Upload the unlabeled images to an S3 bucket",
            "Create an input manifest that lists every image",
            "Start the labeling job with the chosen workforce",
            "Train on the output manifest with the new labels",
        ),
        why="A labeling job reads its objects from the input manifest, and the labels it "
        "produces are written to an output manifest that training can consume.",
    ),
    Workflow(
        id="clarify-pretraining-bias",
        task="1.3",
        topic="sagemaker-clarify",
        goal="check a tabular training set for bias before any model is trained",
        steps=(
            "Choose the label column and the sensitive facet",
            "Run a Clarify processing job on the training data",
            "Read pre-training metrics such as CI and DPL",
            "Resample or reweight the data where bias is high",
        ),
        why="Clarify needs the label and facet to compute class imbalance and label "
        "proportions, and remediation only makes sense once those metrics are known.",
    ),
    Workflow(
        id="hyperparameter-tuning",
        task="2.2",
        topic="sagemaker-automatic-model-tuning",
        goal="find good hyperparameters with SageMaker automatic model tuning",
        steps=(
            "Pick the objective metric and hyperparameter ranges",
            "Launch the tuning job with a search strategy",
            "Compare the objective metric across training jobs",
            "Deploy the model from the best training job",
        ),
        why="The tuner can only search once ranges and an objective exist, and the best job "
        "is known only after the training jobs have reported the metric.",
    ),
    Workflow(
        id="endpoint-deployment",
        task="3.1",
        topic="sagemaker-real-time-inference",
        goal="host a trained model on a SageMaker real-time endpoint with the API",
        steps=(
            "Create a SageMaker model from the image and artifact",
            "Create an endpoint configuration naming instance types",
            "Create the endpoint from that endpoint configuration",
            "Send requests to the endpoint with InvokeEndpoint",
        ),
        why="An endpoint configuration refers to a model, an endpoint is built from a "
        "configuration, and only a running endpoint can be invoked.",
    ),
    Workflow(
        id="cloudformation-change-set",
        task="3.2",
        topic="cloudformation",
        goal="change ML infrastructure safely with AWS CloudFormation",
        steps=(
            "Write a template that declares the resources",
            "Create a stack from the template",
            "Create a change set for the edited template",
            "Execute the change set after reviewing it",
        ),
        why="A change set compares an edited template with an existing stack, so the stack "
        "must exist first, and changes apply only when the set is executed.",
    ),
    Workflow(
        id="guardrails-canary",
        task="3.3",
        topic="sagemaker-deployment-guardrails",
        goal="roll out a new model version behind an endpoint with a canary traffic shift",
        steps=(
            "Provision the new fleet next to the current one",
            "Shift a small canary share of traffic to it",
            "Watch CloudWatch alarms during the baking period",
            "Move the rest of the traffic or roll back",
        ),
        why="Traffic can only shift to a fleet that exists, and the decision to finish or "
        "roll back depends on the alarms observed while the canary bakes.",
    ),
    Workflow(
        id="model-monitor-data-quality",
        task="4.1",
        topic="sagemaker-model-monitor",
        goal="set up data quality monitoring for a SageMaker endpoint",
        steps=(
            "Enable data capture on the endpoint",
            "Run a baselining job on the training dataset",
            "Create a monitoring schedule for the endpoint",
            "Review violation reports and CloudWatch metrics",
        ),
        why="Monitoring jobs compare captured traffic with the baseline statistics and "
        "constraints, so capture and baseline come before the schedule produces violations.",
    ),
    Workflow(
        id="kms-envelope-encryption",
        task="4.3",
        topic="kms",
        goal="encrypt a large training file with envelope encryption using AWS KMS",
        steps=(
            "Request a data key from AWS KMS",
            "Encrypt the file locally with the plaintext data key",
            "Discard the plaintext key and keep the encrypted copy",
            "Ask KMS to decrypt the data key when reading",
        ),
        why="KMS returns a plaintext and an encrypted data key; the plaintext copy encrypts "
        "the data and is thrown away, and the stored encrypted copy is decrypted later.",
    ),
)


def workflows_for(task: str) -> list[Workflow]:
    return [w for w in WORKFLOWS if w.task == task]
