"""Every AWS service the study notes and concept cards name has an entry in the service
catalog (corpus/services.yaml), apart from a short allowlist with a reason for each name."""

from __future__ import annotations

import re

import pytest
import yaml

from tests.conftest import NOTES, REPO
from tests.test_corpus import NOTE_FILES
from tutor.catalog import Catalog, catalog_from_dict, load_catalog


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


# "Amazon X" / "AWS X": the prefix and the capitalised words that follow it on the same line
# ("AWS Systems Manager Parameter Store", "Amazon S3 User Guide", "AWS CDK").
PREFIXED_NAME = re.compile(r"\b(?:Amazon|AWS)(?:[ \t]+(?:[A-Z0-9][\w.-]*\w|[A-Z0-9]))+")
# Services that learners and the exam name without the prefix. Only forms that cannot be an
# ordinary capitalised English word are listed ("Batch", "Shield" and "Backup" are not), so a
# hit is a service name; forms already in the catalog stay listed to guard against removal.
SHORT_FORMS = (
    # storage and data movement
    "S3", "EBS", "EFS", "FSx", "Glacier", "DataSync", "Snowball", "Snowcone", "Snow Family",
    "Storage Gateway", "Transfer Family", "Direct Connect", "Transfer Acceleration",
    # databases, analytics, streaming
    "RDS", "Aurora", "DynamoDB", "DocumentDB", "Neptune", "ElastiCache", "MemoryDB",
    "Timestream", "Keyspaces", "Redshift", "Athena", "EMR", "Glue", "DataBrew",
    "Lake Formation", "OpenSearch", "Elasticsearch", "QuickSight", "AppFlow", "DataZone",
    "Clean Rooms", "Data Exchange", "Kinesis", "Firehose", "Kinesis Video Streams", "MSK",
    "Flink", "DMS", "Data Pipeline",
    # AI services and accelerators
    "Bedrock", "Comprehend", "Rekognition", "Textract", "Transcribe", "Polly",
    "Lex", "Kendra", "Personalize", "Fraud Detector", "Augmented AI", "A2I", "Ground Truth",
    "Mechanical Turk", "Lookout for Vision", "Lookout for Equipment", "Lookout for Metrics",
    "HealthLake", "Panorama", "DeepLens", "DeepRacer", "Monitron", "CodeGuru", "CodeWhisperer",
    "Q Developer", "Elastic Inference", "Inferentia", "Inferentia2", "Trainium", "Trainium2",
    "Neuron", "Graviton",
    # compute, containers, integration
    "EC2", "ECR", "ECS", "EKS", "Fargate", "Lambda", "Elastic Beanstalk", "Lightsail",
    "App Runner", "Outposts", "Wavelength", "Local Zones", "Greengrass", "IoT Core",
    "API Gateway", "AppSync", "Step Functions", "MWAA", "EventBridge", "SNS", "SQS",
    "Elastic Load Balancing", "Application Load Balancer", "Network Load Balancer",
    "Global Accelerator", "CloudFront", "Route 53",
    # build, deploy, infrastructure as code
    "CloudFormation", "CDK", "SAM", "Service Catalog", "Proton", "CodeCommit", "CodeBuild",
    "CodeDeploy", "CodePipeline", "CodeArtifact", "CodeStar", "CodeConnections", "Cloud9",
    # monitoring, governance, cost
    "CloudWatch", "CloudTrail", "X-Ray", "Config", "Systems Manager", "Parameter Store",
    "Trusted Advisor", "Compute Optimizer", "Cost Explorer", "Cost Anomaly Detection",
    "Savings Plans", "Service Quotas", "Control Tower", "Organizations", "Artifact",
    "Audit Manager", "Managed Grafana", "Managed Service for Prometheus", "Marketplace",
    # security
    "IAM", "STS", "Identity Center", "Access Analyzer", "KMS", "CloudHSM", "Secrets Manager",
    "Certificate Manager", "Cognito", "Macie", "GuardDuty", "Inspector", "Security Hub",
    "Security Lake", "WAF", "Firewall Manager", "Network Firewall", "PrivateLink", "VPC",
    "Resource Access Manager", "Directory Service",
)
SHORT_FORM = re.compile(r"(?<![\w-])(?:" + "|".join(
    re.escape(s) for s in sorted(SHORT_FORMS, key=len, reverse=True)) + r")(?![\w-])")
# Names that look like services but are not, or that the catalog leaves out on purpose. Each
# covers the text it spells out, so "Amazon SageMaker" does not excuse "Amazon SageMaker
# Profiler". A new entry needs a reason here; test_allowlist_entries_are_still_needed drops
# entries the corpus no longer uses.
NOT_IN_CATALOG: dict[str, str] = {
    # not services
    "AWS Region": "a geographic area of AWS infrastructure, not a service",
    "AWS AI service": "any of the pretrained AI services, each of which has its own entry",
    "AWS ML service": "any of the machine learning services, each with its own entry",
    "AWS Certified Machine Learning Engineer": "the name of the certification the exam leads to",
    "AWS CLI": "the command-line client that calls every service; not a service itself",
    "AWS SDK": "the client libraries that call every service; not a service itself",
    "CIS AWS Foundations Benchmark": "a Security Hub standard (a set of checks), not a service",
    "AWS Foundational Security Best Practices": "a Security Hub standard, not a service",
    "AWS Well-Architected Machine Learning Lens": "design guidance (a document), not a service",
    "AWS Well-Architected Framework Machine Learning Lens": "the same guidance, longer title",
    "Amazon States Language": "the JSON language of Step Functions definitions, not a service",
    "Amazon Ion": "a data serialization format (a DMS target format), not a service",
    "AWS Load Balancer Controller": "an open-source Kubernetes controller run inside an EKS "
                                    "cluster; the load balancers it creates are ELB",
    "AWS Node Termination Handler": "an open-source Kubernetes daemon run inside a cluster",
    # services the catalog leaves out on purpose
    "Amazon SageMaker": "the platform as a whole: the catalog files SageMaker by feature "
                        "(Studio, training jobs, endpoints...), and one entry for the bare name "
                        "would match nearly every sentence and become a quiz key",
    "Amazon SageMaker AI": "the same platform under its December 2024 name",
    "AWS Data Pipeline": "a retired orchestrator named only to rule it out; multi-word catalog "
                         "names match case-insensitively, so an entry would read every generic "
                         "'data pipeline' as this service",
}
# Page titles in "(source: ...)" name documentation pages, not services; code and URLs are
# identifiers, and catalog: link targets are checked by the front-matter test above.
SOURCE_NOTE = re.compile(r"\(source:[^()]*(?:\([^()]*\)[^()]*)*\)", re.I)
NOT_PROSE = re.compile(r"`[^`\n]*`|https?://\S+|\]\(catalog:[^)]*\)")


