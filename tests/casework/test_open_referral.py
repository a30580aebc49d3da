"""The services directory exchanged as Open Referral UK (HSDS) JSON: export, import, and
a refuge's address never in a file.

Personas: the Cambridgeshire Hub's directory (a refuge among its services), and Norfolk's.
"""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from casework.models import Service
from casework.open_referral import (
    OpenReferralError,
    dumps,
    export_services,
    import_services,
)
from tests.factories import ForceFactory, make_service

pytestmark = pytest.mark.django_db

REFUGE_ADDRESS = "14 Larkspur Close\nHistonbury\nCB4 9ZZ"
COMPARED = [
    "uuid",
    "name",
    "organisation",
    "description",
    "needs",
    "areas",
    "eligibility",
    "how_to_refer",
    "commissioned",
    "phone",
    "email",
    "website",
    "hide_address",
    "is_active",
]


@pytest.fixture
def directory(force):
    return {
        "isva": make_service(
            force,
            "Independent Sexual Violence Advisers",
            organisation="Cambridgeshire ISVA Service",
            description="Support through the criminal justice process after sexual violence.",
            needs=["safety", "health", "justice"],
            areas=["Peterborough", "Fenland"],
            commissioned=True,
            eligibility="Victims of rape or sexual assault, any age.",
            how_to_refer="Refer from the case page with the victim's consent.",
            phone="01223 000 101",
            email="isva@example.org",
            website="https://isva.example.org/",
            address="3 Bridge Street\nPeterborough\nPE1 1HB",
        ),
        "money": make_service(
            force,
            "Money and benefits advice",
            organisation="Citizens Advice",
            needs=["finance"],
            phone="",
            address="Cambridge",
        ),
        "closed": make_service(force, "Closed counselling", is_active=False),
        "refuge": make_service(
            force,
            "Refuge",
            organisation="Cambridge Women's Aid",
            needs=["accommodation", "safety"],
            areas=["Cambridge"],
            how_to_refer="By phone only.",
            phone="01223 000 109",
            address=REFUGE_ADDRESS,
            hide_address=True,
        ),
    }


def export_file(tmp_path, name="export.json", *args) -> bytes:
    path = tmp_path / name
    call_command("export_services", "--output", str(path), *args)
    return path.read_bytes()


def import_file(tmp_path, document, *args) -> str:
    path = tmp_path / "import.json"
    path.write_text(document if isinstance(document, str) else json.dumps(document))
    out = StringIO()
    call_command("import_services", str(path), *args, stdout=out)
    return out.getvalue()


def rows(force) -> list[dict]:
    return list(Service.objects.filter(force=force).order_by("name").values(*COMPARED))


def by_name(document: dict) -> dict[str, dict]:
    return {service["name"]: service for service in document["content"]}


def test_a_service_is_exported_in_the_open_referral_uk_shape(directory, force):
    # when the directory is exported
    document = export_services(force)
    # then it is a page of every service of the force, closed ones included, by name
    assert document["totalElements"] == 4
    assert [s["name"] for s in document["content"]] == [
        "Closed counselling",
        "Independent Sexual Violence Advisers",
        "Money and benefits advice",
        "Refuge",
    ]
    isva = by_name(document)["Independent Sexual Violence Advisers"]
    # and a service carries its id, status, contacts, areas, address and need categories
    assert isva["id"] == str(directory["isva"].uuid)
    assert isva["status"] == "active"
    assert isva["url"] == "https://isva.example.org/"
    assert isva["email"] == "isva@example.org"
    assert isva["organization"]["name"] == "Cambridgeshire ISVA Service"
    assert isva["eligibilitys"][0]["eligibility"] == "Victims of rape or sexual assault, any age."
    assert isva["application_process"] == "Refer from the case page with the victim's consent."
    assert [a["service_area"] for a in isva["service_areas"]] == ["Peterborough", "Fenland"]
    assert isva["contacts"][0]["phones"][0]["number"] == "01223 000 101"
    address = isva["service_at_locations"][0]["location"]["physical_addresses"][0]
    assert {k: address[k] for k in ("address_1", "city", "postal_code", "country")} == {
        "address_1": "3 Bridge Street",
        "city": "Peterborough",
        "postal_code": "PE1 1HB",
        "country": "GB",
    }
    terms = [link["taxonomy"] for link in isva["service_taxonomys"]]
    assert [(t["id"], t["vocabulary"]) for t in terms] == [
        ("victims-hub-need:safety", "victims-hub-need"),
        ("victims-hub-need:health", "victims-hub-need"),
        ("victims-hub-need:justice", "victims-hub-need"),
        ("victims-hub-flag:pcc-commissioned", "victims-hub-flag"),
    ]
    # and a closed service is inactive, a force-wide one names no area
    assert by_name(document)["Closed counselling"]["status"] == "inactive"
    assert by_name(document)["Money and benefits advice"]["service_areas"] == []
    assert "contacts" not in by_name(document)["Money and benefits advice"]


