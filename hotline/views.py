from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from complaints import selectors as case_selectors
from complaints.errors import ActionForbidden, CaseError
from complaints.forms import leaf_categories
from core import clock, policy
from core.audit import reveal_granted
from core.pagination import CappedPaginator
from hotline import selectors, services
from hotline.forms import (
    ArticleForm,
    CallListForm,
    CallLogForm,
    ConsoleForm,
    KnowledgeSearchForm,
    RevisitForm,
    call_start_token,
)
from hotline.models import Call, KnowledgeArticle, SuggestionBatch

CONSOLE_PERMISSION = "hotline.use_console"


@login_required
@permission_required(CONSOLE_PERMISSION, raise_exception=True)
def console(request):
    """The agent's one screen: the caller's history, the knowledge base and the intake form."""
    form = ConsoleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case, _call = services.console_intake(
                agent=request.user,
                number=data["citizen_phone"],
                call_started_at=data["call_started_at"],
                outcome=data["outcome"],
                case_fields=form.case_fields(),
                answer=data["answer"],
                article=data["article"],
                lead_department=data["lead_department"],
                repeat_of=data["repeat_of"],
                answer_as_repeat=data["answer_as_repeat"],
                recording_reference=data["recording_reference"],
            )
        except CaseError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("Case %(number)s: %(state)s. Query code for the caller: %(code)s")
                % {"number": case.number, "state": case.get_state_display(), "code": case.query_code},
            )
            return redirect("hotline:console")
    return render(
        request,
        "hotline/console.html",
        {
            "form": form,
            "call_form": CallLogForm(initial={"call_started_at": call_start_token()}),
            "articles": selectors.article_search(""),
            "section": "hotline",
            "category_departments": case_selectors.category_default_departments(),
        },
    )


@login_required
@require_GET
def knowledge_search(request):
    """htmx: knowledge-base articles for the words typed."""
    search = KnowledgeSearchForm(request.GET)
    articles = selectors.article_search(search.terms())
    return render(
        request,
        "hotline/_articles.html",
        {"articles": articles, "pick": search.is_valid() and search.cleaned_data["pick"]},
    )


@login_required
@permission_required(CONSOLE_PERMISSION, raise_exception=True)
@require_POST
def call_without_case(request):
    form = CallLogForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        services.call_log(
            agent=request.user,
            number=data["number"],
            started_at=data["call_started_at"],
            outcome=data["outcome"],
            note=data["note"],
        )
        messages.success(request, _("The call was logged."))
    else:
        messages.error(request, _("The call was not logged: %(errors)s") % {"errors": form.errors.as_text()})
    return redirect("hotline:console")


@login_required
@permission_required(CONSOLE_PERMISSION, raise_exception=True)
def call_list(request):
    return _call_list(request)


def _call_list(request, *, revealed: Call | None = None):
    """The call log, every number masked but the one just revealed (`call_reveal`)."""
    calls = Call.objects.select_related("agent").prefetch_related("cases")
    outcome = CallListForm(request.GET).chosen_outcome()
    if outcome:
        calls = calls.filter(outcome=outcome)
    page = CappedPaginator(calls, settings.CASES_PER_PAGE).get_page(request.GET.get("page"))
    month_start = timezone.localtime(clock.now()).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return render(
        request,
        "hotline/call_list.html",
        {
            "page": page,
            "rows": selectors.call_rows(page, revealed=revealed),
            "may_reveal": policy.may_reveal(request.user, is_confidential=False),
            "statistics": selectors.call_statistics(since=month_start),
            "outcome": outcome,
            "query": f"outcome={outcome}" if outcome else "",
            "section": "calls",
        },
    )


