"""In-portal notifications: written with the action, mailed after it commits, read by their
recipient only."""

import pytest
from django.core import mail
from django.urls import reverse

from portal.models import Notification
from portal.notifications import notify

pytestmark = pytest.mark.django_db


def test_notify_writes_one_per_recipient_and_mails_after_commit(
    supplier, reviewer, django_capture_on_commit_callbacks
):
    supplier.email = "sales@example.cn"
    supplier.save()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        written = notify(
            recipients=[supplier, reviewer], title="申请已退回", body="请补充检测报告", link="/x/"
        )
        assert mail.outbox == []  # nothing leaves before the commit
    assert written == 2
    assert len(callbacks) == 1
    assert Notification.objects.filter(title="申请已退回").count() == 2
    assert [m.to for m in mail.outbox] == [["sales@example.cn"]]  # the reviewer has no address
    assert "/x/" in mail.outbox[0].body


def test_a_user_reads_and_opens_only_their_own(client, supplier, supplier_2):
    notify(recipients=[supplier], title="证书即将到期", link="/products/certificates/")
    notify(recipients=[supplier_2], title="他人的通知")
    client.force_login(supplier)
    page = client.get(reverse("notifications"))
    assert "证书即将到期" in page.content.decode()
    assert "他人的通知" not in page.content.decode()
    assert page.context["unread"] == 1

    theirs = Notification.objects.get(recipient=supplier_2)
    client.post(reverse("notification_open", args=[theirs.pk]))
    theirs.refresh_from_db()
    assert theirs.read_at is None

    mine = Notification.objects.get(recipient=supplier)
    response = client.post(reverse("notification_open", args=[mine.pk]))
    assert response.url == "/products/certificates/"
    mine.refresh_from_db()
    assert mine.read_at is not None


def test_opening_never_follows_a_link_off_the_site(client, supplier):
    notify(recipients=[supplier], title="t", link="https://evil.example/")
    client.force_login(supplier)
    response = client.post(reverse("notification_open", args=[Notification.objects.get().pk]))
    assert response.url == reverse("notifications")


def test_mark_all_read(client, supplier):
    notify(recipients=[supplier], title="a")
    notify(recipients=[supplier], title="b")
    client.force_login(supplier)
    client.post(reverse("notifications_read_all"))
    assert not Notification.objects.filter(read_at__isnull=True).exists()


def test_the_public_is_sent_to_sign_in(client):
    assert client.get(reverse("notifications")).status_code == 302


def test_the_list_runs_a_bounded_number_of_queries(client, supplier, django_assert_max_num_queries):
    for n in range(40):
        notify(recipients=[supplier], title=f"n{n}")
    client.force_login(supplier)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("notifications")).status_code == 200


def test_home_points_to_unread_notifications_and_a_pending_registration(
    client, supplier, supplier_org
):
    client.force_login(supplier)
    page = client.get(reverse("reporting:home")).content.decode()
    assert 'data-testid="unread-notifications"' not in page
    assert 'data-testid="awaiting-activation"' not in page

    notify(recipients=[supplier], title="申请已受理")
    supplier_org.status = "pending"
    supplier_org.save()
    page = client.get(reverse("reporting:home")).content.decode()
    assert 'data-testid="unread-notifications"' in page
    assert 'data-testid="awaiting-activation"' in page
