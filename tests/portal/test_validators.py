import pytest
from django.core.exceptions import ValidationError

from portal.models import Organisation, Region
from portal.validators import validate_credit_code, validate_division_code
from tests import factories as f


@pytest.mark.parametrize("code", ["91350100M000100Y43"])
def test_a_real_credit_code_passes(code):
    validate_credit_code(code)


@pytest.mark.parametrize(
    "code",
    [
        "91350100M000100Y44",  # wrong check character
        "91350100M000100Y4",  # 17 characters
        "91350100M000100Y433",  # 19 characters
        "91350100m000100y43",  # lower case is not how the code is written
        "91350100M000100I43",  # I is not in the code's alphabet
        "9135010OM000100Y43",  # letter O among the first eight digits
        "",
    ],
)
def test_a_broken_credit_code_is_refused(code):
    with pytest.raises(ValidationError) as excinfo:
        validate_credit_code(code)
    assert excinfo.value.code == "invalid_credit_code"


def test_generated_test_codes_are_valid():
    for _ in range(20):
        validate_credit_code(f.credit_code())


@pytest.mark.parametrize("code", ["440304", "451003", "653131", "540425", "110000", "440300"])
def test_real_division_codes_pass(code):
    validate_division_code(code)


@pytest.mark.parametrize(
    "code",
    [
        "44030",  # five digits
        "4403041",  # seven
        "44O304",  # a letter
        "990304",  # no province 99
        "000000",
        "440004",  # a county with no city part
    ],
)
def test_broken_division_codes_are_refused(code):
    with pytest.raises(ValidationError):
        validate_division_code(code)


@pytest.mark.django_db
def test_region_level_must_match_its_code():
    region = Region(code="440399", name="虚构区", level="city", parent_id="440300")
    with pytest.raises(ValidationError) as excinfo:
        region.full_clean()
    assert "level" in excinfo.value.message_dict


@pytest.mark.django_db
def test_region_parent_must_contain_its_code():
    region = Region(code="451099", name="错位县", level="county", parent_id="440300")
    with pytest.raises(ValidationError) as excinfo:
        region.full_clean()
    assert "parent" in excinfo.value.message_dict


@pytest.mark.django_db
def test_organisation_with_broken_credit_code_fails_model_validation():
    org = Organisation(kind="supplier", name="坏代码公司", credit_code="91350100M000100Y44")
    with pytest.raises(ValidationError) as excinfo:
        org.full_clean()
    assert "credit_code" in excinfo.value.message_dict


@pytest.mark.django_db
def test_shipped_regions_are_well_formed_and_nested():
    regions = list(Region.objects.all())
    assert len(regions) > 50
    for region in regions:
        region.full_clean()
    futian = Region.objects.get(code="440304")
    assert futian.parent_id == "440300"
    assert futian.full_name == "广东省深圳市福田区"
    assert Region.objects.get(code="540425").name == "察隅县"


@pytest.mark.django_db
def test_every_city_district_is_paired_with_regions_it_helps():
    from portal.models import DistrictPairing
    from portal.selectors import city_districts

    districts = list(city_districts())
    assert len(districts) == 9
    paired = set(DistrictPairing.objects.values_list("district_id", flat=True))
    assert paired == {d.code for d in districts}
    # The helped regions are outside the city.
    assert not DistrictPairing.objects.filter(region__code__startswith="4403").exists()
