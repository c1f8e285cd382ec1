"""Returns for correction (退回) in the API: an office returns a submitted quarter with comments,
the offices read the table of quarterly submissions, and anyone who may read a unit reads its
quarter's rounds of correction (with what changed in each)."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from portal.models import Role
from portal.periods import Quarter, today
from portal.permissions import HasRole

from ..models import BudgetUnit, QuarterReturn
from ..returns import COMMENT_MAX_LENGTH, RECORD_COMMENT_MAX_LENGTH, quarter_return, quarter_rounds
from ..selectors import budget_unit_for_user
from ..submission_status import State, submission_status


def _user_name(user) -> str | None:
    return user.username if user is not None else None


class RecordCommentInput(serializers.Serializer):
    record = serializers.IntegerField(min_value=1)
    comment = serializers.CharField(max_length=RECORD_COMMENT_MAX_LENGTH)


class ReturnInput(serializers.Serializer):
    budget_unit = serializers.PrimaryKeyRelatedField(queryset=BudgetUnit.objects.all())
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    quarter = serializers.IntegerField(min_value=1, max_value=4)
    comment = serializers.CharField(max_length=COMMENT_MAX_LENGTH)
    record_comments = RecordCommentInput(many=True, required=False)


class RecordCommentSerializer(serializers.Serializer):
    record = serializers.IntegerField(source="record_id", allow_null=True)
    record_label = serializers.CharField()
    comment = serializers.CharField()


class FieldChangeSerializer(serializers.Serializer):
    field = serializers.CharField()
    old = serializers.CharField(allow_null=True)
    new = serializers.CharField(allow_null=True)


def _field_changes(changes) -> list[dict]:
    return [
        {
            "field": name,
            "old": None if old is None else str(old),
            "new": None if new is None else str(new),
        }
        for name, old, new in changes
    ]


class RecordChangeSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["added", "corrected", "deleted"])
    record = serializers.IntegerField()
    label = serializers.CharField()
    at = serializers.DateTimeField()
    by = serializers.CharField(allow_null=True)
    fields = FieldChangeSerializer(many=True)


class VoucherAddedSerializer(serializers.Serializer):
    record = serializers.IntegerField()
    name = serializers.CharField()
    uploaded_at = serializers.DateTimeField()
    by = serializers.CharField(allow_null=True)


class ChangesSerializer(serializers.Serializer):
    records = RecordChangeSerializer(many=True)
    declaration = FieldChangeSerializer(many=True)
    vouchers = VoucherAddedSerializer(many=True)


class RoundSerializer(serializers.Serializer):
    """One round of correction: the office's return and, once closed, the resubmission."""

    id = serializers.IntegerField()
    number = serializers.IntegerField()
    budget_unit = serializers.IntegerField()
    year = serializers.IntegerField()
    quarter = serializers.IntegerField()
    comment = serializers.CharField()
    returned_by = serializers.CharField()
    returned_at = serializers.DateTimeField()
    resubmitted_by = serializers.CharField(allow_null=True)
    resubmitted_at = serializers.DateTimeField(allow_null=True)
    is_open = serializers.BooleanField()
    record_comments = RecordCommentSerializer(many=True)
    changes = ChangesSerializer(required=False, allow_null=True)


def round_data(round_: QuarterReturn, *, budget_unit: int, period: Quarter) -> dict:
    changes = getattr(round_, "changes", None)
    comments = getattr(round_, "record_comments", None)
    if comments is None:
        comments = list(round_.comments.all())
    return {
        "id": round_.pk,
        "number": round_.number,
        "budget_unit": budget_unit,
        "year": period.year,
        "quarter": period.quarter,
        "comment": round_.comment,
        "returned_by": _user_name(round_.returned_by),
        "returned_at": round_.returned_at,
        "resubmitted_by": _user_name(round_.resubmitted_by),
        "resubmitted_at": round_.resubmitted_at,
        "is_open": round_.is_open,
        "record_comments": comments,
        "changes": None
        if changes is None
        else {
            "records": [
                {
                    "kind": change.kind,
                    "record": change.record_id,
                    "label": change.label,
                    "at": change.at,
                    "by": _user_name(change.by),
                    "fields": _field_changes(change.fields),
                }
                for change in changes.records
            ],
            "declaration": _field_changes(changes.declaration),
            "vouchers": [
                {
                    "record": voucher["record_id"],
                    "name": voucher["original_name"],
                    "uploaded_at": voucher["uploaded_at"],
                    "by": _user_name(voucher.get("uploaded_by")),
                }
                for voucher in changes.vouchers
            ],
        },
    }


