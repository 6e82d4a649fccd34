"""The agent at the console, the citizen on the portal (on a phone), and the revisit that reopens."""

import pytest

from complaints import services as case_services
from complaints.models import Case, CaseKind, State
from hotline.models import Call, KnowledgeArticle
from tests.browser.conftest import PHONE_SCREEN

pytestmark = pytest.mark.browser

PHONE = "13812345678"


def test_agent_sees_the_callers_history_answers_from_the_knowledge_base_and_dispatches(
    page, sign_in, agent, case_in, category, business_department
):
    earlier = case_in(State.REPLIED, citizen_phone=PHONE, description="上个月反映的停水问题")
    KnowledgeArticle.objects.create(
        title="阶梯水价怎么计算？",
        answer="年用水量180立方米以内为第一阶梯。",
        keywords="阶梯 水价",
        category=category,
    )
    sign_in("agent")
    page.goto("/hotline/")

    # The caller's number, typed first: their history appears
    page.locator("#id_citizen_phone").press_sequentially(PHONE, delay=20)
    page.get_by_test_id("history").wait_for()
    assert earlier.number in page.get_by_test_id("history").inner_text()

    # A consultation answered from the knowledge base, in one submit
    page.locator("#id_citizen_name").fill("张三")
    page.locator("#id_kind").select_option("consultation")
    page.locator("#id_category").select_option(str(category.pk))
    page.locator("#id_description").fill("咨询阶梯水价的计算方法")
    page.locator("#knowledge-query").fill("水价")
    page.get_by_role("button", name="采用此答案").first.click()
    page.locator("#intake button[type=submit]").click()
    page.wait_for_load_state()
    answered = Case.objects.exclude(pk=earlier.pk).get()
    assert answered.state == State.ANSWERED_DIRECTLY and answered.article_uses.exists()
    assert answered.number in page.locator(".alert-success").inner_text()

    # A complaint dispatched to the category's department (preselected)
    page.locator("#id_citizen_phone").fill("13900001111")
    page.locator("#id_citizen_name").fill("李四")
    page.locator("#id_kind").select_option("complaint")
    page.locator("#id_category").select_option(str(category.pk))
    page.locator("#id_description").fill("营业厅工作人员态度恶劣")
    page.locator("input[name=outcome][value=dispatch]").check()
    assert page.locator("#id_lead_department").input_value() == str(business_department.pk)
    page.locator("#intake button[type=submit]").click()
    page.wait_for_load_state()
    complaint = Case.objects.get(kind=CaseKind.COMPLAINT)
    assert (complaint.state, complaint.lead_department) == (State.DISPATCHED, business_department)
    assert Call.objects.count() == 2


def test_citizen_submits_on_a_phone_tracks_and_rates_after_the_reply(
    new_tab, category, cast, business_department, settings
):
    settings.PORTAL_MIN_FILL_SECONDS = 0
    page = new_tab(**PHONE_SCREEN)
    page.goto("/portal/")
    page.locator("#id_kind").select_option("help")
    page.locator("#id_category").select_option(str(category.pk))
    page.locator("#id_description").fill("小区停水两天了，没有任何通知")
    page.locator("#id_citizen_name").fill("王五")
    page.locator("#id_citizen_phone").fill("13700001234")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.get_by_role("button", name="提交").click()
    number = page.get_by_test_id("number").inner_text()
    code = page.get_by_test_id("query-code").inner_text()

    case = Case.objects.get(number=number)
    case_services.case_dispatch(case_id=case.pk, actor=cast.dispatcher, lead_department=business_department)
    case_services.case_sign(case_id=case.pk, actor=cast.handler)
    case_services.case_start(case_id=case.pk, actor=cast.handler)
    case_services.case_submit_reply(
        case_id=case.pk, actor=cast.handler, reply="供水已恢复，停水原因为管道抢修。", reply_channel="portal"
    )
    case_services.case_approve_reply(case_id=case.pk, actor=cast.head, approve=True)

    page = new_tab(**PHONE_SCREEN)  # later, without the session of the submission
    page.goto("/portal/track/")
    page.locator("#id_number").fill(number)
    page.locator("#id_query_code").fill(code)
    page.get_by_role("button", name="查询").click()
    assert "供水已恢复" in page.get_by_test_id("answer").inner_text()
    page.locator("input[name=verdict][value=satisfied]").check()
    page.locator("input[name=is_resolved][value='1']").check()
    page.get_by_role("button", name="提交评价").click()
    page.wait_for_load_state()

    case.refresh_from_db()
    assert (case.state, case.satisfaction) == (State.REVISITED, "satisfied")


def test_an_unsatisfied_revisit_reopens_the_case(page, sign_in, agent, case_in):
    case = case_in(State.REPLIED)
    sign_in("agent")
    page.goto("/hotline/revisits/")
    page.locator(f"tr[data-number='{case.number}'] a.btn").click()
    page.locator("input[name=is_reached][value='1']").check()
    page.locator("input[name=verdict][value=unsatisfied]").check()
    page.locator("#id_note").fill("问题没有解决，水还是浑浊")
    page.locator("#revisit-form button[type=submit]").click()
    page.wait_for_load_state()

    case.refresh_from_db()
    assert (case.state, case.reopen_count) == (State.REOPENED, 1)
