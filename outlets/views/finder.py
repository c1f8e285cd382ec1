"""The public outlet finder: active outlets by district and kind, each with its page and what
it carries, and a map where coordinates are known.

No sign-in and no left navigation (ui.md: public pages). The list is complete without
JavaScript and without map tiles: the map only adds markers for the outlets the list shows.
Tiles come from ``PORTAL_MAP_TILE_URL``; unset, the map asks no outside address for anything.
"""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, render
from django.urls import NoReverseMatch, path, reverse
from django.views.decorators.http import require_GET

from portal.periods import today
from portal.selectors import city_districts

from ..forms.finder import FILTER_KEYS, MAP_VIEW, NARROWING_KEYS, FinderFilterForm
from ..models import Outlet
from ..selectors import finder_map_points, finder_outlet_page, finder_outlets

FINDER_PAGE_SIZE = 24


def _kept_filters(request: HttpRequest, *, drop: tuple[str, ...] = ()) -> str:
    """The finder's query string, reduced to its filters, to come back to the same list."""
    kept = QueryDict(mutable=True)
    for key in FILTER_KEYS:
        if key not in drop and request.GET.get(key):
            kept[key] = request.GET[key]
    return kept.urlencode()


def _point(row: dict, suffix: str = "") -> dict:
    """One marker of the map, as the page's JSON carries it (see static/js/outlet-map.js)."""
    return {
        "name": row["name"],
        "kind": row["kind"],
        "kind_label": str(Outlet.Kind(row["kind"]).label),
        "district": row["district__name"],
        "address": row["address"],
        "lat": float(row["latitude"]),
        "lng": float(row["longitude"]),
        "url": reverse("outlets:finder_outlet", args=[row["pk"]]) + suffix,
    }


def _map_context(points: list[dict]) -> dict:
    """The map's markers, its legend (the kinds it shows, in the kinds' order) and tiles."""
    shown = {point["kind"] for point in points}
    return {
        "points": points,
        "kinds": [(code, label) for code, label in Outlet.Kind.choices if code in shown],
        "tile_url": settings.PORTAL_MAP_TILE_URL,
        "attribution": settings.PORTAL_MAP_ATTRIBUTION,
    }


def _photos_served() -> bool:
    """Photos are shown through the registry's public photo view; until that view exists the
    outlet's page renders without them."""
    try:
        reverse("outlets:outlet_photo", args=[1])
    except NoReverseMatch:
        return False
    return True


@require_GET
def finder(request: HttpRequest) -> HttpResponse:
    """The list (24 a page) and, with ``?view=map``, the map of the same filtered outlets.
    Invalid filters select nothing and say why, rather than silently showing everything."""
    form = FinderFilterForm(request.GET or None, districts=list(city_districts()))
    valid = not form.is_bound or form.is_valid()
    filters = form.filters() if form.is_bound and valid else None
    outlets = finder_outlets(filters=filters) if valid else Outlet.objects.none()
    page = Paginator(outlets, FINDER_PAGE_SIZE).get_page(request.GET.get("page"))
    map_view = request.GET.get("view") == MAP_VIEW
    context = {
        "filters": form,
        "filtered": any(request.GET.get(key) for key in NARROWING_KEYS),
        "page": page,
        "total": page.paginator.count,
        "map_view": map_view,
        "kept": _kept_filters(request),
        "list_query": _kept_filters(request, drop=("view", "page")),
        "navigation": (),  # a public page: no left navigation, signed in or not
    }
    if map_view:
        rows, located = finder_map_points(filters=filters) if valid else ([], 0)
        back = f"?{context['kept']}" if context["kept"] else ""  # the page leads back here
        context.update(
            located=located,
            unlocated=page.paginator.count - located,
            **_map_context([_point(row, back) for row in rows]),
        )
    return render(request, "outlets/finder.html", context)


@require_GET
def finder_outlet(request: HttpRequest, pk: int) -> HttpResponse:
    """An active outlet's public page; 404 for a suspended or exited one, or none at all."""
    as_of = today()
    outlet = get_object_or_404(finder_outlet_page(as_of=as_of), pk=pk)
    points = []
    if outlet.latitude is not None and outlet.longitude is not None:
        points = [
            {
                "name": outlet.name,
                "kind": outlet.kind,
                "kind_label": outlet.get_kind_display(),
                "district": outlet.district.name,
                "address": outlet.address,
                "lat": float(outlet.latitude),
                "lng": float(outlet.longitude),
                "url": "",  # the page itself: the popup links nowhere
            }
        ]
    return render(
        request,
        "outlets/finder_outlet.html",
        {
            "outlet": outlet,
            "products": outlet.public_products,
            "photos_served": _photos_served(),
            "as_of": as_of,
            "kept": _kept_filters(request),
            "navigation": (),
            **_map_context(points),
        },
    )


urlpatterns = [
    path("", finder, name="finder"),
    path("<int:pk>/", finder_outlet, name="finder_outlet"),
]
