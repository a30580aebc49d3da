"""The services directory as Open Referral UK: the UK profile of the Human Services Data
Specification (HSDS), in the JSON of its ``/services`` API.

A document is the API's page of services (``totalElements``, ``totalPages``, ``number``,
``size``, ``first``, ``last``, ``content``), holding every service of one force, by name.
Each service maps so:

- ``id``: ``Service.uuid``, kept on import, so a service exported and imported back (or into
  another Hub) is updated rather than copied. ``name``, ``description``, ``email``, ``url``
  (our ``website``); ``status`` is ``active`` or ``inactive`` (on import ``defunct`` and
  ``temporarily closed`` are inactive too).
- ``organization``: its ``name``. The Hub keeps the organisation as a name only, so its
  ``id`` is derived from the name (UUID 5): the same organisation has the same id in
  every export, and an imported organisation's own id is not kept.
- ``eligibilitys``: one, whose ``eligibility`` is our text of who the service is for.
- ``application_process`` (HSDS's "steps needed to access the service"): how to refer.
- ``service_areas``: one per area, by name. None means force-wide: every area.
- ``contacts``: one, with the phone number in ``phones``; on import the first number found.
- ``service_at_locations``: one, whose ``location`` has the address in
  ``physical_addresses`` (a trailing postcode as ``postal_code``, the line before it as
  ``city``, the rest as ``address_1``); on import the first address found.
- ``service_taxonomys``: the need categories, as terms of a vocabulary of the Hub's own,
  ``victims-hub-need`` (term ids ``victims-hub-need:<NeedCategory value>``, e.g.
  ``victims-hub-need:health``), and two flags in the ``victims-hub-flag`` vocabulary:
  ``victims-hub-flag:pcc-commissioned`` (commissioned by the Police and Crime
  Commissioner) and ``victims-hub-flag:address-withheld`` (below). Terms of any other
  vocabulary are another directory's classification, and are not imported.

Ids of the parts of a service (its contact, areas, location...) are UUID 5s of the
service's id and the part, so exporting twice gives the same document byte for byte.

A refuge's address (``hide_address``) never leaves the Hub: its export has a location
named "Address withheld (refuge)" with no ``physical_addresses``, and the
``address-withheld`` flag, so that whoever reads it knows the address exists and is held
back on purpose. The address is not even read from the database to export it. On import
the flag sets ``hide_address``, which an import never clears (only an administrator does,
in the admin), and the stored address is kept; a file that gives an address for a service
whose address is withheld is refused, since that address has been published by whoever
wrote the file.

Import is all or nothing: every item is checked first, and any problem (named by the
item's position, name and field) refuses the whole file and changes nothing. Services are
matched by id; one whose id belongs to another force's directory is refused. Services of
the force that the file does not mention are left as they are. A service whose values are
already those of the file is not written at all, so importing twice changes nothing.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from casework.directory import without_hidden_addresses
from casework.models import NeedCategory, Service
from hub.models import Force

NEED_VOCABULARY = "victims-hub-need"
FLAG_VOCABULARY = "victims-hub-flag"
COMMISSIONED = f"{FLAG_VOCABULARY}:pcc-commissioned"
ADDRESS_WITHHELD = f"{FLAG_VOCABULARY}:address-withheld"
FLAG_NAMES = {
    COMMISSIONED: "Commissioned by the Police and Crime Commissioner",
    ADDRESS_WITHHELD: "Address withheld (refuge)",
}
WITHHELD_LOCATION = "Address withheld (refuge)"
WITHHELD_NOTE = (
    "This service's address is withheld to keep the people it shelters safe: "
    "contact the service by phone."
)
INACTIVE_STATUSES = ("inactive", "defunct", "temporarily closed")
# The namespace of organisations' ids: a UUID of the Hub's own, fixed forever.
ORGANISATION_NAMESPACE = uuid.UUID("6f1d3c2e-9a57-4c1b-8e0d-5b7a2f4c9e11")
_POSTCODE = re.compile(r"(GIR ?0AA|[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2})", re.IGNORECASE)

# Where each of the model's fields comes from in a service, for error messages.
_SOURCE = {
    "name": "name",
    "organisation": "organization.name",
    "description": "description",
    "needs": "service_taxonomys",
    "areas": "service_areas",
    "eligibility": "eligibilitys",
    "how_to_refer": "application_process",
    "commissioned": "service_taxonomys",
    "phone": "contacts.phones.number",
    "email": "email",
    "website": "url",
    "address": "service_at_locations.location.physical_addresses",
    "hide_address": "service_taxonomys",
    "is_active": "status",
}
_COPIED = [field for field in _SOURCE if field != "address"]


class OpenReferralError(Exception):
    """A document that cannot be imported: every problem found, each naming the item and
    field."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int


