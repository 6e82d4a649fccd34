"""Reads of the hotline: knowledge-base search, the revisit queue, call statistics."""

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from complaints.models import Case, State
from complaints.selectors import case_list
from core import personal_data
from hotline.models import Call, KnowledgeArticle, RevisitAttempt


def article_search(query: str, *, category=None, limit: int = 10) -> list[KnowledgeArticle]:
    """Published articles matching every word of `query` in the title, answer or keywords. Chinese has
    no spaces between words, so each space-separated term is matched as a substring; titles first."""
    articles = KnowledgeArticle.objects.filter(is_published=True).select_related("category__parent")
    for term in query.split()[:5]:
        articles = articles.filter(
            Q(title__icontains=term) | Q(answer__icontains=term) | Q(keywords__icontains=term)
        )
    if category is not None:
        articles = articles.filter(Q(category=category) | Q(category__parent=category) | Q(category=None))
    if not query.strip():
        return list(articles.order_by("-use_count", "title")[:limit])
    first_term = query.split()[0]
    ranked = sorted(articles[:200], key=lambda article: (first_term not in article.title, -article.use_count))
    return ranked[:limit]


def revisit_queue(user) -> QuerySet[Case]:
    """Replied cases waiting for the revisit call, the next try or the revisit deadline first."""
    latest_attempt = RevisitAttempt.objects.filter(case=OuterRef("pk")).order_by("-created_at", "-id")
    return (
        case_list(user)
        .filter(state=State.REPLIED)
        .annotate(
            next_try_at=Subquery(latest_attempt.values("next_try_at")[:1]),
            attempts=Count("revisit_attempts"),
        )
        .order_by(Coalesce("next_try_at", "stage_deadline"), "id")
    )


def call_statistics(*, since) -> list[tuple[str, str, int]]:
    """Calls per outcome since `since` (calls without a case included), in one grouped query over
    the period only: the call log grows by thousands a day."""
    counts = dict(
        Call.objects.filter(started_at__gte=since).values_list("outcome").annotate(total=Count("id"))
    )
    return [(outcome, label, counts.get(outcome, 0)) for outcome, label in Call.Outcome.choices]


def call_rows(calls, *, revealed=None) -> list[tuple]:
    """Each call with its number as the log shows it, and whether that is in full: masked, but the call
    just `revealed` (the reveal was logged)."""
    shown = revealed.pk if revealed is not None else None
    return [
        (call, call.number, True)
        if call.pk == shown
        else (call, personal_data.mask_phone(call.number), False)
        for call in calls
    ]
