"""Offline answer composition (tutor.answer): candidates, composition by question type and
coherence rules, on small hand-made passages with the hash embedder of tutor.testing."""

from __future__ import annotations

from evals import metrics
from tests.answer_data import (
    ASYNC,
    BATCH,
    CONTRAST,
    F1,
    SPOT_A,
    SPOT_B,
    TABLE,
    TRAPS,
    answerer,
    hits,
)
from tests.quiz_data import make_chunk
from tutor.answer.question import analyse
from tutor.answer.scoring import pool
from tutor.answer.sentences import candidates, table_rows
from tutor.testing import HashEmbedder
from tutor.types import Chunk, Hit


def test_a_table_row_is_read_as_text_and_its_quote_is_in_the_passage() -> None:
    rows = table_rows(TABLE)
    assert [r for r, _ in rows][1] == ("Serverless — max payload: 4 MB; "
                                       "max processing time: 60 seconds.")
    chunk = make_chunk(TABLE)
    cands = candidates(chunk)
    assert all("|" not in c.text for c in cands)
    assert all(metrics.quote_in_passage(c.quote, chunk.text) for c in cands)


def test_fragments_and_trap_bullets_are_not_candidates_unless_pitfalls_are_asked() -> None:
    assert candidates(TRAPS) == [] or all(c.trap for c in candidates(TRAPS))
    texts = [c.text for c in candidates(TRAPS)]
    assert not any(t.startswith("Reporting 99 percent") for t in texts)
    plain = analyse("What metric should I use for an imbalanced binary classification problem?")
    scored = pool(plain, hits(TRAPS, F1), HashEmbedder(), HashEmbedder().embed_query(plain.text))
    assert scored and all(not s.cand.trap for s in scored)


def test_comparison_states_the_difference_first_and_covers_each_entity() -> None:
    question = ("What is the difference between SageMaker asynchronous inference and batch "
                "transform?")
    answer = answerer().answer(question, hits(ASYNC, BATCH, CONTRAST))
    first = answer.text.split("\n\n")[0]
    assert "Choose asynchronous inference over batch transform" in first
    body = answer.text.lower()
    assert "queues each request" in body and "whole dataset in amazon s3" in body
    assert all(metrics.quote_in_passage(c.quote, c.passage or "") for c in answer.citations)


def test_a_comparison_says_which_entity_the_sources_do_not_cover() -> None:
    answer = answerer().answer("What is the difference between asynchronous inference and "
                               "SageMaker Clarify?", hits(ASYNC, BATCH))
    assert "do not describe" in answer.text and "Clarify" in answer.text


def test_figure_questions_lead_with_the_figure_and_never_paste_pipes() -> None:
    answer = answerer().answer("What is the maximum payload size for SageMaker serverless "
                               "inference?", hits(make_chunk(TABLE), ASYNC))
    assert "|" not in answer.text
    assert "4 MB" in answer.text.split("[1]")[0]


def test_the_same_fact_from_two_notes_is_quoted_once() -> None:
    answer = answerer().answer("how much can i save w/ managed spot training?",
                               hits(SPOT_A, SPOT_B))
    assert answer.text.count("up to 90%") == 1
    assert metrics.near_duplicate_pairs(metrics.answer_sentences(answer.text)) == 0


def test_a_card_whose_question_matches_closely_leads_and_the_notes_add_little() -> None:
    question = "How much can Managed Spot Training save?"
    card = make_chunk("Managed Spot Training can cut training cost by up to 90 percent. "
                      "Enable it with use_spot_instances.", source="2.2.yaml",
                      heading=question).model_copy(update={
                          "cites_source": "domain-2/2.2-spot.md",
                          "cites_heading": "Managed Spot Training"})
    other = make_chunk("Cards about other things never lead.", source="2.2.yaml",
                       heading="What is dropout?", position=1).model_copy(update={
                           "cites_source": "domain-2/2.2-x.md"})
    answer = answerer().answer(question, hits(SPOT_A, other, card, F1))
    assert answer.citations[0].chunk_id == card.id
    assert answer.citations[0].cites_source == "domain-2/2.2-spot.md"
    assert len(metrics.answer_sentences(answer.text)) <= 2 + 2
    assert all(c.chunk_id != other.id for c in answer.citations)