def _prose(text: str) -> str:
    """The text with page titles, code, URLs and link targets blanked (same length)."""
    for pattern in (SOURCE_NOTE, NOT_PROSE):
        text = pattern.sub(lambda m: " " * len(m.group(0)), text)
    return text


def _allowed_spans(text: str) -> list[tuple[int, int]]:
    spans = []
    for name in NOT_IN_CATALOG:
        for m in re.finditer(rf"(?<![\w-]){re.escape(name)}s?(?![\w-])", text):
            spans.append(m.span())
    return spans


def unknown_service_names(text: str, catalog: Catalog) -> list[str]:
    """Service names in ``text`` that no catalog entry (name, short name or alias) covers and
    that NOT_IN_CATALOG does not excuse, in order of appearance."""
    text = _prose(text)
    mentions = [(m.start, m.end) for m in catalog.mentions(text)]
    allowed = _allowed_spans(text)
    unknown = []
    for m in PREFIXED_NAME.finditer(text):
        # a catalog name must start at (or before) the prefix: "AWS PrivateLink" is not
        # covered by a mention of "PrivateLink" alone
        if any(s <= m.start() < e for s, e in mentions):
            continue
        if not any(s <= m.start() and m.end() <= e for s, e in allowed):
            unknown.append(m.group(0))
    for m in SHORT_FORM.finditer(text):
        if any(s <= m.start() and m.end() <= e for s, e in [*mentions, *allowed]):
            continue
        unknown.append(m.group(0))
    return unknown


def _card_texts() -> list[tuple[str, str]]:
    out = []
    for path in sorted((REPO / "corpus" / "cards").glob("*.yaml")):
        for card in yaml.safe_load(path.read_text(encoding="utf-8"))["cards"]:
            out.append((f"{path.name}:{card['id']}", f"{card['front']}\n{card['back']}"))
    return out


def _named_texts() -> list[tuple[str, str]]:
    notes = [(p.relative_to(NOTES).as_posix(), p.read_text(encoding="utf-8")) for p in NOTE_FILES]
    return [*notes, *_card_texts()]


def test_catalog_covers_every_service_named_in_notes_and_cards(catalog: Catalog) -> None:
    """Every "Amazon X" / "AWS X" name and every well-known short form (SNS, Inferentia,
    Systems Manager...) in the notes and the cards resolves to a catalog entry."""
    texts = _named_texts()
    assert len(texts) > 600  # notes and cards were both read
    problems = {where: sorted(set(names)) for where, text in texts
                if (names := unknown_service_names(text, catalog))}
    assert not problems, "names without a catalog entry: " + "; ".join(
        f"{where}: {', '.join(names)}" for where, names in problems.items())


def test_service_name_check_catches_an_unknown_service() -> None:
    """The check above can fail: with a catalog that knows only SNS, an unknown "AWS X", an
    unknown short form and a prefixed name that only half matches are reported, while page
    titles in sources, code, and allowlisted names are not."""
    tiny = catalog_from_dict({"services": [
        {"id": "sns", "name": "Amazon Simple Notification Service (Amazon SNS)",
         "aliases": ["sns"], "category": "x", "purpose": "p", "domains": [4], "tasks": ["4.1"]},
        {"id": "vpc-endpoints", "name": "VPC endpoints (AWS PrivateLink)",
         "aliases": ["privatelink"], "category": "x", "purpose": "p"}]})
    text = ("Amazon SNS emails the team, AWS Frobnicator keeps the history, SNS retries, and "
            "CloudFront serves the page in every AWS Region. AWS PrivateLink stays private. "
            "(source: Amazon Widget Guide, 'Using AWS Gizmo' page) Run `aws gizmo list`.")
    assert unknown_service_names(text, tiny) == ["AWS Frobnicator", "AWS PrivateLink",
                                                 "CloudFront"]
    assert unknown_service_names("Amazon SageMaker Profiler traces GPU kernels.", tiny) == [
        "Amazon SageMaker Profiler"]


def test_allowlist_entries_are_still_needed(catalog: Catalog) -> None:
    """Each NOT_IN_CATALOG name still occurs in the notes or cards and is still not a catalog
    name, so the list stays short and every entry stays justified."""
    corpus = "\n".join(_prose(text) for _, text in _named_texts())
    unused = [n for n in NOT_IN_CATALOG if n not in corpus]
    in_catalog = [n for n in NOT_IN_CATALOG if catalog.by_name(n) is not None]
    assert not unused, f"allowlisted names the corpus no longer uses: {unused}"
    assert not in_catalog, f"allowlisted names that now have a catalog entry: {in_catalog}"
    assert all(len(reason) > 20 for reason in NOT_IN_CATALOG.values())
