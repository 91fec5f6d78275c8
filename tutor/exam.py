"""The MLA-C01 exam blueprint: domains, weights, task statements and what each task covers.

The one source for them. ``TASK_SCOPES`` adds, in the project's own words, the topics each
task statement spans; automatic tagging embeds these texts, so they list the vocabulary a
passage about the task tends to use.
"""

from __future__ import annotations

DOMAINS: dict[int, str] = {
    1: "Data Preparation for Machine Learning",
    2: "ML Model Development",
    3: "Deployment and Orchestration of ML Workflows",
    4: "ML Solution Monitoring, Maintenance, and Security",
}
DOMAIN_WEIGHTS: dict[int, float] = {1: 0.28, 2: 0.26, 3: 0.22, 4: 0.24}
TASKS: dict[str, str] = {
    "1.1": "Ingest and store data",
    "1.2": "Transform data and perform feature engineering",
    "1.3": "Ensure data integrity and prepare data for modeling",
    "2.1": "Choose a modeling approach",
    "2.2": "Train and refine models",
    "2.3": "Analyze model performance",
    "3.1": "Select deployment infrastructure based on existing architecture and requirements",
    "3.2": "Create and script infrastructure based on existing architecture and requirements",
    "3.3": "Use automated orchestration tools to set up CI/CD pipelines",
    "4.1": "Monitor model inference",
    "4.2": "Monitor and optimize infrastructure and costs",
    "4.3": "Secure AWS resources",
}


def tasks_of(domain: int) -> list[str]:
    """Task statements of one exam domain, in blueprint order."""
    return [t for t in TASKS if t.startswith(f"{domain}.")]


TASK_SCOPES: dict[str, str] = {
    "1.1": (
        "Getting data into AWS and storing it for machine learning: file formats such as "
        "Parquet, ORC, Avro, RecordIO, CSV and JSON; picking Amazon S3, EFS or FSx for Lustre "
        "for training data; streaming ingestion with Kinesis Data Streams, Data Firehose, "
        "Managed Service for Apache Flink and MSK; batch ETL and merging sources with AWS Glue "
        "crawlers, the Data Catalog and Spark on EMR; loading features into Feature Store."
    ),
    "1.2": (
        "Cleaning and transforming data and engineering features: handling outliers and "
        "missing values with imputation, removing duplicates, scaling and normalising, "
        "binning, log transforms, one-hot and label encoding, tokenizing text; visual "
        "preparation with Glue DataBrew and SageMaker Data Wrangler; labelling data with "
        "SageMaker Ground Truth and Mechanical Turk; storing features in Feature Store."
    ),
    "1.3": (
        "Checking data integrity before training: pre-training bias metrics such as class "
        "imbalance and difference in proportions of labels with SageMaker Clarify; "
        "resampling and synthetic data for imbalanced classes; Glue Data Quality rules; "
        "encryption, anonymisation and masking of PII and PHI, data residency; splitting "
        "into training, validation and test sets without leakage; shuffling; File, Pipe and "
        "Fast File input modes for training channels."
    ),
    "2.1": (
        "Choosing how to model a problem: pretrained AI services such as Comprehend, "
        "Rekognition, Textract, Transcribe, Translate, Personalize, Forecast and Bedrock "
        "versus SageMaker built-in algorithms such as XGBoost, Linear Learner, K-Means, k-NN, "
        "PCA, Random Cut Forest, DeepAR, BlazingText and object detection, versus JumpStart "
        "foundation models, Autopilot or custom code; weighing interpretability, data size "
        "and cost when selecting an algorithm."
    ),
    "2.2": (
        "Training and refining models: epochs, batch size and learning rate; early stopping; "
        "L1, L2 and dropout regularisation; automatic model tuning with random, Bayesian, "
        "grid and Hyperband search and warm start; script mode and bring-your-own "
        "containers; distributed training with data and model parallelism; managed Spot "
        "training with checkpoints; fine-tuning pretrained models; ensembles, pruning and "
        "compression; versioning models in the Model Registry."
    ),
    "2.3": (
        "Evaluating model performance: confusion matrix, accuracy, precision, recall, F1, "
        "ROC curve and AUC for classifiers; RMSE, MAE and R-squared for regression; "
        "baselines; diagnosing overfitting and underfitting and convergence problems; "
        "post-training bias and SHAP feature attributions with Clarify; profiling and "
        "debugging training with SageMaker Debugger; comparing runs with Experiments; "
        "shadow variants to compare a candidate model with production."
    ),
    "3.1": (
        "Choosing deployment infrastructure: real-time, serverless, asynchronous and batch "
        "transform inference and their payload and timeout limits; multi-model and "
        "multi-container endpoints and inference pipelines; compiling with Neo and deploying "
        "to edge devices; sizing with Inference Recommender; prebuilt and custom containers "
        "in ECR; ECS, EKS and Lambda as serving targets; choosing SageMaker Pipelines, Step "
        "Functions or Managed Workflows for Apache Airflow to orchestrate."
    ),
    "3.2": (
        "Creating and scripting infrastructure: provisioned versus on-demand resources; "
        "endpoint auto scaling with target tracking, step and scheduled policies on metrics "
        "such as invocations per instance; infrastructure as code with CloudFormation and "
        "the CDK; deploying endpoints into a VPC with subnets and security groups; scripting "
        "endpoints with the SageMaker Python SDK and boto3; tagging resources."
    ),
    "3.3": (
        "Automating CI/CD for machine learning: CodePipeline, CodeBuild and CodeDeploy; "
        "Git branching flows; SageMaker Projects templates and Model Registry approval; "
        "SageMaker Pipelines steps, conditions and caching; blue/green deployments with "
        "canary, linear and all-at-once traffic shifting and automatic rollback on alarms; "
        "EventBridge rules and schedules that trigger automated retraining and tests."
    ),
    "4.1": (
        "Monitoring models in production: data drift, concept drift, model quality drift, "
        "bias drift and feature attribution drift; SageMaker Model Monitor data capture, "
        "baselines, constraints, monitoring schedules and violation reports; Clarify bias "
        "and explainability monitors; A/B testing with production variants; human review "
        "with Augmented AI; deciding when to retrain."
    ),
    "4.2": (
        "Monitoring and optimising infrastructure and cost: CloudWatch metrics, logs, "
        "alarms, dashboards and Logs Insights; X-Ray tracing; CloudTrail API activity; "
        "EventBridge events; choosing instance families and rightsizing with Inference "
        "Recommender and Compute Optimizer; Cost Explorer, Budgets, Trusted Advisor and cost "
        "allocation tags; Spot Instances, Reserved Instances and Savings Plans."
    ),
    "4.3": (
        "Securing ML resources: IAM roles, execution roles, policies and least privilege; "
        "SageMaker Role Manager; S3 bucket policies and cross-account access; encryption "
        "with KMS keys at rest and TLS in transit; VPC subnets, security groups, VPC "
        "interface endpoints and PrivateLink; network isolation and inter-container traffic "
        "encryption; discovering sensitive data with Macie; securing CI/CD pipelines."
    ),
}


def task_statement(task: str) -> str:
    """Title and scope of one task statement as one text; KeyError for an unknown task."""
    return f"Task {task}: {TASKS[task]}. {TASK_SCOPES[task]}"
