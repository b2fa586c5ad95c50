"""A learner's portfolio as LEAP2A (2010-07): an Atom feed whose entries are typed by LEAP2.

    unit                 leap2:selection (a grouping) that has_part its criteria
    assessment criterion leap2:ability, is_part_of its unit; a lettered part is_part_of it
    evidence item        leap2:entry; has_attachment each file; supports each criterion or part
                         it is mapped to (bar mappings the assessor rejected), which
                         is_supported_by it in turn
    evidence file        leap2:resource (resource_type Offline) with an Atom enclosure link

Each entry's id is the object's address on this site, so the export names what it came from.
Built with ElementTree, so every value is escaped by the serialiser, never by hand.
"""

import datetime
import shutil
import xml.etree.ElementTree as ET
import zipfile

from django.conf import settings
from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone

from criteria.models import AssessmentCriterion, CriterionPart, LearningOutcome
from people.models import EnrolmentUnit

from .models import EvidenceFile, EvidenceItem, EvidenceMapping

ATOM = "http://www.w3.org/2005/Atom"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
LEAP2 = "http://terms.leapspecs.org/"
CATEGORIES = "http://wiki.leapspecs.org/2A/categories/"
LEAP2A_VERSION = "http://www.leapspecs.org/2010-07/2A/"
NAMESPACES = {"": ATOM, "rdf": RDF, "leap2": LEAP2, "categories": CATEGORIES}
for _prefix, _uri in NAMESPACES.items():
    ET.register_namespace(_prefix, _uri)


def _q(namespace, name):
    return f"{{{namespace}}}{name}"


def _rfc3339(moment):
    return moment.astimezone(datetime.UTC).isoformat(timespec="seconds")


def _url(path):
    return settings.SITE_URL + path


def _criterion_id(unit, code):
    return _url(reverse("criteria:unit", args=[unit.slug])) + "#ac-" + code.replace(" ", "-")


class _Feed:
    def __init__(self, feed_id, title, updated, author):
        self.root = ET.Element(_q(ATOM, "feed"))
        ET.SubElement(self.root, _q(LEAP2, "version")).text = LEAP2A_VERSION
        ET.SubElement(self.root, _q(ATOM, "id")).text = feed_id
        ET.SubElement(self.root, _q(ATOM, "title")).text = title
        ET.SubElement(self.root, _q(ATOM, "updated")).text = _rfc3339(updated)
        self._author(self.root, author)
        generator = ET.SubElement(self.root, _q(ATOM, "generator"), uri=settings.SITE_URL)
        generator.text = settings.SITE_NAME

    @staticmethod
    def _author(parent, name):
        author = ET.SubElement(parent, _q(ATOM, "author"))
        ET.SubElement(author, _q(ATOM, "name")).text = name

    def entry(self, *, entry_id, title, leap_type, updated, author, content, published=None):
        entry = ET.SubElement(self.root, _q(ATOM, "entry"))
        ET.SubElement(entry, _q(ATOM, "id")).text = entry_id
        ET.SubElement(entry, _q(ATOM, "title")).text = title
        ET.SubElement(entry, _q(ATOM, "updated")).text = _rfc3339(updated)
        if published is not None:
            ET.SubElement(entry, _q(ATOM, "published")).text = _rfc3339(published)
        self._author(entry, author)
        ET.SubElement(entry, _q(ATOM, "content"), type="text").text = content
        ET.SubElement(entry, _q(RDF, "type"), {_q(RDF, "resource"): f"leap2:{leap_type}"})
        return entry

    @staticmethod
    def link(entry, rel, href, **attributes):
        ET.SubElement(entry, _q(ATOM, "link"), rel=rel, href=href, **attributes)

    @staticmethod
    def category(entry, scheme, term):
        ET.SubElement(entry, _q(ATOM, "category"), scheme=scheme, term=term)

    def to_bytes(self):
        ET.indent(self.root)
        return ET.tostring(self.root, encoding="utf-8", xml_declaration=True)


def _portfolio(enrolment):
    """The enrolment's units with their criteria and parts, and its items with their live
    files and mappings: seven queries, however large the portfolio."""
    criteria = AssessmentCriterion.objects.prefetch_related(
        Prefetch("parts", queryset=CriterionPart.objects.order_by("letter"))
    )
    outcomes = LearningOutcome.objects.order_by("number").prefetch_related(
        Prefetch("criteria", queryset=criteria.order_by("number"))
    )
    enrolled_units = (
        EnrolmentUnit.objects.filter(enrolment=enrolment)
        .select_related("unit")
        .prefetch_related(Prefetch("unit__outcomes", queryset=outcomes))
        .order_by("unit__level", "unit__title")
    )
    items = (
        EvidenceItem.objects.filter(enrolment=enrolment)
        .select_related("created_by")
        .prefetch_related(
            Prefetch(
                "files",
                queryset=EvidenceFile.objects.filter(removed_at__isnull=True).order_by("pk"),
            ),
            Prefetch(
                "mappings",
                queryset=EvidenceMapping.objects.exclude(
                    decision=EvidenceMapping.Decision.REJECTED
                ).select_related("criterion__outcome__unit", "part"),
            ),
        )
        .order_by("activity_date", "pk")
    )
    return [eu.unit for eu in enrolled_units], list(items)


def _item_content(item):
    parts = [item.description] if item.description else []
    for question, answer in (item.typed_content or {}).items():
        if answer:
            parts.append(f"{question.replace('_', ' ').capitalize()}: {answer}")
    return "\n\n".join(parts) or item.title


