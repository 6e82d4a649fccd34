"""A leader reads the dashboard in Chinese, follows the overdue count to exactly those cases and takes
them away as an Excel file."""

from datetime import timedelta

import pytest
from openpyxl import load_workbook

from complaints.models import Case, State
from core import clock

pytestmark = pytest.mark.browser


def test_leader_follows_the_overdue_count_and_downloads_those_cases(page, sign_in, case_in):
    with clock.travel_to(clock.now() - timedelta(days=40)):
        late = [case_in(State.IN_PROGRESS), case_in(State.DISPATCHED)]
    on_time = case_in(State.IN_PROGRESS)
    closed = case_in(State.CLOSED)
    assert set(Case.objects.overdue()) == set(late)

    sign_in("leader")
    page.goto("/dashboard/")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert "领导驾驶舱" in page.locator("h1").inner_text()
    overdue = page.get_by_test_id("tile-overdue")
    assert "超期" in overdue.inner_text() and "2" in overdue.inner_text()
    overdue.click()
    page.wait_for_url("**/cases/?overdue=on")

    listed = {link.inner_text().strip() for link in page.locator("table a.font-monospace").all()}
    assert listed == {case.number for case in late}
    assert on_time.number not in listed and closed.number not in listed

    with page.expect_download() as download_info:
        page.get_by_test_id("export-xlsx").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    with open(download.path(), "rb") as file:
        workbook = load_workbook(file)
    rows = list(workbook.active.iter_rows(values_only=True))
    assert rows[0][0] == "工单编号"
    assert {row[0] for row in rows[1:]} == {case.number for case in late}