# Export.


def _part_id(service_id: uuid.UUID, part: str) -> str:
    return str(uuid.uuid5(service_id, part))


def _address_fields(text: str) -> dict:
    lines = [" ".join(line.split()) for line in text.splitlines() if line.strip()]
    postal_code = lines.pop() if lines and _POSTCODE.fullmatch(lines[-1]) else ""
    city = lines.pop() if len(lines) > 1 else ""
    return {
        "address_1": ", ".join(lines),
        "city": city,
        "postal_code": postal_code,
        "country": "GB",
    }


def _term(service_id: uuid.UUID, term_id: str, name: str, vocabulary: str) -> dict:
    return {
        "id": _part_id(service_id, f"taxonomy:{term_id}"),
        "taxonomy": {"id": term_id, "name": name, "vocabulary": vocabulary},
    }


def service_document(service: Service) -> dict:
    """One service as Open Referral UK. ``service`` comes from ``without_hidden_addresses``:
    a refuge's address is not there to be written."""
    sid = service.uuid
    document = {
        "id": str(sid),
        "name": service.name,
        "description": service.description,
        "status": "active" if service.is_active else "inactive",
    }
    if service.website:
        document["url"] = service.website
    if service.email:
        document["email"] = service.email
    if service.how_to_refer:
        document["application_process"] = service.how_to_refer
    document["organization"] = {
        "id": str(uuid.uuid5(ORGANISATION_NAMESPACE, service.organisation)),
        "name": service.organisation,
    }
    if service.eligibility:
        document["eligibilitys"] = [
            {"id": _part_id(sid, "eligibility"), "eligibility": service.eligibility}
        ]
    document["service_areas"] = [
        {"id": _part_id(sid, f"area:{area}"), "service_area": area} for area in service.areas
    ]
    if service.phone:
        document["contacts"] = [
            {
                "id": _part_id(sid, "contact"),
                "phones": [{"id": _part_id(sid, "phone"), "number": service.phone}],
            }
        ]
    location = {"id": _part_id(sid, "location"), "name": service.organisation}
    if service.hide_address:
        location.update(name=WITHHELD_LOCATION, description=WITHHELD_NOTE, physical_addresses=[])
    elif service.shown_address.strip():
        location["physical_addresses"] = [
            {"id": _part_id(sid, "address"), **_address_fields(service.shown_address)}
        ]
    else:
        location = None
    if location is not None:
        document["service_at_locations"] = [
            {"id": _part_id(sid, "service_at_location"), "location": location}
        ]
    terms = [
        _term(sid, f"{NEED_VOCABULARY}:{need}", NeedCategory(need).label, NEED_VOCABULARY)
        for need in service.needs
        if need in NeedCategory.values
    ]
    for flag, on in (
        (COMMISSIONED, service.commissioned),
        (ADDRESS_WITHHELD, service.hide_address),
    ):
        if on:
            terms.append(_term(sid, flag, FLAG_NAMES[flag], FLAG_VOCABULARY))
    document["service_taxonomys"] = terms
    return document


def export_services(force: Force) -> dict:
    """Every service of ``force``'s directory, active or not, as an Open Referral UK page of
    services, by name."""
    services = without_hidden_addresses(Service.objects.filter(force=force)).order_by(
        "name", "uuid"
    )
    content = [service_document(service) for service in services]
    return {
        "totalElements": len(content),
        "totalPages": 1,
        "number": 1,
        "size": len(content),
        "first": True,
        "last": True,
        "content": content,
    }


