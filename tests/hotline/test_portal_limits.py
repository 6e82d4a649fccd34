"""The portal's limits per citizen behind the documented proxy, and on attached files."""

from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from complaints.models import Case, State
from core import clock
from hotline.models import PortalSubmission
from tests.hotline.test_portal_and_revisits import portal_data

PROXY = "10.0.0.1"


@pytest.fixture(autouse=True)
def _behind_one_proxy(settings):
    cache.clear()
    settings.TRUSTED_PROXY_COUNT = 1
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _pages_in_english(client):
    """Pages in English (the language cookie), so the tests can read their messages."""
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"


def from_citizen(address: str) -> dict:
    return {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": address}


def submit(client, category, address, **overrides):
    data = portal_data(client, category, **overrides)
    with clock.travel_to(clock.now() + timedelta(seconds=10)):
        return client.post(reverse("portal:submit"), data, **from_citizen(address))


def test_two_citizens_behind_one_proxy_each_keep_their_own_submission_limit(client, db, category, settings):
    settings.PORTAL_SUBMISSIONS_PER_HOUR = 2
    first = [submit(client, category, "198.51.100.1").status_code for _round in range(3)]
    second = [submit(client, category, "198.51.100.2").status_code for _round in range(2)]

    assert first == [302, 302, 200]
    assert second == [302, 302]
    assert Case.objects.count() == 4


def test_a_guesser_behind_the_proxy_does_not_lock_tracking_for_everyone(client, case_in, settings):
    settings.PORTAL_TRACK_FAILURES_PER_HOUR = 3
    case = case_in(State.REGISTERED)
    track = reverse("portal:track")
    for _guess in range(5):
        client.post(track, {"number": case.number, "query_code": "WRONG123"}, **from_citizen("198.51.100.66"))

    guesser = client.post(
        track, {"number": case.number, "query_code": case.query_code}, **from_citizen("198.51.100.66")
    )
    citizen = client.post(
        track, {"number": case.number, "query_code": case.query_code}, **from_citizen("198.51.100.7")
    )

    assert guesser.context["case"] is None
    assert citizen.context["case"] == case


def photo(name: str, size: int) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"\xff\xd8" + b"0" * (size - 2), content_type="image/jpeg")


def test_a_submission_takes_a_limited_number_and_size_of_files(client, db, category, settings, english):
    settings.PORTAL_FILES_PER_SUBMISSION = 2
    settings.PORTAL_FILES_MB_PER_SUBMISSION = 1
    too_many = submit(
        client, category, "198.51.100.1", attachments=[photo(f"{n}.jpg", 1000) for n in range(3)]
    )
    too_big = submit(
        client, category, "198.51.100.1", attachments=[photo("a.jpg", 700_000), photo("b.jpg", 700_000)]
    )
    fine = submit(client, category, "198.51.100.1", attachments=[photo("a.jpg", 1000), photo("b.jpg", 1000)])

    assert "Attach at most 2 files." in too_many.content.decode()
    assert "at most 1 MB" in too_big.content.decode()
    assert fine.status_code == 302
    submission = PortalSubmission.objects.get()
    assert (submission.file_count, submission.file_bytes) == (2, 2000)
    assert submission.case.attachments.count() == 2


def test_files_are_limited_per_address_and_day(client, db, category, settings, english):
    settings.PORTAL_FILES_PER_DAY = 3
    settings.PORTAL_SUBMISSIONS_PER_HOUR = 10
    answers = [
        submit(client, category, "198.51.100.1", attachments=[photo("a.jpg", 1000), photo("b.jpg", 1000)])
        for _round in range(2)
    ]
    other = submit(client, category, "198.51.100.2", attachments=[photo("a.jpg", 1000)])
    without_files = submit(client, category, "198.51.100.1")

    assert answers[0].status_code == 302
    assert "as many files today as we accept" in answers[1].content.decode()
    assert other.status_code == without_files.status_code == 302
    assert Case.objects.count() == 3