class QuarterReturnView(GenericAPIView):
    """An office (the city's, or the unit's district's) returns a submitted quarter for
    correction with an overall comment and optional comments on its purchases: 201 with the
    new round."""

    serializer_class = ReturnInput

    @extend_schema(responses={201: RoundSerializer})
    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = serializer.validated_data
        comments: dict[int, str] = {}
        for item in values.get("record_comments", []):
            comments[item["record"]] = item["comment"]
        round_ = quarter_return(
            actor=request.user,
            budget_unit=values["budget_unit"],
            year=values["year"],
            quarter=values["quarter"],
            comment=values["comment"],
            record_comments=comments,
        )
        data = round_data(
            round_,
            budget_unit=values["budget_unit"].pk,
            period=Quarter(values["year"], values["quarter"]),
        )
        return Response(RoundSerializer(data).data, status=status.HTTP_201_CREATED)


class QuarterRoundsView(GenericAPIView):
    """The rounds of correction of a unit's quarter, oldest first, each with its comments and
    what the unit changed (the open round: so far). 404 for a unit the caller may not read."""

    serializer_class = RoundSerializer
    queryset = QuarterReturn.objects.none()  # rows come from procurement.returns.quarter_rounds

    @extend_schema(responses=RoundSerializer(many=True))
    def get(self, request, budget_unit: int, year: int, quarter: int):
        unit = get_object_or_404(budget_unit_for_user(request.user), pk=budget_unit)
        try:
            period = Quarter(year, quarter)
        except ValueError as error:
            raise Http404 from error
        data = quarter_rounds(user=request.user, budget_unit=unit, year=year, quarter=quarter)
        rows = [round_data(r, budget_unit=unit.pk, period=period) for r in data.rounds]
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(RoundSerializer(page, many=True).data)


class StatusQuery(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100, required=False)
    district = serializers.CharField(required=False, max_length=6)
    quarter = serializers.IntegerField(min_value=1, max_value=4, required=False)
    state = serializers.ChoiceField(choices=State.choices, required=False)
    q = serializers.CharField(required=False, max_length=100)


class StatusRowSerializer(serializers.Serializer):
    budget_unit = serializers.IntegerField()
    name = serializers.CharField()
    district = serializers.CharField(allow_null=True)
    year = serializers.IntegerField()
    quarter = serializers.IntegerField()
    state = serializers.ChoiceField(choices=State.choices)
    deadline = serializers.DateField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    first_submitted_at = serializers.DateTimeField(allow_null=True)
    rounds = serializers.IntegerField()
    open_round = serializers.BooleanField()


class SubmissionStatusView(GenericAPIView):
    """The offices' table of quarterly submissions for ``?year=`` (default: this year): one row
    per visible unit and begun quarter, with its ``state`` (``not_due``, ``due``, ``late``,
    ``submitted_on_time``, ``submitted_late``, ``returned``, ``reopened``) and deadline."""

    serializer_class = StatusRowSerializer
    permission_classes = [HasRole.of(Role.CITY_OFFICE, Role.DISTRICT_OFFICE)]
    queryset = BudgetUnit.objects.none()  # rows come from procurement.submission_status

    @extend_schema(
        parameters=[
            OpenApiParameter("year", int),
            OpenApiParameter("district", str, description="division code of a city district"),
            OpenApiParameter("quarter", int),
            OpenApiParameter("state", str, enum=list(State.values)),
            OpenApiParameter("q", str, description="part of the unit's name"),
        ],
        responses=StatusRowSerializer(many=True),
    )
    def get(self, request):
        query = StatusQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        values = query.validated_data
        as_of = today()
        table = submission_status(
            user=request.user,
            year=values.get("year") or as_of.year,
            as_of=as_of,
            district=values.get("district"),
            quarter=values.get("quarter"),
            state=values.get("state"),
            q=(values.get("q") or "").strip(),
        )
        page = self.paginate_queryset(table.rows)
        return self.get_paginated_response(StatusRowSerializer(page, many=True).data)


urlpatterns: list = [
    path("procurement/quarters/return/", QuarterReturnView.as_view(), name="quarter-return"),
    path(
        "procurement/quarters/status/",
        SubmissionStatusView.as_view(),
        name="quarter-submission-status",
    ),
    path(
        "procurement/quarters/<int:budget_unit>/<int:year>/<int:quarter>/rounds/",
        QuarterRoundsView.as_view(),
        name="quarter-round-list",
    ),
]
