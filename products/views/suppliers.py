"""Suppliers: registration, activation by the city office, and the supplier's own profile,
bases, products and photos.

Views stay thin: a form parses, a selector reads (always through ``*_for_user``: 404 for what
the user may not see), a service acts (403 for a role that may not act); the view puts a
refusal back on the form.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.errors import ApplicationError
from portal.history import history_of
from portal.models import Membership, Role
from portal.periods import today
from portal.permissions import role_required
from portal.roles import actor_of
from procurement.forms import call_service

from ..forms.suppliers import (
    BaseForm,
    PhotoForm,
    ProductFilterForm,
    ProductForm,
    ProfileForm,
    RefuseForm,
    RegistrationForm,
    SupplierFilterForm,
)
from ..models import CertificationScheme, Product, ProductPhoto, Supplier
from ..selectors import (
    base_for_user,
    held_schemes,
    own_supplier,
    product_for_user,
    supplier_for_user,
    supplier_list,
    with_current_certifications,
)
from ..services import suppliers as services
from ..services import upkeep

CITY, DISTRICT, REVIEWER = Role.CITY_OFFICE, Role.DISTRICT_OFFICE, Role.REVIEWER
SUPPLIER = Role.SUPPLIER
SUPPLIER_READERS = (CITY, REVIEWER, DISTRICT)
SUPPLIER_PAGE_SIZE = 30
PRODUCT_PAGE_SIZE = 30
SCHEME_LABELS = dict(CertificationScheme.Code.choices)


def _own_supplier_or_404(user) -> Supplier:
    supplier = own_supplier(user)
    if supplier is None:
        raise Http404
    return supplier


def _own_products(user):
    """The supplier's own products only: another supplier's, even a listed one it may read in
    the catalogue, is not its to touch (404)."""
    return product_for_user(user).filter(supplier_id=actor_of(user).organisation_id)


def _own_bases(user):
    return base_for_user(user).filter(supplier_id=actor_of(user).organisation_id)


def _with_schemes(products) -> list[Product]:
    """Each product with ``schemes``: (code, label) of the certificates it holds now."""
    rows = list(products)
    for product in rows:
        product.schemes = [(code, SCHEME_LABELS.get(code, code)) for code in held_schemes(product)]
    return rows


# --- registration (public) -----------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    """An organisation signs itself up; the city office activates it."""
    if request.user.is_authenticated:
        messages.info(request, _("You are signed in already: sign out to register a supplier."))
        return redirect("reporting:home")
    if request.method == "POST":
        form = RegistrationForm(request.POST)
        if form.is_valid():
            supplier = call_service(form, services.supplier_register, data=form.registration())
            if supplier is not None:
                request.session["registered_supplier"] = supplier.name
                return redirect("products:register_done")
    else:
        form = RegistrationForm()
    return render(request, "registration/register.html", {"form": form})


@require_GET
def register_done(request: HttpRequest) -> HttpResponse:
    name = request.session.pop("registered_supplier", None)
    if name is None:
        return redirect("products:register")
    return render(request, "registration/register_done.html", {"name": name})


# --- the city office's list, detail, activation and refusal --------------------------------


@role_required(*SUPPLIER_READERS)
@require_GET
def suppliers(request: HttpRequest) -> HttpResponse:
    filters = SupplierFilterForm(request.GET or None)
    chosen = filters.cleaned_data if filters.is_valid() else {}
    rows = supplier_list(user=request.user, status=chosen.get("status"), q=chosen.get("q"))
    totals = supplier_for_user(request.user).aggregate(
        total=Count("pk"),
        pending=Count("pk", filter=Q(status=Supplier.Status.PENDING)),
        active=Count("pk", filter=Q(status=Supplier.Status.ACTIVE)),
    )
    page = Paginator(rows, SUPPLIER_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "products/supplier_list.html",
        {
            "filters": filters,
            "filtered": any(v for k, v in request.GET.items() if k != "page"),
            "page": page,
            "totals": totals,
            "can_act": actor_of(request.user).is_city_office,
        },
    )


@role_required(*SUPPLIER_READERS)
@require_GET
def supplier_detail(request: HttpRequest, pk: int) -> HttpResponse:
    supplier = get_object_or_404(
        supplier_for_user(request.user).select_related("region__parent__parent"), pk=pk
    )
    bases = base_for_user(request.user).filter(supplier=supplier).order_by("name", "pk")
    products = with_current_certifications(
        product_for_user(request.user).filter(supplier=supplier).order_by("name", "pk"),
        as_of=today(),
    )
    members = (
        Membership.objects.filter(organisation_id=supplier.pk)
        .select_related("user")
        .order_by("user__username")
    )
    return render(
        request,
        "products/supplier_detail.html",
        {
            "supplier": supplier,
            "bases": list(bases),
            "products": _with_schemes(products),
            "members": members,
            "can_act": actor_of(request.user).is_city_office,
            "change_history": history_of(supplier),
        },
    )


@role_required(CITY)
@require_http_methods(["GET", "POST"])
def supplier_activate(request: HttpRequest, pk: int) -> HttpResponse:
    """The city office's last look before activating a registration; POST activates."""
    supplier = get_object_or_404(supplier_for_user(request.user), pk=pk)
    error = None
    if request.method == "POST":
        try:
            services.supplier_activate(actor=request.user, supplier=supplier)
        except ApplicationError as refusal:
            error = refusal.message
        else:
            messages.success(
                request,
                _("“%(name)s” is activated; its staff are notified.") % {"name": supplier.name},
            )
            return redirect("products:supplier_detail", pk=supplier.pk)
    return render(
        request, "products/supplier_activate.html", {"supplier": supplier, "error": error}
    )


