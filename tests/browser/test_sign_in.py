import pytest

pytestmark = pytest.mark.browser


def test_clerk_signs_in_in_chinese_and_in_english(page, sign_in, clerk):
    # Given a clerk on the login page, which is in Chinese by default
    sign_in("clerk")

    # Then the workspace greets them in Chinese with their role and department
    assert page.locator("h1").inner_text().startswith("欢迎")
    assert "接待员" in page.get_by_test_id("roles").inner_text()
    assert "客服部" in page.locator("#user-menu").inner_text()

    # When they switch to English
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()

    # Then the same workspace speaks English, and keeps doing so after signing in again
    assert page.locator("h1").inner_text().startswith("Welcome")
    assert "Reception clerk" in page.get_by_test_id("roles").inner_text()
    page.locator("#user-menu").click()
    page.get_by_role("button", name="Log out").click()
    page.wait_for_load_state()
    sign_in("clerk")
    assert page.locator("h1").inner_text().startswith("Welcome")


def test_login_page_can_be_switched_to_english_before_signing_in(page, clerk):
    page.goto("/accounts/login/")
    assert page.get_by_role("heading", name="登录民声").is_visible()

    page.get_by_role("button", name="English").click()

    assert page.get_by_role("heading", name="Sign in to Minsheng").is_visible()
