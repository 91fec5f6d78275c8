"""The shipped study corpus: coverage of the exam guide, valid front-matter, original wording,
catalog links, and a named source for every number with a unit."""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache
from pathlib import Path

import pytest
import yaml

from tests.conftest import AWS_DOCS, NOTES, REPO
from tutor.catalog import DOMAIN_WEIGHTS, DOMAINS, Catalog, catalog_from_dict, load_catalog
from tutor.exam import TASK_SCOPES, TASKS

FRONT = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*\n", re.S)
LINK = re.compile(r"\]\(catalog:([^)\s]*)\)")
URL = re.compile(r"https?://\S+")
WORD = re.compile(r"[a-z0-9]+")
SHINGLE = 12
# A number with a unit of size or time: "6 MB", "60-second", "1,024 MB", "365 days".
NUMBER_WITH_UNIT = re.compile(
    r"\b\d[\d,.]*(?:\s|-)?(?:KB|MB|GB|TB|KiB|MiB|GiB|seconds?|minutes?|hours?|days?)\b")
# Scenario wording in quotes ("check every 10 minutes") and code (`rate(7 days)`) state no
# fact about a service, so they need no source.
QUOTED = re.compile(r'"[^"\n]*"|“[^”\n]*”|`[^`\n]*`')
LIST_ITEM = re.compile(r"\n(?=\s*(?:[-*+]|\d+\.)\s)")

NOTE_FILES = sorted(NOTES.rglob("*.md"))
TASK_NOTES = [p for p in NOTE_FILES if p.parent.name != "general"]


def _split(path: Path) -> tuple[dict, str]:
    text = path.read_text(encoding="utf-8")
    m = FRONT.match(text)
    assert m, f"{path.name}: no front-matter block"
    front = yaml.safe_load(m.group(1))
    assert isinstance(front, dict), f"{path.name}: front-matter is not a mapping"
    return front, text[m.end():]


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def test_notes_exist() -> None:
    assert len(NOTE_FILES) >= len(TASKS)


def test_every_task_statement_has_notes() -> None:
    covered: dict[str, list[str]] = {t: [] for t in TASKS}
    for path in TASK_NOTES:
        front, _ = _split(path)
        covered.setdefault(str(front.get("task")), []).append(path.name)
    missing = [t for t in TASKS if not covered[t]]
    assert not missing, f"task statements without notes: {missing}"
    assert set(TASK_SCOPES) == set(TASKS)


@pytest.mark.parametrize("path", NOTE_FILES, ids=lambda p: p.name)
def test_note_front_matter_is_valid(path: Path, catalog: Catalog) -> None:
    front, body = _split(path)
    assert isinstance(front.get("title"), str) and front["title"].strip(), "title must be text"
    if path.parent.name == "general":  # the exam itself, SageMaker's names: no task statement
        assert "domain" not in front and "task" not in front, "general notes have no task"
        assert all(s in catalog.by_id for s in front.get("services") or []), "unknown services"
        assert body.strip(), "the note has no body"
        return
    domain = front.get("domain")
    assert isinstance(domain, int) and not isinstance(domain, bool), "domain must be an integer"
    assert path.parent.name == f"domain-{domain}", "domain must match the folder"
    task = front.get("task")
    assert isinstance(task, str), "task must be quoted text such as \"3.1\""
    assert task in TASKS and task.startswith(f"{domain}."), f"task {task} not in domain {domain}"
    assert path.name.startswith(f"{task}-"), "file name starts with its task"
    services = front.get("services")
    assert isinstance(services, list) and services, "services must be a non-empty list"
    unknown = [s for s in services if s not in catalog.by_id]
    assert not unknown, f"services not in the catalog: {unknown}"
    assert body.strip(), "the note has no body"


def test_catalog_covers_every_service_the_notes_name(catalog: Catalog) -> None:
    """Front-matter ids and catalog: links resolve, every note links into the catalog, and
    every service a note lists in its front-matter is linked somewhere in its body."""
    problems: list[str] = []
    for path in NOTE_FILES:
        front, body = _split(path)
        links = LINK.findall(body)
        if not links:
            problems.append(f"{path.name}: no catalog: link")
        problems += [f"{path.name}: dangling link catalog:{i}" for i in links
                     if i not in catalog.by_id]
        problems += [f"{path.name}: lists {s} but never links it" for s in front["services"]
                     if s not in links]
    assert not problems, "\n".join(problems)
    assert not catalog.problems()


