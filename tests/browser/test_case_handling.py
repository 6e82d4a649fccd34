"""A handler signs a case and replies, the head approves; a complaint goes through a handling
proposal, a leader's approval and rectification before its reply."""

from urllib.parse import urlparse

import pytest

from complaints.models import Case, CaseKind, RectificationItem, State

pytestmark = pytest.mark.browser


@pytest.fixture
def open_case(page, sign_in):
    """`open_case(username, case)` signs in as `username` and opens the case page."""

    def open_as(username: str, case: Case):
        page.context.clear_cookies()
        sign_in(username)
        page.goto(f"/cases/{case.number}/")

    return open_as


def act(page, label: str, **fields):
    """Click an action on the case page; on the action's form page, fill the fields and submit."""
    page.locator(f"main a:text-is('{label}'), main button:text-is('{label}')").first.click()
    page.wait_for_load_state()
    if len(urlparse(page.url).path.strip("/").split("/")) != 3:
        return  # a one-click action: back on the case page already
    for name, value in fields.items():
        field = page.locator(f"[name={name}]")
        if field.first.get_attribute("type") == "radio":
            page.locator(f"[name={name}][value='{value}']").check()
        elif field.first.evaluate("element => element.tagName") == "SELECT":
            field.select_option(str(value))
        else:
            field.fill(str(value))
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()


def state_text(page) -> str:
    return page.get_by_test_id("state").inner_text()


def test_handler_signs_and_replies_and_the_head_approves(page, open_case, case_in):
    case = case_in(State.DISPATCHED, kind=CaseKind.HELP)

    open_case("handler", case)
    act(page, "签收")
    assert state_text(page) == "已签收"
    act(page, "开始办理")
    act(page, "提交答复", reply="经检修，供水已于今日恢复。", reply_channel="phone")
    assert state_text(page) == "答复待审核"

    open_case("head", case)
    act(page, "审核答复", approve="1", note="同意答复。")

    assert state_text(page) == "已答复"
    assert "经检修，供水已于今日恢复。" in page.get_by_test_id("reply").inner_text()
    case.refresh_from_db()
    assert case.state == State.REPLIED and case.stage == "revisit"


def test_a_complaint_goes_through_proposal_approval_and_rectification_before_the_reply(
    page, open_case, case_in, handler
):
    case = case_in(State.IN_PROGRESS, kind=CaseKind.COMPLAINT, description="营业厅工作人员态度生硬")

    open_case("handler", case)
    assert "处理意见尚未经领导审批通过" in page.locator("main").inner_text()
    act(
        page,
        "提交处理意见",
        finding="反映情况属实。",
        responsibility="当班窗口人员",
        measures="批评教育，扣减考核分。",
    )

    open_case("leader", case)
    act(page, "审批处理意见", approve="1", comments="同意，抓紧整改。")

    open_case("handler", case)
    act(page, "添加整改事项", description="开展服务规范培训", owner=str(handler.pk), due_date="2030-12-31")
    item = RectificationItem.objects.get(case=case)
    act(page, "报告整改完成", item_id=str(item.pk), evidence="培训签到表已上传。")

    open_case("office", case)
    act(page, "核验整改", item_id=str(item.pk), accept="1")

    open_case("handler", case)
    act(page, "提交答复", reply="经查属实，已对相关人员批评教育并完成培训。", reply_channel="phone")
    assert state_text(page) == "答复待审核"
    case.refresh_from_db()
    assert case.proposals.get().decision == "approved"
    assert case.rectifications.get().status == RectificationItem.Status.VERIFIED