def dumps(document: dict) -> str:
    """The document's JSON: the same document always gives the same bytes."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


# Import.


class _Reader:
    """Reads one service of a document, noting each problem with where it is."""

    def __init__(self, item: object, position: int):
        self.problems: list[str] = []
        self.item = item if isinstance(item, dict) else {}
        name = self.item.get("name")
        self.where = f"content[{position}]" + (f" ({name!r})" if isinstance(name, str) else "")
        if not isinstance(item, dict):
            self.problem("", "must be an object")

    def problem(self, field: str, what: str) -> None:
        self.problems.append(f"{self.where}{': ' + field if field else ''}: {what}")

    def text(self, parent: dict, key: str, path: str) -> str:
        value = parent.get(key)
        if value is None:
            return ""
        if not isinstance(value, str):
            self.problem(path, "must be a string")
            return ""
        return value

    def objects(self, parent: dict, key: str, path: str) -> list[dict]:
        value = parent.get(key)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            self.problem(path, "must be a list of objects")
            return []
        return value

    def service_id(self) -> uuid.UUID | None:
        value = self.item.get("id")
        if not isinstance(value, str):
            self.problem("id", "is required: the service's UUID")
            return None
        try:
            return uuid.UUID(value)
        except ValueError:
            self.problem("id", f"{value!r} is not a UUID")
            return None

    def status(self) -> bool:
        status = self.item.get("status")
        if status == "active":
            return True
        if status in INACTIVE_STATUSES:
            return False
        self.problem("status", f"must be one of active, {', '.join(INACTIVE_STATUSES)}")
        return False

    def taxonomy_terms(self) -> tuple[list[str], set[str]]:
        """The need categories, in the document's order, and the Hub's flags."""
        needs: list[str] = []
        flags: set[str] = set()
        for link in self.objects(self.item, "service_taxonomys", "service_taxonomys"):
            term = link.get("taxonomy")
            if not isinstance(term, dict):
                self.problem("service_taxonomys.taxonomy", "must be an object")
                continue
            term_id = self.text(term, "id", "service_taxonomys.taxonomy.id")
            vocabulary = self.text(term, "vocabulary", "service_taxonomys.taxonomy.vocabulary")
            if vocabulary == NEED_VOCABULARY:
                need = term_id.removeprefix(f"{NEED_VOCABULARY}:")
                if need not in NeedCategory.values:
                    self.problem(
                        "service_taxonomys",
                        f"{term_id!r} is not a term of {NEED_VOCABULARY} (its terms: "
                        + ", ".join(f"{NEED_VOCABULARY}:{v}" for v in NeedCategory.values)
                        + ")",
                    )
                elif need not in needs:
                    needs.append(need)
            elif vocabulary == FLAG_VOCABULARY:
                if term_id not in FLAG_NAMES:
                    self.problem(
                        "service_taxonomys",
                        f"{term_id!r} is not a term of {FLAG_VOCABULARY} "
                        f"(its terms: {', '.join(FLAG_NAMES)})",
                    )
                flags.add(term_id)
        if not needs:
            self.problem(
                "service_taxonomys",
                f"names no need category: give at least one term of {NEED_VOCABULARY}",
            )
        return needs, flags

    def phone(self) -> str:
        for contact in self.objects(self.item, "contacts", "contacts"):
            for phone in self.objects(contact, "phones", "contacts.phones"):
                if number := self.text(phone, "number", "contacts.phones.number"):
                    return number
        return ""

    def address(self) -> str:
        for link in self.objects(self.item, "service_at_locations", "service_at_locations"):
            location = link.get("location")
            if not isinstance(location, dict):
                self.problem("service_at_locations.location", "must be an object")
                continue
            path = "service_at_locations.location.physical_addresses"
            for address in self.objects(location, "physical_addresses", path):
                parts = [
                    self.text(address, key, f"{path}.{key}")
                    for key in ("address_1", "city", "postal_code")
                ]
                if any(part.strip() for part in parts):
                    return "\n".join(part for part in parts if part.strip())
        return ""

    def values(self) -> dict:
        """The model's fields as the document gives them (hide_address: as it asks)."""
        organisation = self.item.get("organization")
        if not isinstance(organisation, dict):
            self.problem("organization", "is required: an object with the organisation's name")
            organisation = {}
        needs, flags = self.taxonomy_terms()
        eligibility = "\n".join(
            text
            for record in self.objects(self.item, "eligibilitys", "eligibilitys")
            if (text := self.text(record, "eligibility", "eligibilitys.eligibility"))
        )
        areas = []
        for record in self.objects(self.item, "service_areas", "service_areas"):
            area = self.text(record, "service_area", "service_areas.service_area")
            if not area.strip():
                self.problem("service_areas.service_area", "each area needs a name")
            elif area not in areas:
                areas.append(area)
        return {
            "name": self.text(self.item, "name", "name"),
            "organisation": self.text(organisation, "name", "organization.name"),
            "description": self.text(self.item, "description", "description"),
            "needs": needs,
            "areas": areas,
            "eligibility": eligibility,
            "how_to_refer": self.text(self.item, "application_process", "application_process"),
            "commissioned": COMMISSIONED in flags,
            "phone": self.phone(),
            "email": self.text(self.item, "email", "email"),
            "website": self.text(self.item, "url", "url"),
            "address": self.address(),
            "hide_address": ADDRESS_WITHHELD in flags,
            "is_active": self.status(),
        }