def test_every_catalog_entry_links_its_documentation(catalog: Catalog) -> None:
    missing = [s.id for s in catalog.services
               if not (s.docs or "").startswith("https://docs.aws.amazon.com/")]
    assert not missing, f"catalog entries without a docs URL: {missing}"


def _shingles(text: str) -> set[str]:
    # URLs are facts, not prose: a long docs URL alone makes twelve "words".
    words = WORD.findall(URL.sub(" ", text.lower()))
    return {" ".join(words[i:i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)}


@lru_cache(maxsize=1)
def _reference_shingles() -> frozenset[str]:
    out: set[str] = set()
    for page in AWS_DOCS.rglob("*.md"):
        out |= _shingles(page.read_text(encoding="utf-8", errors="replace"))
    return frozenset(out)


def test_no_twelve_word_run_shared_with_the_aws_docs() -> None:
    """Our prose (notes, catalog, task scopes, corpus docs) shares no 12-word run with the
    AWS documentation copy. URLs are stripped from both sides before comparing."""
    if not AWS_DOCS.is_dir():
        pytest.skip(f"{AWS_DOCS} is not present")
    reference = _reference_shingles()
    assert len(reference) > 100_000  # the reference really was read
    corpus = REPO / "corpus"
    ours = [*NOTE_FILES, *sorted(corpus.glob("cards/*.yaml")), *sorted(corpus.glob("items/*.yaml")),
            corpus / "services.yaml", corpus / "aws_docs.yaml", corpus / "README.md",
            REPO / "tutor" / "exam.py", REPO / "README.md"]
    shared = {p.relative_to(REPO).as_posix(): sorted(_shingles(p.read_text(encoding="utf-8"))
                                                     & reference)[:3]
              for p in ours}
    shared = {k: v for k, v in shared.items() if v}
    assert not shared, f"12-word runs copied from the AWS docs: {shared}"


def test_shingle_check_catches_a_copied_sentence(tmp_path: Path) -> None:
    """The check above can fail: a sentence lifted from a page is found."""
    if not AWS_DOCS.is_dir():
        pytest.skip(f"{AWS_DOCS} is not present")
    page = (AWS_DOCS / "sagemaker" / "async-inference.md").read_text(encoding="utf-8")
    copied = " ".join(WORD.findall(page.lower())[40:60])
    assert _shingles(f"Our own words first. {copied}") & _reference_shingles()


def paragraphs(body: str) -> list[tuple[str, str | None]]:
    """Paragraphs of a note body (list items count as paragraphs of their own; fenced code is
    skipped), each with the paragraph that follows it in its block-level sequence."""
    blocks: list[str] = []
    current: list[str] = []
    in_fence = False
    for line in body.split("\n"):
        if line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
            current = [] if in_fence else current
            continue
        if in_fence:
            continue
        if line.strip():
            current.append(line)
        elif current:
            blocks.append("\n".join(current))
            current = []
    if current:
        blocks.append("\n".join(current))
    out: list[tuple[str, str | None]] = []
    for i, block in enumerate(blocks):
        nxt = blocks[i + 1] if i + 1 < len(blocks) else None
        if block.lstrip().startswith("#"):
            continue
        if block.lstrip().startswith("|"):
            out.append((block, nxt))  # a table may name its source in the line below it
        else:
            out.extend((item, None) for item in LIST_ITEM.split(block))
    return out


def unsourced_numbers(body: str) -> list[str]:
    """Paragraphs that state a number with a unit but name no source page ("source:")."""
    bad = []
    for para, following in paragraphs(body):
        if not NUMBER_WITH_UNIT.search(QUOTED.sub(" ", para)):
            continue
        sourced = "source:" in para.lower() or (
            following is not None and following.lstrip().lower().startswith("(source:"))
        if not sourced:
            bad.append(para.strip())
    return bad


def test_source_rule_flags_a_bare_number() -> None:
    body = ("Serverless endpoints accept 4 MB payloads.\n\n"
            "Real-time endpoints accept 6 MB (source: SageMaker Developer Guide, 'Supported "
            "features' page).\n\n- A trap about a \"10 minutes\" requirement.\n"
            "- The 60-second limit bites.\n\n| a | 1 GB |\n\n(source: a page)\n")
    assert unsourced_numbers(body) == ["Serverless endpoints accept 4 MB payloads.",
                                       "- The 60-second limit bites."]


def test_numbers_with_units_name_their_source_page() -> None:
    counted = 0
    problems: list[str] = []
    for path in NOTE_FILES:
        _, body = _split(path)
        counted += sum(bool(NUMBER_WITH_UNIT.search(QUOTED.sub(" ", p)))
                       for p, _ in paragraphs(body))
        problems += [f"{path.name}: {p[:120]}" for p in unsourced_numbers(body)]
    print(f"\n{counted} paragraphs state a number with a unit; {len(problems)} name no source")
    assert counted > 20
    assert not problems, "\n".join(problems)


# --- every AWS service the notes and cards name has a catalog entry ---------------------------

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


# --- currency: review months and "(as of YYYY-MM)" markers -------------------------------------

MONTH = re.compile(r"^(\d{4})-(\d{2})$")
# A statement about a service's status that can go out of date: an availability change, a
# closure, an end of support, a rename or a deprecation. "no longer" counts only with a
# status word after it, so "pods no longer fit" is not one; a bare "rename" verb ("you cannot
# rename a feature") is not either, while "renamed" and "the 2024 rename" are.
DATED = re.compile(
    r"\bclosed to new\b|\b(?:stopped|stops|ceased|ceases) (?:accepting|offering|onboarding|"
    r"selling)\b|\bno longer (?:\w+ ){0,2}?(?:available|supported|accept\w*|offer\w*|open|sold|"
    r"onboard\w*|maintained|recommended|updated|receiv\w*|launch\w*|allow\w*|provid\w*|"
    r"includ\w*|support\w*|exists?|part of)\b|\bend[- ]of[- ](?:support|life|sale)\b|"
    r"\brenamed\b|\b(?:the|a|its|\d{4}) rename\b|\bformerly\b|\bpreviously (?:called|named|"
    r"known)\b|\bnow (?:called|named|known as)\b|\bdeprecat\w*|\bdiscontinu\w*|"
    r"\bretir(?:ed|ing|ement)\b|\bshut(?:s|ting)? down\b|\bsunset\w*|"
    r"\bgeneral(?:ly)? availab\w*|\bmaintenance mode\b", re.I)
# "(as of 2026-12)", or an "as of" month closing a longer parenthetical
# ("(renamed from Amazon SageMaker in December 2024, as of 2024-12)").
AS_OF = re.compile(r"\([^()]*\bas of (\d{4}-\d{2})\b[^()]*\)")
ANY_AS_OF = re.compile(r"\bas of (\d{4}-\d{2})\b")


def month_problem(value: str, today: date | None = None) -> str | None:
    """Why ``value`` is not a usable YYYY-MM review month, or None when it is."""
    m = MONTH.match(value)
    if not m:
        return f"{value!r} is not YYYY-MM"
    year, month = int(m[1]), int(m[2])
    if not 1 <= month <= 12 or year < 2020:
        return f"{value!r} is not a valid month"
    today = today or date.today()
    if (year, month) > (today.year, today.month):
        return f"{value!r} is in the future"
    return None


def undated_paragraphs(body: str, today: date | None = None) -> list[str]:
    """Paragraphs (list items count on their own) that state a dated change but carry no
    "(as of YYYY-MM)" marker, or whose marker is not a valid, past month."""
    bad = []
    for para, _ in paragraphs(body):
        if not DATED.search(para):
            continue
        marks = AS_OF.findall(para)
        if not marks or any(month_problem(mark, today) for mark in marks):
            bad.append(" ".join(para.split()))
    return bad


@pytest.mark.parametrize("path", NOTE_FILES, ids=lambda p: p.name)
def test_note_records_its_review_month(path: Path) -> None:
    """Every note, general ones included, says when it was last checked: reviewed: YYYY-MM,
    a real month that has already begun."""
    front, _ = _split(path)
    assert "reviewed" in front, "no reviewed: YYYY-MM in the front-matter"
    assert isinstance(front["reviewed"], str), "reviewed must be YYYY-MM (a date is too much)"
    assert month_problem(front["reviewed"]) is None, month_problem(front["reviewed"])


def test_review_month_check_rejects_bad_values() -> None:
    today = date(2026, 12, 7)
    assert month_problem("2026-12", today) is None
    assert month_problem("2026-13", today) and month_problem("2027-01", today)
    assert month_problem("2026-12-01", today) and month_problem("Dec 2026", today)


def test_dated_statements_carry_an_as_of_marker() -> None:
    """In every note, a paragraph that states an availability change, closure, end of support,
    rename, deprecation or status "no longer" carries "(as of YYYY-MM)", and every "as of"
    month in the notes is a valid month that has begun."""
    problems: list[str] = []
    dated = 0
    for path in NOTE_FILES:
        _, body = _split(path)
        dated += sum(bool(DATED.search(p)) for p, _ in paragraphs(body))
        problems += [f"{path.name}: {p[:140]}" for p in undated_paragraphs(body)]
        problems += [f"{path.name}: as of {m}: {month_problem(m)}"
                     for m in ANY_AS_OF.findall(body) if month_problem(m)]
    assert dated > 20  # the rule really finds the dated statements
    assert not problems, "\n".join(problems)


def test_dated_rule_catches_a_bare_closure() -> None:
    """The check above can fail: an unmarked closure, rename or end of support is reported,
    and so is a marker in the future; ordinary uses of the same words are not."""
    today = date(2026, 12, 7)
    body = ("Amazon Forecast is closed to new customers.\n\n"
            "Amazon Fraud Detector is closed to new customers (as of 2025-11).\n\n"
            "- Kinesis Data Analytics was renamed Managed Service for Apache Flink.\n"
            "- SageMaker Profiler reaches end of support in 2027 (as of 2027-06).\n"
            "- Studio Classic no longer receives new features (renamed UI, as of 2026-12).\n\n"
            "Karpenter adds nodes when pods no longer fit. You cannot rename a feature, and "
            "the server must stop accepting new requests on SIGTERM.\n")
    assert undated_paragraphs(body, today) == [
        "Amazon Forecast is closed to new customers.",
        "- Kinesis Data Analytics was renamed Managed Service for Apache Flink.",
        "- SageMaker Profiler reaches end of support in 2027 (as of 2027-06)."]


# --- the general notes -------------------------------------------------------------------------

EXAM_NOTE = NOTES / "general" / "mla-c01-exam.md"


def test_general_notes_are_in_every_note_check() -> None:
    """The notes without a task (the exam, SageMaker's names) are part of NOTE_FILES, so the
    front-matter, originality, source, catalog-name and currency checks above cover them."""
    general = {p.name for p in NOTE_FILES if p.parent.name == "general"}
    assert {"mla-c01-exam.md", "sagemaker-consoles-and-names.md"} <= general
    assert all(p.parent.name == "general" for p in NOTE_FILES if p not in TASK_NOTES)


def _sentences(text: str) -> list[str]:
    return re.split(r"(?<=[.;])\s+", " ".join(text.split()))


def test_exam_note_states_format_scoring_and_domain_weights() -> None:
    """The exam note gives the format (65 questions: 50 scored, 15 unscored; 130 minutes), the
    pass mark (720 on the 100-1,000 scale) and each domain's weight as tutor.catalog has it."""
    _, body = _split(EXAM_NOTE)
    sentences = _sentences(body)

    def stated(*patterns: str) -> bool:
        return any(all(re.search(p, s) for p in patterns) for s in sentences)

    assert stated(r"\b65 questions\b", r"\b50 (?:are )?scored\b", r"\b15 (?:are )?unscored\b")
    assert stated(r"\b130 minutes\b")
    assert stated(r"\bminimum passing score is 720\b", r"\b100 to 1,000\b")
    for domain, name in DOMAINS.items():
        weight = f"{round(DOMAIN_WEIGHTS[domain] * 100)}%"
        assert stated(rf"\bDomain {domain}\b", re.escape(name), rf"(?<!\d){weight}"), \
            f"Domain {domain} ({name}) is not stated with its weight {weight}"
    assert sum(DOMAIN_WEIGHTS.values()) == pytest.approx(1.0)