def test_after_a_card_the_notes_read_on_from_the_card_s_own_note_only() -> None:
    question = "How much can Managed Spot Training save?"
    card = make_chunk("Managed Spot Training can cut training cost by up to 90 percent.",
                      source="2.2.yaml", heading=question).model_copy(update={
                          "cites_source": SPOT_A.source, "cites_heading": SPOT_A.heading})
    own = make_chunk("To save with Managed Spot Training, set MaxWaitTimeInSeconds above "
                     "MaxRuntimeInSeconds so the job can wait for spare capacity.",
                     source=SPOT_A.source, heading=SPOT_A.heading, position=2)
    elsewhere = make_chunk("How much Managed Spot Training can save shows as a savings "
                           "percentage once a job finishes.", source="domain-4/4.2-cost.md",
                           heading="Reading the bill", position=3)
    answer = answerer().answer(question, hits(card, elsewhere, own))
    assert answer.citations[0].chunk_id == card.id
    cited = {c.chunk_id for c in answer.citations}
    assert own.id in cited and elsewhere.id not in cited, answer.text


def test_a_figure_question_leads_with_the_number_that_counts_what_it_asks() -> None:
    subnets = make_chunk(
        "Subnets for a model in a VPC are sized per instance. Each subnet is reachable from "
        "3 Availability Zones at most. Each instance needs two private IP addresses in the "
        "subnet.", source="domain-3/3.2-vpc.md", heading="Subnet size")
    answer = answerer().answer("How many private IPs per instance do my subnets need?",
                               hits(subnets))
    assert answer.text.startswith("Each instance needs two private IP addresses")


def test_a_list_question_quotes_the_items_that_follow_the_sentence_introducing_them() -> None:
    buckets = make_chunk(
        "Several S3 settings form the baseline for a bucket that holds training data, and "
        "each one closes a different gap.\n\n"
        "- Keep Block Public Access on for the account and the bucket.\n"
        "- Turn on versioning so an overwritten dataset can be recovered.\n"
        "- Encrypt objects with SSE-KMS under a customer managed key.",
        source="domain-4/4.3-s3.md", heading="Bucket baseline")
    question = "Which options form the S3 baseline for a training data bucket?"
    assert analyse(question).type == "list"
    answer = answerer().answer(question, hits(buckets, SPOT_A))
    assert all(x in answer.text for x in ("Block Public Access", "versioning", "SSE-KMS"))


def test_a_comparison_gets_each_sides_own_passage_after_the_hits() -> None:
    from types import SimpleNamespace

    from tutor.service import Tutor

    class Lexical:
        def __init__(self) -> None:
            self.queries: list[tuple[str, str | None]] = []

        def search(self, query: str, k: int, mode: str | None = None,
                   filters: object = None) -> list[Hit]:
            self.queries.append((query, mode))
            found = {"asynchronous inference": ASYNC, "batch transform": BATCH}[query.lower()]
            return hits(CONTRAST, found)

    retriever = Lexical()
    fake = SimpleNamespace(extractive=answerer(), retriever=retriever)
    out = Tutor._side_hits(fake, "async inference vs batch transform?",  # type: ignore[arg-type]
                           hits(CONTRAST), None)
    assert [h.chunk.id for h in out] == [CONTRAST.id, ASYNC.id, BATCH.id]
    assert [h.rank for h in out] == [1, 2, 3]
    assert all(mode == "bm25" for _, mode in retriever.queries)
    # not a comparison: the hits as retrieval gave them, and no further search
    assert Tutor._side_hits(fake, "What is batch transform?",  # type: ignore[arg-type]
                            hits(BATCH), None) == hits(BATCH)
    assert len(retriever.queries) == 2