def zip_path(evidence_file):
    """Where a file sits inside the export's zip: its id keeps two files of one name apart."""
    name = evidence_file.original_name.replace("/", "_").replace("\\", "_")
    return f"files/{evidence_file.pk}-{name}"


def portfolio_leap2a(enrolment, *, files_in_zip=False):
    """The enrolment's portfolio as LEAP2A XML bytes (UTF-8).

    Each file's enclosure is its address on this site, or with `files_in_zip` its path beside
    the XML in the zip `portfolio_leap2a_zip` writes."""
    learner = enrolment.learner.display_name
    now = timezone.now()
    units, items = _portfolio(enrolment)
    feed = _Feed(
        feed_id=_url(reverse("evidence:leap2a", args=[enrolment.pk])),
        title=f"Portfolio of {learner}: {enrolment.qualification.title}",
        updated=max([now, *(item.updated_at for item in items)]),
        author=learner,
    )
    supported_by = {}
    for item in items:
        for mapping in item.mappings.all():
            target = _criterion_id(mapping.criterion.outcome.unit, mapping.code)
            supported_by.setdefault(target, []).append(_url(item.get_absolute_url()))
    evidence_types = _url(reverse("evidence:list")) + "#type-"
    for unit in units:
        unit_id = _url(unit.get_absolute_url())
        criteria = [c for outcome in unit.outcomes.all() for c in outcome.criteria.all()]
        selection = feed.entry(
            entry_id=unit_id,
            title=f"{unit.reference} {unit.title}".strip(),
            leap_type="selection",
            updated=now,
            author=settings.SITE_NAME,
            content=unit.aim or unit.title,
        )
        feed.category(selection, "categories:selection_type#", "Grouping")
        for criterion in criteria:
            feed.link(selection, "leap2:has_part", _criterion_id(unit, criterion.code))
        for criterion in criteria:
            criterion_id = _criterion_id(unit, criterion.code)
            _ability(feed, criterion_id, criterion.code, criterion.text, unit_id, supported_by, now)
            for part in criterion.parts.all():
                _ability(
                    feed,
                    _criterion_id(unit, part.code),
                    part.code,
                    part.text,
                    criterion_id,
                    supported_by,
                    now,
                )
    for item in items:
        item_id = _url(item.get_absolute_url())
        entry = feed.entry(
            entry_id=item_id,
            title=item.title,
            leap_type="entry",
            updated=item.updated_at,
            published=item.created_at,
            author=item.created_by.display_name,
            content=_item_content(item),
        )
        feed.category(entry, evidence_types, item.get_evidence_type_display())
        methods = _url(reverse("evidence:list")) + "#method-"
        feed.category(entry, methods, item.get_assessment_method_display())
        date = ET.SubElement(entry, _q(LEAP2, "date"), {_q(LEAP2, "point"): "start"})
        date.text = item.activity_date.isoformat()
        ET.SubElement(entry, _q(LEAP2, "status")).text = item.get_status_display()
        for evidence_file in item.files.all():
            feed.link(entry, "leap2:has_attachment", _url(evidence_file.get_absolute_url()))
        for mapping in item.mappings.all():
            target = _criterion_id(mapping.criterion.outcome.unit, mapping.code)
            feed.link(entry, "leap2:supports", target)
        for evidence_file in item.files.all():
            href = zip_path(evidence_file) if files_in_zip else None
            _resource(feed, item, item_id, evidence_file, href)
    return feed.to_bytes()


def _ability(feed, entry_id, code, text, part_of, supported_by, updated):
    entry = feed.entry(
        entry_id=entry_id,
        title=f"{code} {text}",
        leap_type="ability",
        updated=updated,
        author=settings.SITE_NAME,
        content=text,
    )
    feed.link(entry, "leap2:is_part_of", part_of)
    for item_id in supported_by.get(entry_id, []):
        feed.link(entry, "leap2:is_supported_by", item_id)


def _resource(feed, item, item_id, evidence_file, href=None):
    file_url = _url(evidence_file.get_absolute_url())
    entry = feed.entry(
        entry_id=file_url,
        title=evidence_file.original_name,
        leap_type="resource",
        updated=evidence_file.uploaded_at,
        published=evidence_file.uploaded_at,
        author=item.created_by.display_name,
        content=(
            f"{evidence_file.original_name}, {evidence_file.size} bytes, "
            f"SHA-256 {evidence_file.sha256}"
        ),
    )
    feed.category(entry, "categories:resource_type#", "Offline")
    feed.link(
        entry,
        "enclosure",
        href or file_url,
        type=evidence_file.content_type,
        length=str(evidence_file.size),
        title=evidence_file.original_name,
    )
    feed.link(entry, "leap2:is_attachment_of", item_id)


def portfolio_leap2a_zip(enrolment, destination):
    """Write a zip of leap2a.xml and every live file of the portfolio, as LEAP2A packages are
    exchanged; files are read from storage one at a time (disk or object storage)."""
    files = EvidenceFile.objects.filter(
        item__enrolment=enrolment, removed_at__isnull=True
    ).order_by("pk")
    with zipfile.ZipFile(destination, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("leap2a.xml", portfolio_leap2a(enrolment, files_in_zip=True))
        for evidence_file in files.iterator():
            with (
                evidence_file.file.open("rb") as source,
                archive.open(zip_path(evidence_file), "w") as target,
            ):
                shutil.copyfileobj(source, target, 1024 * 1024)