def read_document(text: str) -> list:
    """The services of a document's JSON: a page of services, or a bare list of them."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise OpenReferralError([f"not JSON: {exc}"]) from None
    if isinstance(document, dict) and isinstance(document.get("content"), list):
        return document["content"]
    if isinstance(document, list):
        return document
    raise OpenReferralError(
        ['the document must be a page of services ({"content": [...]}) or a list of services']
    )


def _check(service: Service, reader: _Reader) -> None:
    try:
        # needs are checked against the vocabulary by the reader, with a clearer message.
        service.full_clean(exclude=["force", "needs"], validate_unique=False)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            for message in messages:
                reader.problem(_SOURCE.get(field, field), message)


def import_services(items: list, *, force: Force) -> ImportResult:
    """Create or update ``force``'s services from Open Referral UK services, matched by id;
    all of them or, on any problem, none (``OpenReferralError`` names each)."""
    try:
        with transaction.atomic():
            return _import(items, force)
    except IntegrityError as exc:
        # _import checks names and ids before it writes, but a concurrent change (another
        # import, the admin) or two services swapping names in the file can still clash.
        raise OpenReferralError([f"a service clashed with another when written: {exc}"]) from None


def _import(items: list, force: Force) -> ImportResult:
    readers = [_Reader(item, position) for position, item in enumerate(items)]
    ids = [reader.service_id() for reader in readers]
    known = {
        service.uuid: service
        for service in Service.objects.select_for_update()
        .filter(uuid__in=[i for i in ids if i])
        .order_by("pk")
    }
    names = dict(
        Service.objects.filter(force=force).exclude(uuid__in=known).values_list("name", "uuid")
    )
    seen_ids: set[uuid.UUID] = set()
    seen_names: dict[str, int] = {}
    problems: list[str] = []
    plans: list[tuple[Service, bool]] = []
    for position, (reader, service_id) in enumerate(zip(readers, ids, strict=True)):
        values = reader.values()
        existing = known.get(service_id)
        if service_id is not None and service_id in seen_ids:
            reader.problem("id", "appears twice in the document")
        seen_ids.add(service_id)
        if existing is not None and existing.force_id != force.pk:
            reader.problem("id", "belongs to a service of another force's directory")
        name = values["name"]
        if name in seen_names:
            reader.problem("name", f"is also the name of content[{seen_names[name]}]")
        seen_names.setdefault(name, position)
        if service_id is not None and names.get(name, service_id) != service_id:
            reader.problem("name", f"another service of this force (id {names[name]}) has it")
        hidden = values["hide_address"] or (existing is not None and existing.hide_address)
        if hidden and values["address"]:
            reader.problem(
                _SOURCE["address"],
                "gives an address for a service whose address is withheld (a refuge): "
                "remove it from the file",
            )
        service = existing or Service(force=force, uuid=service_id or uuid.uuid4())
        before = {field: getattr(service, field) for field in _SOURCE}
        for field in _COPIED:
            setattr(service, field, values[field])
        service.hide_address = hidden
        if not hidden:
            service.address = values["address"]
        _check(service, reader)
        problems.extend(reader.problems)
        changed = existing is None or before != {f: getattr(service, f) for f in _SOURCE}
        plans.append((service, changed))
    if problems:
        raise OpenReferralError(problems)
    created = updated = 0
    for service, changed in plans:
        if service.pk is None:
            service.save(force_insert=True)
            created += 1
        elif changed:
            service.save()
            updated += 1
    return ImportResult(created=created, updated=updated, unchanged=len(plans) - created - updated)
