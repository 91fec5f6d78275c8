"""Build corpus/aws_docs.yaml, the curated list of AWS documentation pages, from a local copy.

Usage: ``python -m ingest.docs_manifest ../shared/aws-docs > corpus/aws_docs.yaml``

The local copy's ``manifest.jsonl`` supplies each page's path, URL and title. Which exam task
statements a page serves is decided here by the rules below, first match wins; a page no
rule matches, or one listed in ``EXCLUDED``, is left out of the manifest. The rules are the
curation: edit them, re-run, and review the diff of the YAML.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import yaml

# (guide folder, guide title, repository the local copy came from, license, licence note)
CC = "CC BY-SA 4.0"
CC_NOTE = "Documentation under CC BY-SA 4.0; sample code under a modified MIT licence."
GUIDES: dict[str, tuple[str, str, str, str]] = {
    "sagemaker": ("Amazon SageMaker Developer Guide",
                  "awsdocs/amazon-sagemaker-developer-guide", CC, CC_NOTE),
    "glue": ("AWS Glue Developer Guide", "awsdocs/aws-glue-developer-guide", CC, CC_NOTE),
    "kinesis-data-streams": ("Amazon Kinesis Data Streams Developer Guide",
                             "awsdocs/amazon-kinesis-data-streams-developer-guide", CC, CC_NOTE),
    "firehose": ("Amazon Data Firehose Developer Guide",
                 "awsdocs/amazon-kinesis-data-firehose-developer-guide", CC, CC_NOTE),
    "lambda": ("AWS Lambda Developer Guide", "awsdocs/aws-lambda-developer-guide", CC, CC_NOTE),
    "s3": ("Amazon S3 User Guide", "awsdocs/amazon-s3-userguide", CC, CC_NOTE),
    "step-functions": ("AWS Step Functions Developer Guide",
                       "awsdocs/aws-step-functions-developer-guide", CC, CC_NOTE),
    "cloudwatch": ("Amazon CloudWatch User Guide", "awsdocs/amazon-cloudwatch-user-guide",
                   CC, CC_NOTE),
    "iam": ("AWS Identity and Access Management User Guide", "awsdocs/iam-user-guide",
            "modified MIT (MIT-0 style)",
            ("Exception: the iam-user-guide repository ships only a modified-MIT LICENSE and "
             "no CC BY-SA file, so this guide is listed under that licence.")),
    "kms": ("AWS Key Management Service Developer Guide", "awsdocs/aws-kms-developer-guide",
            CC, CC_NOTE),
}

EXCLUDED: dict[str, str] = {
    "sagemaker/ei.md": "Elastic Inference is retired and absent from the current exam guide",
    "sagemaker/gs.md": "account sign-up steps, no exam content",
    "sagemaker/notebook-lifecycle-config.md": "notebook start-up scripts, not on the exam guide",
}

# (regex on "folder/slug", tasks). Order matters: specific rules before broad ones.
RULES: list[tuple[str, list[str]]] = [
    # --- SageMaker: security and networking first, since their slugs overlap with others
    (r"sagemaker/(multi-model-endpoint-security|feature-store-security.*|sms-security)$",
     ["4.3"]),
    (r"sagemaker/host-vpc$", ["3.2", "4.3"]),
    ((r"sagemaker/(.*-vpc|appendix-notebook-and-internet-access|studio-notebooks-and-internet-"
      r"access|notebook-interface-endpoint|interface-vpc-endpoint|infrastructure-security|"
      r"inter-network-privacy|mkt-algo-model-internet-free|train-encrypt|encryption-.*|"
      r"data-protection|key-management|security.*|sagemaker-roles|role-manager.*|"
      r"build-and-manage-access)$"), ["4.3"]),
    (r"sagemaker/realtime-endpoints-privatelink$", ["3.1", "4.3"]),
    # --- SageMaker: data preparation
    (r"sagemaker/(cdf-training|sagemaker-algo-common-data-formats)$", ["1.1"]),
    (r"sagemaker/(input-data-limits|model-train-storage)$", ["1.1", "1.3"]),
    (r"sagemaker/(model-access-training-data|augmented-manifest)$", ["1.3"]),
    (r"sagemaker/feature-store-create-a-dataset$", ["1.2"]),
    (r"sagemaker/feature-store.*$", ["1.1", "1.2"]),
    (r"sagemaker/data-wrangler-import$", ["1.1"]),
    (r"sagemaker/data-wrangler-data-insights$", ["1.2", "1.3"]),
    (r"sagemaker/data-wrangler-autopilot$", ["2.1"]),
    (r"sagemaker/(data-prep|data-wrangler.*|how-it-works-notebooks-instances)$", ["1.2"]),
    (r"sagemaker/(getting-started-glue-sm|studio-notebooks-glue|studio-notebooks-emr-cluster)$",
     ["1.1", "1.2"]),
    ((r"sagemaker/(processing-.*|use-.*-processing-.*|use-your-own-processing-code|"
      r"build-your-own-processing-container)$"), ["1.2"]),
    (r"sagemaker/(gtp|sms.*)$", ["1.2"]),
    ((r"sagemaker/clarify-(bias-metric-class-imbalance|data-bias-metric-true-label-imbalance|"
      r"detect-data-bias|measure-data-bias)$"), ["1.3"]),
    (r"sagemaker/clarify-(configure-processing-jobs|processing-job-.*)$", ["1.3", "2.3"]),
    # --- SageMaker: monitoring (before the generic clarify rule)
    (r"sagemaker/clarify-(model-monitor-.*|feature-attribute-drift-report)$", ["4.1"]),
    (r"sagemaker/clarify-online-explainability.*$", ["2.3", "3.1"]),
    (r"sagemaker/clarify-.*$", ["2.3"]),
    (r"sagemaker/(model-monitor-interpreting-cloudwatch|model-monitor-model-quality-cw)$",
     ["4.1", "4.2"]),
    ((r"sagemaker/(how-it-works-model-monitor|model-monitor.*|model-ab-testing|a2i-.*|"
      r"governance|model-cards.*|model-dashboard.*)$"), ["4.1"]),
    # --- SageMaker: choosing an approach and algorithms
    (r"sagemaker/(.*-tuning|.*hyperparameters|PCA-reference|k-means-api-config)$",
     ["2.1", "2.2"]),
    ((r"sagemaker/(IC-HowItWorks|image-classification.*|object-detection.*|"
      r"algo-.*|semantic-segmentation|seq-2-seq|blazingtext|object2vec|lda|ntm|ip-insights.*|"
      r"k-means|km-in-formats|k-nearest-neighbors|kNN_how-it-works|pca|how-pca-works|"
      r"randomcutforest|rcf.*|linear-learner|LL-in-formats|ll_how-it-works|xgboost.*|"
      r"deepar.*|fact-machines.*|autogluon-tabular|catboost.*|lightgbm.*|tabtransformer|"
      r"text-classification-tensorflow|algorithms-.*|algos|jumpstart-models|canvas|whatis|"
      r"how-it-works-mlconcepts)$"), ["2.1"]),
    (r"sagemaker/cmn-info-instance-types$", ["2.1", "4.2"]),
    (r"sagemaker/autopilot-(explainability|metrics-validation)$", ["2.1", "2.3"]),
    (r"sagemaker/autopilot-.*$", ["2.1"]),
    (r"sagemaker/hugging-face$", ["2.1", "2.2"]),
    # --- SageMaker: training
    (r"sagemaker/model-managed-spot-training$", ["2.2", "4.2"]),
    ((r"sagemaker/(automatic-model-tuning.*|multiple-algorithm-hpo.*|data-parallel.*|"
      r"distributed-.*|model-parallel.*|train-heterogeneous-cluster|your-algorithms-training-.*|"
      r"training-compiler.*|incremental-training|model-checkpoints|train-warm-pools|"
      r"how-it-works-training|train-model|frameworks|mxnet|pytorch|tf|sklearn|"
      r"adapt-training-container|studio|nbi)$"), ["2.2"]),
    ((r"sagemaker/(docker-containers.*|prebuilt-containers-extend|pre-built-.*|"
      r"amazon-sagemaker-toolkits|sagemaker-algo-docker-registry-paths)$"), ["2.2", "3.1"]),
    (r"sagemaker/(model-registry-approve|model-registry-deploy.*)$", ["2.2", "3.3"]),
    (r"sagemaker/(model-registry.*|modelregistryfaq)$", ["2.2"]),
    # --- SageMaker: evaluation
    ((r"sagemaker/(debugger-.*|train-debugger|use-debugger-.*|experiment.*|lineage-tracking.*|"
      r"how-it-works-model-validation)$"), ["2.3"]),
    (r"sagemaker/training-metrics$", ["2.3", "4.2"]),
    # --- SageMaker: deployment
    ((r"sagemaker/(async-inference-autoscale|multi-model-endpoints-autoscaling|"
      r"endpoint-auto-scaling.*|endpoint-scaling.*)$"), ["3.2"]),
    ((r"sagemaker/(async-inference-monitor|serverless-endpoints-monitoring|"
      r"multi-model-endpoint-cloudwatch-metrics|inference-pipeline-logs-metrics)$"),
     ["3.1", "4.2"]),
    (r"sagemaker/(inference-cost-optimization|inference-recommender.*)$", ["3.1", "4.2"]),
    ((r"sagemaker/(async-inference.*|batch-transform.*|inference-pipeline.*|multi-model-.*|"
      r"multi-container-.*|create-multi-model-endpoint|invoke-multi-model-endpoint|"
      r"add-models-to-endpoint|build-multi-model-build-container|mms-container-apis|"
      r"realtime-.*|serverless-endpoints.*|deploy-model|how-it-works-deployment|hosting-faqs|"
      r"host-instance-storage|model-deploy-feature-matrix|deployment-best-practices|"
      r"best-practices|adapt-inference-container|your-algorithms-inference-code|"
      r"cdf-inference|edge.*|neo.*)$"), ["3.1"]),
    (r"sagemaker/(workflows|kubernetes-.*|mlopsfaq)$", ["3.1", "3.3"]),
    (r"sagemaker/(model-shadow-deployment|pipelines-experiments)$", ["2.3", "3.3"]),
    (r"sagemaker/pipelines-quality-clarify-baseline-lifecycle$", ["3.3", "4.1"]),
    ((r"sagemaker/(deployment-guardrails.*|model-validation|shadow-tests.*|"
      r"automating-sagemaker-with-eventbridge|pipeline-eventbridge|pipelines.*|define-pipeline|"
      r"run-pipeline|build-and-manage-.*|sagemaker-projects.*)$"), ["3.3"]),
    ((r"sagemaker/(logging-cloudwatch|monitoring-cloudwatch|monitoring-overview|"
      r"logging-using-cloudtrail|regions-quotas)$"), ["4.2"]),
    # --- Glue
    ((r"glue/(encryption-at-rest|setup-vpc-for-glue-access|create-an-iam-role-sagemaker-"
      r"notebook)$"), ["4.3"]),
    (r"glue/(monitor-glue|monitoring-awsglue-with-cloudwatch-metrics)$", ["4.2"]),
    ((r"glue/(built-in-transforms|machine-learning.*|aws-glue-api-crawler-pyspark-transforms-.*|"
      r"notebooks-with-glue)$"), ["1.2"]),
    (r"glue/.*$", ["1.1"]),
    # --- streaming
    (r"(kinesis-data-streams|firehose)/(server-side-encryption|encryption|controlling-access)$",
     ["1.1", "4.3"]),
    (r"kinesis-data-streams/monitoring-with-cloudwatch$", ["1.1", "4.2"]),
    (r"firehose/(record-format-conversion|data-transformation)$", ["1.1", "1.2"]),
    (r"(kinesis-data-streams|firehose)/.*$", ["1.1"]),
    # --- Lambda
    (r"lambda/(configuration-vpc|lambda-intro-execution-role|lambda-permissions)$", ["4.3"]),
    (r"lambda/lambda-monitoring$", ["4.2"]),
    (r"lambda/(configuration-concurrency|provisioned-concurrency)$", ["3.1", "3.2"]),
    (r"lambda/(with-s3|with-kinesis|with-sqs|invocation-eventsourcemapping)$", ["1.1", "3.1"]),
    (r"lambda/.*$", ["3.1"]),
    # --- S3
    (r"s3/(storage-class-intro|object-lifecycle-mgmt)$", ["1.1", "4.2"]),
    (r"s3/(NotificationHowTo|EventBridge)$", ["3.3"]),
    ((r"s3/(UsingEncryption|serv-side-encryption|UsingKMSEncryption|default-bucket-encryption|"
      r".*policies|security-best-practices|privatelink-interface-endpoints|access-points)$"),
     ["4.3"]),
    (r"s3/.*$", ["1.1"]),
    # --- orchestration, monitoring, security guides
    (r"step-functions/sagemaker-iam$", ["4.3"]),
    (r"step-functions/tutorial-human-approval$", ["3.3"]),
    (r"step-functions/.*$", ["3.1", "3.3"]),
    (r"cloudwatch/CloudWatch_Anomaly_Detection$", ["4.1", "4.2"]),
    (r"cloudwatch/.*$", ["4.2"]),
    (r"kms/logging-using-cloudtrail$", ["4.2", "4.3"]),
    (r"(iam|kms)/.*$", ["4.3"]),
]
_COMPILED = [(re.compile(pattern), tasks) for pattern, tasks in RULES]


def tasks_for(path: str) -> list[str] | None:
    """Exam tasks of a page ("folder/slug.md"), or None when no rule matches."""
    key = path.removesuffix(".md")
    for pattern, tasks in _COMPILED:
        if pattern.fullmatch(key):
            return list(tasks)
    return None


def build(source: Path) -> tuple[dict, list[str]]:
    """The manifest as data, and the local pages left out (with the reason)."""
    rows = [json.loads(line) for line in (source / "manifest.jsonl").read_text().splitlines()
            if line.strip()]
    guides: dict[str, dict] = {}
    skipped: list[str] = []
    for row in sorted(rows, key=lambda r: r["path"]):
        path = row["path"]
        folder = path.split("/", 1)[0]
        if path in EXCLUDED:
            skipped.append(f"{path}: {EXCLUDED[path]}")
            continue
        tasks = tasks_for(path)
        if folder not in GUIDES or tasks is None:
            skipped.append(f"{path}: no rule")
            continue
        title, repo, licence, note = GUIDES[folder]
        guide = guides.setdefault(folder, {
            "id": folder, "title": title, "url_base": row["url"].rsplit("/", 1)[0] + "/",
            "license": licence, "license_note": note, "repository": f"https://github.com/{repo}",
            "pages": []})
        page = {"path": path, "tasks": tasks}
        if row["url"] != f"{guide['url_base']}{Path(path).stem}.html":
            page["url"] = row["url"]  # only URLs that break the base + slug rule are stored
        guide["pages"].append(page)
    data = {"version": 1, "guides": [guides[g] for g in GUIDES if g in guides]}
    return data, skipped


HEADER = """\
# Curated AWS documentation pages for the MLA-C01 tutor; `tutor docs fetch` reads this file.
# Generated by `python -m ingest.docs_manifest ../shared/aws-docs`; edit the rules there.
# Each page: its path in a local copy (folder/slug.md, the slug of its docs.aws.amazon.com
# URL; the URL is the guide's url_base + slug + .html) and the exam task statements it serves.
# Pages are fetched at run time
# and never redistributed here; the licence of each guide applies to the fetched copies.
"""


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    data, skipped = build(Path(argv[0]))
    body = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100,
                          default_flow_style=None)
    sys.stdout.write(HEADER + body)
    for line in skipped:
        print(f"left out {line}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
