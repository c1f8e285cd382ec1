"""The base-evaluation journey in Chromium (issue 10): `supplier` applies for its base's
yearly evaluation with its self-assessment; `reviewer` takes it up from the list, records the
material review, draws five experts from the pool, enters their scores from the paper sheets
and completes the site verification; `city_office` publishes the result for public
disclosure (公示); a visitor who is not signed in finds it on the public disclosures page,
with its final score, and opens its notice.

The pool is seeded with the evaluation builders (no page is walked to build it), so the test
spends its time on the journey itself."""

import pytest

from portal.periods import today
from products.models import BaseEvaluation, Disclosure
from tests.browser.journey import sign_in, sign_out
from tests.products.evaluation_builders import base_of, experts

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BASE_NAME = "田阳番茄种植基地"
EXPERT_SCORES = ("86", "84.5", "88", "85", "86.5")  # mean 86.00


def test_a_base_is_evaluated_published_and_found_by_the_public(
    live_server, page, supplier, supplier_org, reviewer, city_officer
):
    base = live_server.url
    tomato = base_of(supplier_org, name=BASE_NAME)
    experts(7)
    year = today().year

    # The supplier applies for its base, from its own evaluations page.
    sign_in(page, base, "supplier")
    page.goto(f"{base}/products/evaluations/")
    page.locator("[data-testid=my-bases] a", has_text=str(year)).first.click()
    page.wait_for_selector("[data-testid=submit-apply]")
    assert page.locator("#id_base").input_value() == str(tomato.pk)
    page.select_option("#id_year", str(year))
    page.fill("#id_self_score", "90")
    page.fill("#id_self_assessment", "统一质量标准、加工要求、包装标识、品牌销售全年落实。")
    page.locator("[data-testid=submit-apply]").click()
    page.wait_for_selector("[data-testid=stages]")
    evaluation = BaseEvaluation.objects.get(base=tomato, year=year)
    assert evaluation.status == "applied"
    sign_out(page)

    # The reviewer takes it up from the list and records the material review.
    sign_in(page, base, "reviewer")
    page.goto(f"{base}/products/evaluations/")
    page.locator("[data-testid=evaluations] a", has_text=BASE_NAME).click()
    page.locator("[data-testid=take-up]").click()
    page.wait_for_selector("[data-testid=record-material]")
    page.fill("#id_score", "82")
    page.fill("#id_note", "材料齐全，自评依据充分。")
    page.locator("[data-testid=record-material]").click()

    # It draws the experts with a seed anyone can check, then enters their five scores.
    page.fill("#id_seed", "20261126")
    page.locator("[data-testid=draw]").click()
    page.wait_for_selector("[data-testid=save-scores]")
    evaluation.refresh_from_db()
    assert (evaluation.status, evaluation.draw_seed) == ("site_verification", 20261126)
    assert page.locator("[data-testid=experts] tbody tr").count() == 5
    score_inputs = page.locator("[data-testid=stage-action] input[name^=score_]")
    assert score_inputs.count() == len(EXPERT_SCORES)
    for index, score in enumerate(EXPERT_SCORES):
        score_inputs.nth(index).fill(score)
    page.fill("#id_site_verified_on", today().isoformat())
    page.fill("#id_site_note", "基地管理规范，生产记录完整，现场抽查无异常。")
    page.locator("[data-testid=complete-site]").click()
    page.wait_for_selector("[data-testid=final-score] >> text=86.80")  # 18 + 68.8
    evaluation.refresh_from_db()
    assert (evaluation.status, evaluation.expert_score) == ("result_review", 86)
    sign_out(page)

    # The city office publishes it for public disclosure, after confirming.
    sign_in(page, base, "city_office")
    page.goto(f"{base}/products/evaluations/{evaluation.pk}/")
    page.fill("#id_note", "经结果审核，同意公示。")
    page.check("#id_confirm")
    page.locator("[data-testid=publish]").click()
    page.wait_for_selector("[data-testid=in-disclosure]")
    notice = Disclosure.objects.get(base_evaluation=evaluation)
    assert notice.status == "open"
    sign_out(page)

    # Anyone finds it on the public disclosures page and opens its notice.
    page.goto(f"{base}/products/disclosures/")
    row = page.locator("[data-testid=disclosure-row]", has_text=BASE_NAME)
    assert row.count() == 1
    assert "86.80" in row.inner_text()
    assert supplier_org.name in row.inner_text()
    row.locator("a").first.click()
    page.wait_for_url(f"{base}/products/disclosures/{notice.pk}/")
    assert "86.80" in page.locator("main").inner_text()