@login_required
@permission_required(CONSOLE_PERMISSION, raise_exception=True)
@require_POST
def call_reveal(request, pk):
    """A caller's full number, for a stated reason; logged like every reveal. Shown in the answer (the
    row, for htmx; the log with that row revealed, otherwise), never carried in a message or a URL."""
    call = get_object_or_404(Call, pk=pk)
    revealed = reveal_granted(
        request, target=call, label=f"{call.started_at:%Y-%m-%d %H:%M}", detail={"fields": ["number"]}
    )
    if request.headers.get("HX-Request"):
        [(call, number, revealed)] = selectors.call_rows([call], revealed=call if revealed else None)
        context = {"call": call, "number": number, "revealed": revealed, "may_reveal": True}
        return render(request, "hotline/_call_number.html", context)
    return _call_list(request, revealed=call if revealed else None)


@login_required
@permission_required("complaints.revisit_case", raise_exception=True)
def revisit_queue(request):
    page = CappedPaginator(selectors.revisit_queue(request.user), settings.CASES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    rows, calendar_note = case_selectors.case_rows(request.user, page.object_list)
    return render(
        request,
        "hotline/revisit_queue.html",
        {
            "page": page,
            "rows": rows,
            "calendar_note": calendar_note,
            "section": "revisits",
        },
    )


@login_required
@permission_required("complaints.revisit_case", raise_exception=True)
def revisit(request, number):
    case = case_selectors.case_get(request.user, number)
    form = RevisitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.revisit_record(
                case_id=case.pk,
                agent=request.user,
                is_reached=data["is_reached"],
                verdict=data["verdict"],
                is_resolved=data["is_resolved"],
                note=data["note"],
                next_try_at=data["next_try_at"],
            )
        except ActionForbidden as error:
            raise PermissionDenied(error.message) from error
        except CaseError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Revisit of %(number)s recorded.") % {"number": case.number})
            return redirect("hotline:revisit_queue")
    return render(
        request,
        "hotline/revisit.html",
        {
            "case": case,
            "form": form,
            "citizen": case_selectors.citizen_card(request.user, case),
            "attempts": case.revisit_attempts.select_related("agent"),
            "section": "revisits",
        },
    )


@login_required
@permission_required("complaints.dispatch_case", raise_exception=True)
def suggestions(request):
    """Suggestions waiting to be forwarded, by department; one click forwards this period's batches."""
    if request.method == "POST":
        batches = services.suggestions_forward(actor=request.user)
        messages.success(request, _("%(count)s batches forwarded.") % {"count": len(batches)})
        return redirect("hotline:suggestions")
    waiting = (
        case_selectors.case_list(request.user)
        .filter(kind="suggestion", state="registered")
        .order_by("category__default_department", "created_at")
        .select_related("category__default_department")
    )
    batches = SuggestionBatch.objects.select_related("department", "forwarded_by").prefetch_related("cases")[
        :20
    ]
    return render(
        request,
        "hotline/suggestions.html",
        {"waiting": waiting, "batches": batches, "section": "suggestions"},
    )


@login_required
def knowledge_list(request):
    search = KnowledgeSearchForm(request.GET)
    articles = selectors.article_search(search.terms(), limit=50)
    return render(
        request,
        "hotline/knowledge_list.html",
        {
            "articles": articles,
            "q": search.terms(),
            "section": "knowledge",
            "categories": leaf_categories(),
        },
    )


@login_required
@permission_required("hotline.add_knowledgearticle", raise_exception=True)
def knowledge_edit(request, pk=None):
    article = get_object_or_404(KnowledgeArticle, pk=pk) if pk else KnowledgeArticle()
    if pk and not request.user.has_perm("hotline.change_knowledgearticle"):
        raise PermissionDenied
    form = ArticleForm(request.POST or None, instance=article)
    if request.method == "POST" and form.is_valid():
        services.article_save(article=form.instance, actor=request.user)
        messages.success(request, _("The article was saved."))
        return redirect("hotline:knowledge")
    return render(
        request, "hotline/knowledge_edit.html", {"form": form, "article": article, "section": "knowledge"}
    )