def test_a_further_passage_is_quoted_only_when_close_to_the_lead_in_score_and_meaning() -> None:
    import numpy as np

    from tutor.answer.compose import extend
    from tutor.answer.scoring import Scored

    def scored(chunk: Chunk, score: float, cos: float, axis: int) -> Scored:
        vec = np.zeros(8, dtype=np.float32)
        vec[axis] = 1.0
        return Scored(0, hits(chunk)[0], candidates(chunk)[0], vec, cos=cos, score=score)

    lead = scored(ASYNC, 3.0, 0.6, 0)
    close, weak, unlike = scored(BATCH, 2.6, 0.5, 1), scored(BATCH, 2.0, 0.5, 2), \
        scored(BATCH, 2.9, 0.1, 3)
    assert extend([lead], [lead, close], 4, 0.5, other=0.8)[1:] == [close]
    assert extend([lead], [lead, weak], 4, 0.5, other=0.8) == [lead]
    assert extend([lead], [lead, weak], 4, 0.5) == [lead, weak]  # no floor asked
    assert extend([lead], [lead, unlike], 4, 0.5) == [lead]  # far from the question


def test_a_figure_question_leads_with_the_number_of_what_it_measures() -> None:
    serverless = make_chunk(
        "SageMaker Serverless Inference bills for compute time and scales to zero, so it is "
        "cheapest for intermittent traffic; memory sizes range from 1,024 MB to 6,144 MB. "
        "A serverless endpoint limits payloads to 4 MB and processing to 60 seconds.",
        source="domain-3/3.1-inference-options.md", heading="Serverless inference")
    answer = answerer().answer("What is the maximum payload size for SageMaker serverless "
                               "inference?", hits(serverless))
    assert answer.text.startswith("A serverless endpoint limits payloads to 4 MB")


def test_a_sentence_listing_the_compared_among_others_does_not_state_the_difference() -> None:
    from tutor.answer.compose import enumerates

    q = analyse("What is the difference between asynchronous inference and batch transform?")
    assert enumerates("SageMaker offers four ways to get predictions: real-time endpoints, "
                      "serverless endpoints, asynchronous inference and batch transform jobs.",
                      q.compared)
    assert not enumerates("Choose asynchronous inference over batch transform when each "
                          "caller needs its own result, and batch transform for a dataset.",
                          q.compared)


def test_a_sentence_leaning_on_the_one_before_never_states_the_difference() -> None:
    leaning = make_chunk(
        "Linear Learner fits linear models at scale. It normalises features, and the difference "
        "between L1 and L2 regularization settings is tuned for you.",
        source="domain-2/2.1-builtin.md", heading="Linear Learner", position=1)
    l1 = make_chunk(
        "L1 regularisation adds the absolute weights to the loss and drives many of them to "
        "zero. L2 regularisation adds the squared weights and shrinks all of them smoothly.",
        source="domain-2/2.2-training.md", heading="L1 versus L2 regularisation", position=2)
    answer = answerer().answer("What is the difference between L1 and L2 regularization?",
                               hits(leaning, l1))
    assert "It normalises" not in answer.text.split("\n\n")[0]
    assert "**Difference:** It" not in answer.text


def test_card_front_word_overlap() -> None:
    from tutor.answer.cards import CARD_WORDS, shared_terms

    learner = "guardrail deployment didnt roll back even though the new model was clearly bad"
    front = "Why didn't my SageMaker deployment roll back even though the new model was bad?"
    assert shared_terms(learner, front) >= CARD_WORDS
    assert shared_terms(learner, "How do I fix an overfitting model?") < CARD_WORDS


def test_asked_what_something_is_the_answer_reads_on_in_its_section() -> None:
    from tutor.answer.compose import definition

    deputy = make_chunk(
        "The confused deputy problem occurs when a service acting for one customer is tricked "
        "into using its permissions on another customer's resources. The defence is to add the "
        "aws:SourceArn or aws:SourceAccount condition keys to the trust policy of the role.",
        source="domain-4/4.3-iam.md", heading="Confused deputy")
    other = make_chunk("Exam questions about IAM roles often mention the confused deputy "
                       "problem.", source="domain-4/4.3-exam.md", heading="Exam topics")
    q = analyse("whats the confused deputy problem")
    assert q.asks_meaning
    embedder = HashEmbedder()
    scored = pool(q, hits(deputy, other), embedder, embedder.embed_query(q.text))
    read_on = [p.item.cand.text for p in definition(scored, 2, 0.0, read_on=True)]
    assert read_on[0].startswith("The confused deputy problem occurs")
    assert read_on[1].startswith("The defence is")