@role_required(CITY)
@require_http_methods(["GET", "POST"])
def supplier_refuse(request: HttpRequest, pk: int) -> HttpResponse:
    """The city office refuses a registration with a reason the applicant reads."""
    supplier = get_object_or_404(supplier_for_user(request.user), pk=pk)
    form = RefuseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        refused = call_service(
            form,
            services.supplier_refuse,
            actor=request.user,
            supplier=supplier,
            reason=form.cleaned_data["reason"],
        )
        if refused is not None:
            messages.success(
                request,
                _("The registration of “%(name)s” is refused; its staff are notified.")
                % {"name": supplier.name},
            )
            return redirect("products:supplier_detail", pk=supplier.pk)
    return render(request, "products/supplier_refuse.html", {"supplier": supplier, "form": form})


# --- the supplier's own upkeep -------------------------------------------------------------


@role_required(SUPPLIER)
@require_GET
def my_products(request: HttpRequest) -> HttpResponse:
    """The supplier's standing, profile, bases and products, with what each holds now."""
    user = request.user
    supplier = _own_supplier_or_404(user)
    filters = ProductFilterForm(request.GET or None)
    chosen = filters.cleaned_data if filters.is_valid() else {}
    products = _own_products(user)
    if chosen.get("q"):
        products = products.filter(name__icontains=chosen["q"].strip())
    if chosen.get("status"):
        products = products.filter(status=chosen["status"])
    if chosen.get("category"):
        products = products.filter(category=chosen["category"])
    products = with_current_certifications(
        products.annotate(photo_count=Count("photos")).order_by("name", "pk"), as_of=today()
    )
    page = Paginator(products, PRODUCT_PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = _with_schemes(page.object_list)
    return render(
        request,
        "products/my_products.html",
        {
            "supplier": supplier,
            "bases": list(_own_bases(user).order_by("name", "pk")),
            "page": page,
            "filters": filters,
            "filtered": any(v for k, v in request.GET.items() if k != "page"),
        },
    )


@role_required(SUPPLIER)
@require_http_methods(["GET", "POST"])
def my_profile(request: HttpRequest) -> HttpResponse:
    supplier = _own_supplier_or_404(request.user)
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            saved = call_service(
                form,
                upkeep.supplier_profile_update,
                actor=request.user,
                supplier=supplier,
                **form.cleaned_data,
            )
            if saved is not None:
                messages.success(request, _("Your profile is saved."))
                return redirect("products:my_products")
    else:
        form = ProfileForm(initial=ProfileForm.initial_for(supplier))
    return render(request, "products/my_profile.html", {"supplier": supplier, "form": form})


def _base_form_page(request, *, base=None) -> HttpResponse:
    supplier = _own_supplier_or_404(request.user)
    if request.method == "POST":
        form = BaseForm(request.POST)
        if form.is_valid():
            if base is None:
                saved = call_service(
                    form,
                    upkeep.base_create,
                    actor=request.user,
                    supplier=supplier,
                    data=form.base_data(),
                )
            else:
                saved = call_service(
                    form, upkeep.base_update, actor=request.user, base=base, data=form.base_data()
                )
            if saved is not None:
                messages.success(request, _("The base “%(name)s” is saved.") % {"name": saved.name})
                return redirect("products:my_products")
    else:
        form = BaseForm(initial=BaseForm.initial_for(base) if base else None)
    title = _("Edit a base") if base else _("Add a base")
    return render(
        request,
        "products/base_form.html",
        {
            "form": form,
            "base": base,
            "title": title,
            "change_history": history_of(base) if base else [],
        },
    )


@role_required(SUPPLIER)
@require_http_methods(["GET", "POST"])
def my_base_create(request: HttpRequest) -> HttpResponse:
    return _base_form_page(request)


@role_required(SUPPLIER)
@require_http_methods(["GET", "POST"])
def my_base_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _base_form_page(request, base=get_object_or_404(_own_bases(request.user), pk=pk))


def _product_form_page(request, *, product=None) -> HttpResponse:
    supplier = _own_supplier_or_404(request.user)
    if request.method == "POST":
        form = ProductForm(request.POST, supplier=supplier)
        if form.is_valid():
            if product is None:
                saved = call_service(
                    form,
                    upkeep.product_create,
                    actor=request.user,
                    supplier=supplier,
                    data=form.product_data(),
                )
            else:
                saved = call_service(
                    form,
                    upkeep.product_update,
                    actor=request.user,
                    product=product,
                    data=form.product_data(),
                )
            if saved is not None:
                messages.success(
                    request, _("The product “%(name)s” is saved.") % {"name": saved.name}
                )
                if product is None:
                    return redirect("products:my_product_edit", pk=saved.pk)
                return redirect("products:my_products")
    else:
        initial = ProductForm.initial_for(product) if product else None
        form = ProductForm(initial=initial, supplier=supplier)
    return _product_page(request, form=form, product=product)


def _product_page(request, *, form, product=None, photo_form=None) -> HttpResponse:
    photos = list(product.photos.all()) if product else []
    return render(
        request,
        "products/product_form.html",
        {
            "form": form,
            "product": product,
            "photos": photos,
            "photo_form": photo_form or PhotoForm(),
            "title": _("Edit a product") if product else _("Add a product"),
            "change_history": history_of(product) if product else [],
        },
    )


@role_required(SUPPLIER)
@require_http_methods(["GET", "POST"])
def my_product_create(request: HttpRequest) -> HttpResponse:
    return _product_form_page(request)


@role_required(SUPPLIER)
@require_http_methods(["GET", "POST"])
def my_product_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _product_form_page(
        request, product=get_object_or_404(_own_products(request.user), pk=pk)
    )


@role_required(SUPPLIER)
@require_POST
def my_photo_add(request: HttpRequest, pk: int) -> HttpResponse:
    product = get_object_or_404(_own_products(request.user), pk=pk)
    photo_form = PhotoForm(request.POST, request.FILES)
    if photo_form.is_valid():
        photo = call_service(
            photo_form,
            upkeep.product_photo_add,
            actor=request.user,
            product=product,
            file=photo_form.cleaned_data["file"],
            caption=photo_form.cleaned_data["caption"],
        )
        if photo is not None:
            messages.success(request, _("The photo is added."))
            return redirect("products:my_product_edit", pk=product.pk)
    supplier = _own_supplier_or_404(request.user)
    form = ProductForm(initial=ProductForm.initial_for(product), supplier=supplier)
    return _product_page(request, form=form, product=product, photo_form=photo_form)


@role_required(SUPPLIER)
@require_http_methods(["GET", "POST"])
def my_photo_remove(request: HttpRequest, pk: int) -> HttpResponse:
    """Remove a photo, after confirmation."""
    photo = get_object_or_404(
        ProductPhoto.objects.select_related("product").filter(
            product__in=_own_products(request.user)
        ),
        pk=pk,
    )
    error = None
    if request.method == "POST":
        try:
            upkeep.product_photo_remove(actor=request.user, photo=photo)
        except ApplicationError as refusal:
            error = refusal.message
        else:
            messages.success(request, _("The photo is removed."))
            return redirect("products:my_product_edit", pk=photo.product_id)
    return render(request, "products/my_photo_remove.html", {"photo": photo, "error": error})


@require_GET
def product_photo(request: HttpRequest, pk: int) -> FileResponse:
    """A product's photo: for anyone while the product is in the public view (listed, by an
    active supplier), otherwise only for those who may read the product. Never a public media
    URL."""
    public = Q(product__status=Product.Status.LISTED, product__supplier__status="active")
    visible = ProductPhoto.objects.filter(
        public | Q(product__in=product_for_user(request.user).values("pk"))
    )
    photo = get_object_or_404(visible, pk=pk)
    try:
        handle = photo.file.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    response = FileResponse(handle, content_type=photo.content_type)
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = "private, max-age=3600"
    return response


urlpatterns = [
    path("register/", register, name="register"),
    path("register/done/", register_done, name="register_done"),
    path("suppliers/", suppliers, name="suppliers"),
    path("suppliers/<int:pk>/", supplier_detail, name="supplier_detail"),
    path("suppliers/<int:pk>/activate/", supplier_activate, name="supplier_activate"),
    path("suppliers/<int:pk>/refuse/", supplier_refuse, name="supplier_refuse"),
    path("mine/", my_products, name="my_products"),
    path("mine/profile/", my_profile, name="my_profile"),
    path("mine/bases/new/", my_base_create, name="my_base_create"),
    path("mine/bases/<int:pk>/", my_base_edit, name="my_base_edit"),
    path("mine/products/new/", my_product_create, name="my_product_create"),
    path("mine/products/<int:pk>/", my_product_edit, name="my_product_edit"),
    path("mine/products/<int:pk>/photos/", my_photo_add, name="my_photo_add"),
    path("mine/photos/<int:pk>/remove/", my_photo_remove, name="my_photo_remove"),
    path("photos/<int:pk>/", product_photo, name="product_photo"),
]