def test_a_refuges_address_is_never_exported(directory, force, tmp_path):
    # when the directory is exported to a file
    text = export_file(tmp_path).decode()
    # then no line of the refuge's address is in it
    for line in REFUGE_ADDRESS.splitlines():
        assert line not in text
    # and the refuge's location says its address is withheld, flagged for an import to keep
    refuge = by_name(json.loads(text))["Refuge"]
    location = refuge["service_at_locations"][0]["location"]
    assert location["name"] == "Address withheld (refuge)"
    assert location["physical_addresses"] == []
    assert "withheld" in location["description"]
    flags = {link["taxonomy"]["id"] for link in refuge["service_taxonomys"]}
    assert "victims-hub-flag:address-withheld" in flags


def test_exporting_reads_the_directory_in_one_query(directory, force, django_assert_num_queries):
    for n in range(20):
        make_service(force, f"Service {n:02d}")
    with django_assert_num_queries(1):
        assert export_services(force)["totalElements"] == 24


def test_export_then_import_into_an_empty_directory_gives_the_same_document(
    directory, force, tmp_path
):
    # given the directory exported
    first = export_file(tmp_path, "first.json")
    before = rows(force)
    # when every service is removed and the file imported back
    Service.objects.all().delete()
    out = import_file(tmp_path, first.decode())
    assert "4 created, 0 updated, 0 unchanged" in out
    # then the same services are back, ids and all, the refuge still hidden
    assert rows(force) == before
    # and exporting again gives the same bytes
    assert export_file(tmp_path, "second.json") == first


def test_importing_the_same_file_twice_changes_nothing(directory, force, tmp_path):
    # given a directory imported from its own export
    document = export_file(tmp_path).decode()
    before = list(Service.objects.order_by("pk").values("pk", "updated_at", *COMPARED))
    # when it is imported twice
    outs = [import_file(tmp_path, document) for _ in range(2)]
    # then nothing is created, updated or even written
    assert all("0 created, 0 updated, 4 unchanged" in out for out in outs)
    assert list(Service.objects.order_by("pk").values("pk", "updated_at", *COMPARED)) == before


def test_an_import_updates_services_by_id_and_adds_new_ones(directory, force):
    document = export_services(force)
    # given the file renames the ISVA service, closes the money advice and adds one
    isva = by_name(document)["Independent Sexual Violence Advisers"]
    isva["name"] = "ISVA service"
    isva["service_areas"] = []
    by_name(document)["Money and benefits advice"]["status"] = "temporarily closed"
    new = json.loads(json.dumps(isva))
    new.update(id="0b6a3a8e-3f5b-4a41-9a57-2f8c3f0e6d11", name="Stalking advocacy")
    document["content"].append(new)
    # when it is imported
    result = import_services(document["content"], force=force)
    # then the ISVA service is the same row renamed, force-wide now; the new one is added
    assert (result.created, result.updated, result.unchanged) == (1, 2, 2)
    directory["isva"].refresh_from_db()
    assert directory["isva"].name == "ISVA service"
    assert directory["isva"].areas == []
    assert not Service.objects.get(pk=directory["money"].pk).is_active
    added = Service.objects.get(name="Stalking advocacy")
    assert str(added.uuid) == "0b6a3a8e-3f5b-4a41-9a57-2f8c3f0e6d11"
    assert added.needs == ["safety", "health", "justice"]
    assert added.commissioned


def test_bad_input_changes_nothing_and_names_each_problem(directory, force, tmp_path):
    # given an export with good changes and bad values in three services
    document = export_services(force)
    services = by_name(document)
    services["Closed counselling"]["status"] = "active"  # good, but must not be applied
    services["Independent Sexual Violence Advisers"]["email"] = "not an email"
    money = services["Money and benefits advice"]
    money["service_taxonomys"][0]["taxonomy"]["id"] = "victims-hub-need:wellbeing"
    del services["Refuge"]["id"]
    before = dumps(export_services(force))
    # when it is imported
    with pytest.raises(CommandError) as refused:
        import_file(tmp_path, document)
    # then the error names each item and field, and says nothing was changed
    message = str(refused.value)
    assert "nothing was changed" in message
    assert "content[1] ('Independent Sexual Violence Advisers'): email: Enter a valid" in message
    assert "content[2] ('Money and benefits advice'): service_taxonomys: " in message
    assert "'victims-hub-need:wellbeing' is not a term of victims-hub-need" in message
    assert "content[3] ('Refuge'): id: is required" in message
    # and the directory is as it was, the good change included
    assert dumps(export_services(force)) == before
    assert not Service.objects.get(pk=directory["closed"].pk).is_active


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('{"content": [', "not JSON"),
        ('{"services": []}', "must be a page of services"),
        ("[42]", "content[0]: must be an object"),
        ('[{"id": "x", "name": "A"}]', "content[0] ('A'): id: 'x' is not a UUID"),
        (
            '[{"id": "5a0f8b7e-2c1d-4e3f-9a8b-7c6d5e4f3a2b", "name": "A", "status": "active",'
            ' "description": "d", "organization": {"name": "O"}}]',
            "content[0] ('A'): service_taxonomys: names no need category",
        ),
        (
            '[{"id": "5a0f8b7e-2c1d-4e3f-9a8b-7c6d5e4f3a2b", "name": "A", "status": "active",'
            ' "description": "d", "service_taxonomys": [{"taxonomy": {"id": "victims-hub-need:'
            'health", "vocabulary": "victims-hub-need"}}]}]',
            "content[0] ('A'): organization: is required",
        ),
    ],
)
def test_a_malformed_document_is_refused_with_the_reason(force, tmp_path, text, problem):
    with pytest.raises(CommandError, match="nothing was changed") as refused:
        import_file(tmp_path, text)
    assert problem in str(refused.value)
    assert not Service.objects.exists()


