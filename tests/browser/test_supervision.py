"""The head finds a supervision notice in the inbox and answers it in writing on the case page."""

import pytest

from complaints import services
from complaints.models import State, Supervision
from core.models import Notice

pytestmark = pytest.mark.browser


def test_head_answers_a_supervision_notice_and_the_answer_shows_on_the_case(
    page, sign_in, case_in, office, head
):
    case = case_in(State.IN_PROGRESS)
    Notice.objects.all().delete()  # the "new case" notices of the dispatch
    services.supervision_issue(
        case_id=case.pk, actor=office, kind=Supervision.Kind.SUPERVISION, instructions="请书面说明超期原因。"
    )

    sign_in("head")
    assert page.get_by_test_id("unread-count").inner_text().strip().startswith("1")
    page.get_by_test_id("notices-link").click()
    page.get_by_test_id("notices").locator("a").first.click()
    page.wait_for_url(f"**/cases/{case.number}/")

    form = page.get_by_test_id("supervision-answer-form")
    form.locator("textarea[name=reason]").fill("需协调物业进场施工，已约定下周完成。")
    form.locator("input[name=new_completion_date]").fill("2099-12-31")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()

    answer = page.get_by_test_id("supervision-answer")
    assert "2099-12-31" in answer.inner_text() and "需协调物业进场施工" in answer.inner_text()
    supervision = Supervision.objects.get()
    assert supervision.answered_by == head and str(supervision.new_completion_date) == "2099-12-31"
    assert not page.get_by_test_id("unread-count").is_visible()
