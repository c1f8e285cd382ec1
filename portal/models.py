"""The shared core every app stands on: regions, organisations, and who works where."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .validators import division_level, validate_credit_code, validate_division_code


class Region(models.Model):
    """An administrative division (行政区划), keyed by its GB/T 2260 code."""

    class Level(models.TextChoices):
        PROVINCE = "province", _("Province")
        CITY = "city", _("City")
        COUNTY = "county", _("County / district")

    code = models.CharField(
        _("division code"), max_length=6, primary_key=True, validators=[validate_division_code]
    )
    name = models.CharField(_("name"), max_length=64)
    level = models.CharField(_("level"), max_length=8, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(level__in=["province", "city", "county"]), name="region_level_known"
            ),
            models.CheckConstraint(
                condition=Q(level="province", parent__isnull=True) | ~Q(level="province"),
                name="region_province_has_no_parent",
            ),
        ]
        indexes = [models.Index(fields=["parent", "level"])]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if not self.code or len(self.code) != 6:
            return
        expected = division_level(self.code)
        if self.level and self.level != expected:
            raise ValidationError(
                {
                    "level": _("Code %(code)s names a %(expected)s.")
                    % {"code": self.code, "expected": Region.Level(expected).label}
                }
            )
        if self.parent_id and not self._parent_prefix_matches():
            raise ValidationError({"parent": _("The parent's code does not contain this code.")})

    def _parent_prefix_matches(self) -> bool:
        parent = self.parent_id
        if division_level(parent) == "province":
            return self.code[:2] == parent[:2]
        return self.code[:4] == parent[:4]

    @property
    def full_name(self) -> str:
        """Name with its ancestors, e.g. 广西壮族自治区百色市田东县."""
        names = []
        region: Region | None = self
        while region is not None:
            names.append(region.name)
            region = region.parent
        return "".join(reversed(names))


class DistrictPairing(models.Model):
    """The fixed pairing (对口帮扶) of one of the city's districts with a region it helps."""

    district = models.ForeignKey(
        Region, verbose_name=_("district"), on_delete=models.PROTECT, related_name="pairings"
    )
    region = models.ForeignKey(
        Region,
        verbose_name=_("paired region"),
        on_delete=models.PROTECT,
        related_name="paired_districts",
    )
    since_year = models.PositiveSmallIntegerField(_("paired since"), default=2016)

    class Meta:
        verbose_name = _("district pairing")
        verbose_name_plural = _("district pairings")
        ordering = ["district", "region"]
        constraints = [
            models.UniqueConstraint(fields=["district", "region"], name="pairing_unique"),
            models.CheckConstraint(
                condition=~Q(district=models.F("region")), name="pairing_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.district} → {self.region}"

    def clean(self) -> None:
        from django.conf import settings as django_settings

        if self.district_id and self.district.parent_id != django_settings.PORTAL_CITY_CODE:
            raise ValidationError({"district": _("Only a district of the city can be paired.")})


class Organisation(models.Model):
    """Any organisation that works in the portal: the city office (市协作办), a district office
    (区协作办), a budget unit (预算单位) or a supplier (供应商/经营主体).

    Budget units and suppliers extend this table (procurement.BudgetUnit, products.Supplier).
    ``region`` is the city district for offices and units, and the registered region for
    suppliers.
    """

    class Kind(models.TextChoices):
        CITY_OFFICE = "city_office", _("City coordination office")
        DISTRICT_OFFICE = "district_office", _("District coordination office")
        BUDGET_UNIT = "budget_unit", _("Budget unit")
        SUPPLIER = "supplier", _("Supplier")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=128)
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        null=True,
        blank=True,
        unique=True,
        validators=[validate_credit_code],
        help_text=_("The 18-character code on the business licence (统一社会信用代码)."),
    )
    region = models.ForeignKey(
        Region,
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="organisations",
    )
    contact_name = models.CharField(_("contact person"), max_length=64, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=32, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["kind", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["city_office", "district_office", "budget_unit", "supplier"]),
                name="organisation_kind_known",
            ),
            models.CheckConstraint(
                condition=~Q(kind="district_office") | Q(region__isnull=False),
                name="district_office_has_district",
            ),
            models.UniqueConstraint(
                fields=["region"],
                condition=Q(kind="district_office"),
                name="one_office_per_district",
            ),
            # Budget units and suppliers are legal persons: they always have a credit code.
            models.CheckConstraint(
                condition=~Q(kind__in=["budget_unit", "supplier"]) | Q(credit_code__isnull=False),
                name="credit_code_for_units_and_suppliers",
            ),
        ]
        indexes = [models.Index(fields=["kind", "region"])]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    """What a member may do in the portal; see api.md's demo accounts."""

    CITY_OFFICE = "city_office", _("City coordination office")
    DISTRICT_OFFICE = "district_office", _("District coordination office")
    UNIT_CLERK = "unit_clerk", _("Budget-unit clerk")
    UNIT_APPROVER = "unit_approver", _("Budget-unit approver")
    SUPPLIER = "supplier", _("Supplier")
    REVIEWER = "reviewer", _("Certification reviewer")


