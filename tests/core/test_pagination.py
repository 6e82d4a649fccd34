from core.models import Department
from core.pagination import CappedPaginator


def test_it_counts_up_to_the_cap_and_says_so(db):
    Department.objects.bulk_create(Department(name=f"部门{n}", code=f"C{n}") for n in range(12))
    departments = Department.objects.order_by("code")

    capped = CappedPaginator(departments, 5, cap=10)
    exact = CappedPaginator(departments, 5, cap=20)

    assert (capped.is_capped, capped.shown_count, capped.num_pages) == (True, 10, 3)
    assert (exact.is_capped, exact.count, exact.num_pages) == (False, 12, 3)
    assert len(capped.page(3).object_list) == 1
