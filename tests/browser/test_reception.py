"""A clerk receives a returning visitor from registration to the printed complaint form; the
department finds the complaint in its inbox."""

from datetime import timedelta

import pytest

from complaints.models import Case, CaseKind, State
from core import clock
from reception import services
from reception.models import ReceptionRoom, Visit
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.browser

ID_NUMBER = "11010519491231002X"


def test_clerk_receives_a_returning_visitor_and_prints_the_complaint_form(
    page, new_tab, sign_in, clerk, handler, category, business_department
):
    room = ReceptionRoom.objects.get()
    with clock.travel_to(clock.now() - timedelta(days=10)):
        earlier = services.visit_register(
            clerk=clerk,
            room=room,
            visitor_name="张三",
            id_number=ID_NUMBER,
            phone="13812345678",
            reason="水费突然变高",
            category=category,
        )
        services.visit_call_in(visit_id=earlier.pk, actor=clerk)
        services.visit_finish(
            visit_id=earlier.pk,
            actor=clerk,
            outcome=Visit.Outcome.ANSWERED,
            statement="询问水费构成。",
            answer="已解释阶梯水价。",
        )

    sign_in("clerk")
    page.goto("/reception/")
    page.locator("a[href^='/reception/register/']").click()

    # The ID number, typed: the earlier visit appears and the visit is flagged a repeat
    page.locator("#id_id_number").press_sequentially(ID_NUMBER, delay=20)
    page.get_by_test_id("earlier-visits").wait_for()
    assert earlier.display_number in page.get_by_test_id("earlier-visits").inner_text()
    assert page.get_by_test_id("flag-repeat").is_visible()
    page.locator("#id_visitor_name").fill("张三")
    page.locator("#id_phone").fill("13812345678")
    page.locator("#id_reason").fill("投诉营业厅工作人员态度")
    page.locator("#id_category").select_option(str(category.pk))
    page.locator("#visit-form button[type=submit]").click()
    page.wait_for_load_state()
    visit = Visit.objects.exclude(pk=earlier.pk).get()
    assert (visit.state, visit.is_repeat) == (Visit.State.WAITING, True)

    # Called in from the board's queue
    page.get_by_test_id("waiting").locator("li", has_text=visit.display_number).get_by_test_id(
        "call-in"
    ).click()
    page.wait_for_url(f"**/reception/visits/{visit.pk}/")

    # The statement, then the complaint registered and handed to the category's department
    page.locator("#id_statement").fill("11月20日在城东营业厅缴费时，窗口工作人员态度生硬，拒绝解释账单。")
    page.locator("#id_request").fill("道歉并整改")
    page.locator("input[name=outcome][value=complaint]").check()
    assert page.locator("#id_kind").input_value() == "complaint"
    assert page.locator("#id_lead_department").input_value() == str(business_department.pk)
    page.locator("#reception-record button[type=submit]:not([name=save])").click()
    page.get_by_test_id("outcome").wait_for()
    case = Case.objects.get(kind=CaseKind.COMPLAINT)
    assert (case.state, case.lead_department, case.channel) == (
        State.DISPATCHED,
        business_department,
        "visit",
    )

    # The complaint registration form prints on one clean A4 page
    with page.context.expect_page() as opened:
        page.locator(f"a[href='/reception/visits/{visit.pk}/print/complaint/']").click()
    form = opened.value
    form.wait_for_load_state()
    assert "投诉登记表" in form.locator("h1").inner_text()
    assert case.number in form.inner_text("body") and case.query_code in form.inner_text("body")
    form.emulate_media(media="print")
    assert not form.locator(".toolbar").is_visible()
    pdf = form.pdf(format="A4", print_background=True)
    assert _page_count(pdf) == 1

    # The department's inbox has it to sign
    inbox = new_tab(viewport={"width": 1280, "height": 900})
    inbox.goto("/accounts/login/")
    inbox.locator("input[name=username]").fill("handler")
    inbox.locator("input[name=password]").fill(TEST_PASSWORD)
    inbox.locator("form[action='/accounts/login/'] button[type=submit]").click()
    inbox.goto("/cases/inbox/")
    assert case.number in inbox.locator("main").inner_text()


def _page_count(pdf: bytes) -> int:
    """The /Count of the PDF's page tree."""
    import re

    counts = [int(value) for value in re.findall(rb"/Type\s*/Pages[^>]*?/Count\s+(\d+)", pdf)]
    counts += [int(value) for value in re.findall(rb"/Count\s+(\d+)[^>]*?/Type\s*/Pages", pdf)]
    return max(counts) if counts else -1