# Which kind of organisation each role belongs to.
ROLE_ORGANISATION_KIND = {
    Role.CITY_OFFICE: Organisation.Kind.CITY_OFFICE,
    Role.REVIEWER: Organisation.Kind.CITY_OFFICE,
    Role.DISTRICT_OFFICE: Organisation.Kind.DISTRICT_OFFICE,
    Role.UNIT_CLERK: Organisation.Kind.BUDGET_UNIT,
    Role.UNIT_APPROVER: Organisation.Kind.BUDGET_UNIT,
    Role.SUPPLIER: Organisation.Kind.SUPPLIER,
}


class Membership(models.Model):
    """Ties a user to the one organisation they work for, with their role there."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="membership",
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # The home page's guided first visit (新手引导, portal.help): kept with the membership so
    # that finishing or skipping it on one device hides it on every other.
    tour_done_at = models.DateTimeField(
        _("guided tour done at"),
        null=True,
        blank=True,
        help_text=_("When the member finished or skipped the guided tour; empty shows it again."),
    )

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.CheckConstraint(
                condition=Q(role__in=[r.value for r in Role]), name="membership_role_known"
            ),
        ]
        indexes = [models.Index(fields=["organisation", "role"])]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organisation} ({self.get_role_display()})"

    def clean(self) -> None:
        if self.role not in Role.values:
            return  # the field's own choices validation reports it
        if self.organisation_id:
            expected = ROLE_ORGANISATION_KIND[Role(self.role)]
            if self.organisation.kind != expected:
                raise ValidationError(
                    {
                        "role": _("A %(role)s must belong to a %(kind)s.")
                        % {"role": Role(self.role).label, "kind": expected.label}
                    }
                )


class ExitReason(models.TextChoices):
    """Why a product, base, certificate or outlet is suspended or removed (动态退出): quality
    failures, prices out of line, dishonest operation, no poverty-reduction effect."""

    QUALITY = "quality", _("Quality failure")
    PRICE = "price", _("Prices out of line")
    INTEGRITY = "integrity", _("Dishonest operation")
    NO_EFFECT = "no_effect", _("No poverty-reduction effect")
    OTHER = "other", _("Other")


class Notification(models.Model):
    """A message to one user in the portal (站内通知): an application moved, a certificate is
    about to expire, a test failed. Mail is sent beside it through Django's mail backend."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    link = models.CharField(_("link"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at", "created_at"])]

    def __str__(self) -> str:
        return self.title


class Photo(models.Model):
    """A photo (of a product, an outlet, an inspection): a JPEG or PNG checked by content and
    size (``portal.uploads.inspect_picture``), with its SHA-256 and who uploaded it. Each
    concrete photo adds its subject and its ``file`` with a folder of its own."""

    caption = models.CharField(_("caption"), max_length=128, blank=True)
    original_name = models.CharField(_("original name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=64)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name
