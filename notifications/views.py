"""A person's own notices: the list, newest first, and marking them read."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from .models import Notification

PAGE_SIZE = 50


def notification_list(request):
    """GET lists the person's notices; POST ("Mark all as read") marks every unread one read."""
    own = Notification.objects.filter(recipient=request.user)
    if request.method == "POST":
        marked = own.filter(read_at__isnull=True).update(read_at=timezone.now())
        messages.success(request, f"Marked {marked} notification{pluralize(marked)} as read.")
        return redirect("notifications:list")
    page = Paginator(own, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notifications/list.html", {"page": page})


@require_POST
def mark_read(request, pk):
    """Mark one of the person's own notices read and open what it is about; 404 for others'."""
    notification = get_object_or_404(Notification, pk=pk, recipient=request.user)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    if notification.url and url_has_allowed_host_and_scheme(
        notification.url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(notification.url)
    return redirect("notifications:list")