def test_a_range_counts_what_follows_it() -> None:
    from tutor.answer.figures import counts_asked

    assert counts_asked("a pipeline runs two to fifteen separate containers", {"container"})


def test_a_list_announced_by_its_lead_is_read_on_across_the_sections_passages() -> None:
    from tutor.answer.compose import listing

    first = make_chunk(
        "Several S3 settings form the baseline for a bucket that holds training data. "
        "Block Public Access should stay on for the account and the bucket.",
        source="domain-4/4.3-s3.md", heading="Baseline", position=4)
    second = make_chunk("Turn on versioning so that overwritten datasets can be recovered.",
                        source="domain-4/4.3-s3.md", heading="Baseline", position=5)
    q = analyse("what baseline s3 protections should a training data bucket have")
    embedder = HashEmbedder()
    scored = pool(q, hits(first, second), embedder, embedder.embed_query(q.text))
    texts = [p.item.cand.text for p in listing(scored, 6, 0.5)]
    assert texts[0].startswith("Several S3 settings")
    assert texts[-1].startswith("Turn on versioning")


def test_a_sentence_opening_with_an_ordinal_leans_on_the_one_before() -> None:
    from tutor.answer.scoring import is_dependent

    assert is_dependent("The second is inbound to the endpoint: how clients call it.")
    assert not is_dependent("The SageMaker Runtime serves InvokeEndpoint calls.")


def test_after_a_card_another_section_of_its_note_must_be_close_in_meaning() -> None:
    question = "How long does Kinesis Data Streams keep my records?"
    card = make_chunk("Kinesis Data Streams keeps records for 24 hours by default, up to 365 "
                      "days.", source="1.1.yaml", heading=question).model_copy(update={
                          "cites_source": "domain-1/1.1-streaming.md",
                          "cites_heading": "Retention"})
    size = make_chunk("The largest record a Kinesis Data Streams producer may write is 1 MiB.",
                      source="domain-1/1.1-streaming.md", heading="Record size", position=2)
    kept = make_chunk("How long Kinesis Data Streams keeps records decides how far a consumer "
                      "can replay the stream.", source="domain-1/1.1-streaming.md",
                      heading="Replay", position=3)
    answer = answerer().answer(question, hits(card, size))
    assert [c.chunk_id for c in answer.citations] == [card.id], answer.text
    # the card states no figure with the question's unit: a close sentence may follow
    plain = card.model_copy(update={"text": "Kinesis Data Streams retains data for a day by "
                                            "default and can retain it for a year."})
    answer = answerer().answer(question, hits(plain, kept))
    assert kept.id in {c.chunk_id for c in answer.citations}, answer.text


def test_a_lead_that_gives_the_figure_asked_keeps_other_passages_out() -> None:
    from tutor.answer.figures import states_figure

    assert states_figure("AWS can reclaim them with a two-minute warning.",
                         "how much warning do i get, in minutes?")
    # a unit of the kind asked counts for a concept card only
    assert states_figure("Retention is 24 hours by default.", "How long are records kept?",
                         by_kind=True)
    assert not states_figure("Retention is 24 hours by default.", "How long are records kept?")
    assert states_figure("It can cut cost by up to 90 percent.", "How much can spot save?",
                         by_kind=True)
    # a word of the name the question gives is not its unit
    spot = analyse("how much can i save with managed spot training?")
    assert not states_figure("100 billable seconds out of 500 training seconds is an 80 percent "
                             "saving.", spot.stem, spot.entities)
    assert not states_figure("Endpoints keep at least one instance.",
                             "max concurrency for one serverless endpoint")
    ipv = make_chunk("Each training instance needs two private IP addresses in its subnet.",
                     source="domain-4/4.3-vpc.md", heading="Subnet size")
    efa = make_chunk("EFA instances for training need more private IP addresses per "
                     "instance in the subnet.", source="domain-2/2.2-efa.md", heading="EFA")
    question = "How many private IPs per instance does my training subnet need?"
    answer = answerer().answer(question, hits(ipv, efa))
    assert [c.chunk_id for c in answer.citations] == [ipv.id], answer.text