def test_an_import_never_takes_in_nor_reveals_a_refuges_address(directory, force):
    # given the refuge exported without its flag, as another directory might send it
    document = export_services(force)
    refuge = by_name(document)["Refuge"]
    refuge["service_taxonomys"] = [
        link
        for link in refuge["service_taxonomys"]
        if link["taxonomy"]["id"] != "victims-hub-flag:address-withheld"
    ]
    # when it is imported
    import_services(document["content"], force=force)
    # then the refuge stays hidden and keeps the address the administrators gave it
    directory["refuge"].refresh_from_db()
    assert directory["refuge"].hide_address
    assert directory["refuge"].address == REFUGE_ADDRESS
    # and a file giving the refuge an address is refused, naming the field
    refuge["service_at_locations"][0]["location"]["physical_addresses"] = [
        {"address_1": "2 Other Road", "city": "Cambridge", "postal_code": "CB1 1AA"}
    ]
    with pytest.raises(OpenReferralError) as refused:
        import_services(document["content"], force=force)
    assert refused.value.problems == [
        "content[3] ('Refuge'): service_at_locations.location.physical_addresses: gives an "
        "address for a service whose address is withheld (a refuge): remove it from the file"
    ]
    directory["refuge"].refresh_from_db()
    assert directory["refuge"].address == REFUGE_ADDRESS


def test_another_forces_service_is_not_taken_over_by_an_import(directory, force):
    # given Norfolk's directory exported, and one of its ids in Cambridgeshire's file
    norfolk = ForceFactory(code="NORF", name="Norfolk Constabulary")
    theirs = make_service(norfolk, "Norfolk counselling")
    document = export_services(force)
    by_name(document)["Refuge"]["id"] = str(theirs.uuid)
    # when Cambridgeshire imports it
    with pytest.raises(OpenReferralError) as refused:
        import_services(document["content"], force=force)
    # then it is refused, and Norfolk's service is untouched
    assert "content[3] ('Refuge'): id: belongs to a service of another force" in str(refused.value)
    theirs.refresh_from_db()
    assert (theirs.force, theirs.name) == (norfolk, "Norfolk counselling")


def test_another_directorys_classifications_are_set_aside(force):
    # given a service from another Open Referral UK publisher, with its own taxonomy
    service = {
        "id": "5a0f8b7e-2c1d-4e3f-9a8b-7c6d5e4f3a2b",
        "name": "Talking therapies",
        "description": "NHS talking therapies for anxiety and depression.",
        "status": "active",
        "url": "https://talking.example.nhs.uk/",
        "organization": {"id": "d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610", "name": "NHS Trust"},
        "eligibilitys": [{"id": "e1", "eligibility": "Adults", "minimum_age": 18}],
        "service_areas": [{"id": "a1", "service_area": "Huntingdonshire"}],
        "contacts": [{"id": "c1", "name": "Reception", "phones": [{"number": "0300 000 000"}]}],
        "service_taxonomys": [
            {"id": "t1", "taxonomy": {"id": "bccprimaryservicetype:38", "vocabulary": "BCC"}},
            {"id": "t2", "taxonomy": {"id": "health", "vocabulary": "victims-hub-need"}},
        ],
    }
    # when it is imported as a bare list of services
    result = import_services([service], force=force)
    # then it is added with the Hub's need category and its contact details
    assert result.created == 1
    added = Service.objects.get(name="Talking therapies")
    assert added.needs == ["health"]
    assert (added.phone, added.areas, added.eligibility) == (
        "0300 000 000",
        ["Huntingdonshire"],
        "Adults",
    )
    assert not added.commissioned
    assert not added.hide_address


def test_the_commands_need_a_force_when_there_are_several(directory, tmp_path):
    ForceFactory(code="NORF", name="Norfolk Constabulary")
    with pytest.raises(CommandError, match="--force CODE"):
        export_file(tmp_path)
    with pytest.raises(CommandError, match="No force has the code 'NOPE'"):
        export_file(tmp_path, "x.json", "--force", "NOPE")
    # and with the force named, only its services are exported
    assert b"Refuge" in export_file(tmp_path, "cambs.json", "--force", "CAMBS")
    assert json.loads(export_file(tmp_path, "norf.json", "--force", "NORF"))["content"] == []
