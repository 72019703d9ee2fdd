"""The in-app inbox page: the user's notifications, mark one or all read.

Without JavaScript the buttons are plain POST forms that come back to the inbox (or go on to the notification's
link); with htmx a "mark read" swaps just the one item.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from . import notify

PER_PAGE = 30


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    unread_only = request.GET.get("unread") == "1"
    notifications = notify.inbox(request.user)
    if unread_only:
        notifications = notifications.filter(read_at__isnull=True)
    page = Paginator(notifications, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "core/notifications.html", {"page": page, "unread_only": unread_only})


@login_required
@require_POST
def mark_read(request: HttpRequest, pk: int) -> HttpResponse:
    notification = notify.mark_read(request.user, pk)
    if request.headers.get("HX-Request"):
        return render(request, "core/_notification.html", {"n": notification})
    if request.POST.get("open") and notification.url and _safe(request, notification.url):
        return HttpResponseRedirect(notification.url)
    return _back(request)


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    notify.mark_all_read(request.user)
    return _back(request)


def _safe(request: HttpRequest, url: str) -> bool:
    return url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}, require_https=request.is_secure())


def _back(request: HttpRequest) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and _safe(request, target):
        return HttpResponseRedirect(target)
    return redirect(reverse("core:notifications"))