def test_a_side_the_difference_names_gets_a_sentence_about_it_not_a_passing_mention() -> None:
    contrast = make_chunk("Parameter Store is a cheaper option for configuration values, but "
                          "Secrets Manager is the answer when rotation is required.",
                          source="domain-4/4.1-secrets.md", heading="Secrets")
    secrets = make_chunk("Secrets Manager stores credentials encrypted with KMS and rotates "
                         "them on a schedule.", source="domain-4/4.1-secrets.md",
                         heading="Secrets Manager", position=2)
    exports = make_chunk("Export names must be unique in a Region; to share a value across "
                         "accounts, write it to Parameter Store instead.",
                         source="domain-3/3.3-iac.md", heading="Stack exports")
    answer = answerer().answer("secrets manager vs parameter store",
                               hits(contrast, secrets, exports))
    assert exports.id not in {c.chunk_id for c in answer.citations}, answer.text
    assert answer.text.startswith("**Difference:** Parameter Store is a cheaper option")


def test_a_list_answer_whose_lead_lists_the_members_quotes_no_other_passage() -> None:
    import numpy as np

    from tutor.answer.compose import listing
    from tutor.answer.scoring import Scored

    def scored(chunk: Chunk, score: float, axis: int) -> Scored:
        vec = np.zeros(8, dtype=np.float32)
        vec[axis] = 1.0
        return Scored(0, hits(chunk)[0], candidates(chunk)[0], vec, cos=0.6, score=score)

    statuses = make_chunk("Every model version has an approval status of PendingManualApproval, "
                          "Approved or Rejected.", source="domain-3/3.3-registry.md",
                          heading="Approval status")
    stages = make_chunk("Model lifecycle stages are a newer way to track where a model version "
                        "is.", source="domain-3/3.3-registry.md", heading="Lifecycle stages")
    lead, other = scored(statuses, 3.0, 0), scored(stages, 2.8, 1)
    assert [p.item for p in listing([lead, other], 4, 0.5)] == [lead]
    # a lead that does not list them is followed by a close passage, as before
    plain = scored(make_chunk("Every model version carries an approval status that a reviewer "
                              "sets when the version is checked.",
                              source="domain-3/3.3-registry.md", heading="Status"), 3.0, 2)
    assert [p.item for p in listing([plain, other], 4, 0.5)] == [plain, other]


def test_the_difference_comes_from_a_section_that_names_both_before_one_from_elsewhere() -> None:
    elsewhere = make_chunk("Choose asynchronous inference or batch transform when a large "
                           "request can wait, rather than a real-time endpoint.",
                           source="domain-3/3.2-capacity.md", heading="Provisioned capacity")
    versus = make_chunk("Asynchronous inference keeps an endpoint that queues requests, while "
                        "batch transform runs a job over a whole dataset.",
                        source="domain-3/3.1-inference-options.md",
                        heading="Asynchronous inference versus batch transform")
    answer = answerer().answer("asynchronous inference vs batch transform, whats the difference",
                               hits(elsewhere, versus, ASYNC, BATCH))
    assert answer.text.startswith("**Difference:** Asynchronous inference keeps an endpoint"), \
        answer.text


def test_a_set_read_on_across_overlapping_chunks_quotes_each_member_once() -> None:
    intro = ("Several techniques reduce the risk of exposing people in training data, and the "
             "choice depends on whether values must stay joinable. ")
    first = make_chunk(intro + "Masking hides part of a value for display. Tokenisation swaps a "
                       "value for a random token kept in a vault.",
                       source="domain-1/1.3-privacy.md", heading="Anonymisation", position=0)
    second = make_chunk("Tokenisation swaps a value for a random token kept in a vault. "
                        "Generalisation replaces an exact age with an age band.",
                        source="domain-1/1.3-privacy.md", heading="Anonymisation", position=1)
    answer = answerer().answer("what techniques can i use to anonymise personal data",
                               hits(first, second))
    sentences = metrics.answer_sentences(answer.text)
    assert sum(s.startswith("Tokenisation swaps") for s in sentences) == 1, answer.text
    assert any(s.startswith("Generalisation replaces") for s in sentences), answer.text
