"""The experts' pages of the base evaluation (issue 10): the score sheets of the drawn experts
and their declared conflicts, and the expert pool the office keeps; who may open what, and
the query count of the pool's list. The evaluation's own pages are in
``test_evaluation_views``."""

from decimal import Decimal

import pytest
from django.urls import reverse

from portal.models import Role
from products.models import Expert, ExpertConflict
from tests import factories as f

from .evaluation_builders import (  # noqa: F401 - fixtures, found by their names
    as_user,
    base_fixture,
    detail,
    drawn,
    evaluation,
    experts,
    pages_today_fixture,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english", "pages_today")]
D = Decimal


# --- score sheets and conflicts ----------------------------------------------------------------


def test_an_expert_with_an_account_scores_on_their_sheet(client, city, supplier, base):
    account = f.member(Role.UNIT_CLERK, f.BudgetUnitFactory(), "expert_zhang")
    pool = experts(6)
    pool[0].user = account
    pool[0].save()
    site = evaluation(base)
    first, second, *_ = drawn(site, pool)

    sheet = reverse("products:evaluation_assignment", args=[first.pk])
    expert_client = as_user(client, account)
    assert expert_client.get(sheet).status_code == 200
    expert_client.post(sheet, {"score": "91.5", "comment": "良好"})
    first.refresh_from_db()
    assert first.score == D("91.50")
    assert (
        expert_client.get(reverse("products:evaluation_assignment", args=[second.pk])).status_code
        == 404
    )
    assert as_user(client, supplier).get(sheet).status_code == 404


def test_a_drawn_expert_declares_a_conflict_and_is_replaced(client, reviewer, base):
    pool = experts(7)
    site = evaluation(base)
    first, *_ = drawn(site, pool)
    url = reverse("products:evaluation_assignment_conflict", args=[first.pk])
    response = as_user(client, reviewer).post(url, {"reason": "曾任该公司顾问"})
    assert response.status_code == 302 and response["Location"] == detail(site.pk)
    first.refresh_from_db()
    assert first.conflict_declared
    assert site.assignments.filter(conflict_declared=False).count() == 5


# --- the expert pool ---------------------------------------------------------------------------


def test_the_pool_list_adds_and_deactivates_experts(
    client, city_officer, django_assert_max_num_queries
):
    experts(30)
    client = as_user(client, city_officer)
    with django_assert_max_num_queries(5):
        page = client.get(reverse("products:experts"))
    assert page.context["page"].paginator.count == 30

    created = client.post(
        reverse("products:expert_create"),
        {"name": "林志强", "organisation": "广西大学农学院", "speciality": "fruit"},
    )
    expert = Expert.objects.get(name="林志强")
    assert created["Location"] == reverse("products:expert_detail", args=[expert.pk])
    assert client.get(created["Location"]).status_code == 200

    client.post(reverse("products:expert_active", args=[expert.pk]), {"active": "0"})
    expert.refresh_from_db()
    assert not expert.active
    assert [
        e.name
        for e in client.get(reverse("products:experts"), {"active": "0"})
        .context["page"]
        .object_list
    ] == ["林志强"]


def test_the_office_records_a_conflict_in_the_pool(client, reviewer, supplier_org, base):
    (expert,) = experts(1)
    url = reverse("products:expert_conflict_create", args=[expert.pk])
    client = as_user(client, reviewer)
    assert supplier_org in client.get(url).context["form"].fields["supplier"].queryset
    client.post(url, {"supplier": supplier_org.pk, "reason": "亲属在该公司任职"})
    assert ExpertConflict.objects.filter(expert=expert, supplier=supplier_org).exists()


def test_the_pool_counts_who_is_in_it_and_warns_when_a_draw_would_fail(client, reviewer):
    experts(3)
    experts(2, active=False)
    page = as_user(client, reviewer).get(reverse("products:experts"))
    assert page.context["totals"] == {"total": 5, "in_pool": 3, "out_of_pool": 2}
    assert 'data-testid="pool-too-small"' in page.content.decode()

    experts(2)
    page = client.get(reverse("products:experts"))
    assert page.context["totals"]["in_pool"] == 5
    assert 'data-testid="pool-too-small"' not in page.content.decode()


def test_an_empty_pool_says_to_add_experts(client, reviewer):
    page = as_user(client, reviewer).get(reverse("products:experts"))
    empty = page.content.decode().split('data-testid="empty-state"')[1].split("</section>")[0]
    assert "at least 5 experts" in empty
    assert reverse("products:expert_create") in empty
    filtered = client.get(reverse("products:experts"), {"q": "无此人"}).content.decode()
    assert "No expert matches these filters." in filtered


@pytest.mark.parametrize("persona", ["supplier", "district_officer", "clerk"])
def test_only_the_office_and_reviewers_run_the_pool(client, request, persona):
    (expert,) = experts(1)
    client = as_user(client, request.getfixturevalue(persona))
    assert client.get(reverse("products:experts")).status_code == 403
    assert client.post(reverse("products:expert_active", args=[expert.pk])).status_code == 403
