"""The portfolio as LEAP2A: an Atom feed that parses back to every item, every file and every
mapping (as leap2:supports and leap2:is_supported_by), for the learner, their assessor and
`manage.py export_leap2a`."""

import datetime
import xml.etree.ElementTree as ET
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from criteria.models import AssessmentCriterion, CriterionPart
from evidence import services as evidence_services
from evidence.leap2a import ATOM, LEAP2, LEAP2A_VERSION, RDF
from evidence.models import EvidenceMapping
from evidence.uploads import evidence_file_add

from .test_judgements import criterion, part

NS = {"atom": ATOM, "rdf": RDF, "leap2": LEAP2}
SITE = "https://portfolio.example-centre.ac.uk"


def make_portfolio(enrolment, learner, unit, *, items):
    """`items` items; the first with two files mapped to 1.1 and 9.1 a, each other with one
    file mapped to a criterion in turn. Returns {item url: (file names, mapped codes)}."""
    codes = ["2.1", "3.1", "4.1", "5.1", "6.1", "7.1", "8.1", "10.1"]
    made = {}
    for number in range(items):
        item = evidence_services.evidence_item_create(
            enrolment=enrolment,
            by=learner,
            title=f"Complaints log & notes <{number}>",
            activity_date=datetime.date(2026, 11, 2),
            evidence_type="other",
            assessment_method="work_product",
            description="What I did, “in my words”.",
        )
        names = [f"log-{number}.txt"] + (["survey é.csv"] if number == 0 else [])
        for name in names:
            evidence_file_add(item=item, upload=SimpleUploadedFile(name, b"notes"), by=learner)
        if number == 0:
            targets = [(criterion(unit, "1.1"), None), (None, part(unit, "9.1", "a"))]
        else:
            targets = [(criterion(unit, codes[number % len(codes)]), None)]
        mapped = []
        for target_criterion, target_part in targets:
            mapping = evidence_services.evidence_mapping_add(
                item=item, by=learner, criterion=target_criterion, part=target_part
            )
            mapped.append(mapping.code)
        made[SITE + item.get_absolute_url()] = (sorted(names), sorted(mapped))
    return made


@pytest.fixture
def site(settings):
    settings.SITE_URL = SITE


@pytest.fixture
def portfolio(site, alice_enrolment, alice, unit):
    return make_portfolio(alice_enrolment, alice, unit, items=3)


def export(client, enrolment):
    response = client.get(reverse("evidence:leap2a", args=[enrolment.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/atom+xml"
    return ET.fromstring(response.content)


def leap_type(entry):
    return entry.find("rdf:type", NS).get(f"{{{RDF}}}resource")


def entries_of(feed, kind):
    return {
        e.find("atom:id", NS).text: e
        for e in feed.findall("atom:entry", NS)
        if leap_type(e) == kind
    }


def links(entry, rel):
    return sorted(
        link.get("href") for link in entry.findall("atom:link", NS) if link.get("rel") == rel
    )


def code_of(criterion_id):
    return criterion_id.rpartition("#ac-")[2].replace("-", " ")


def test_it_is_an_atom_feed_with_the_required_elements(client, alice, alice_enrolment, portfolio):
    client.force_login(alice)
    feed = export(client, alice_enrolment)
    assert feed.tag == f"{{{ATOM}}}feed"
    assert feed.find("leap2:version", NS).text == LEAP2A_VERSION
    for element in [feed, *feed.findall("atom:entry", NS)]:
        for required in ("atom:id", "atom:title", "atom:updated", "atom:author/atom:name"):
            assert element.find(required, NS) is not None and element.find(required, NS).text
        datetime.datetime.fromisoformat(element.find("atom:updated", NS).text)
    ids = [e.find("atom:id", NS).text for e in feed.findall("atom:entry", NS)]
    assert len(ids) == len(set(ids))


def test_it_holds_every_item_file_and_mapping(client, alice, alice_enrolment, portfolio, unit):
    client.force_login(alice)
    feed = export(client, alice_enrolment)
    items, resources = entries_of(feed, "leap2:entry"), entries_of(feed, "leap2:resource")
    abilities = entries_of(feed, "leap2:ability")
    assert set(items) == set(portfolio)
    for item_id, (names, codes) in portfolio.items():
        entry = items[item_id]
        attachments = links(entry, "leap2:has_attachment")
        assert sorted(resources[a].find("atom:title", NS).text for a in attachments) == names
        for attachment in attachments:
            [enclosure] = [
                link
                for link in resources[attachment].findall("atom:link", NS)
                if link.get("rel") == "enclosure"
            ]
            assert enclosure.get("href") == attachment and enclosure.get("length") == "5"
            assert links(resources[attachment], "leap2:is_attachment_of") == [item_id]
        supports = links(entry, "leap2:supports")
        assert sorted(code_of(target) for target in supports) == codes
        for target in supports:
            assert item_id in links(abilities[target], "leap2:is_supported_by")
    assert len(resources) == sum(len(names) for names, _ in portfolio.values())
    # Every criterion and part of the unit is an ability, inside the unit's selection.
    [selection] = entries_of(feed, "leap2:selection").values()
    criteria = AssessmentCriterion.objects.filter(outcome__unit=unit)
    assert len(links(selection, "leap2:has_part")) == criteria.count()
    assert (
        len(abilities)
        == criteria.count() + CriterionPart.objects.filter(criterion__outcome__unit=unit).count()
    )
    part_a = next(a for a in abilities if a.endswith("#ac-9.1-a"))
    assert links(abilities[part_a], "leap2:is_part_of") == [part_a.removesuffix("-a")]


def test_text_is_escaped_by_the_serialiser(client, alice, alice_enrolment, portfolio):
    client.force_login(alice)
    feed = export(client, alice_enrolment)
    titles = [e.find("atom:title", NS).text for e in entries_of(feed, "leap2:entry").values()]
    assert "Complaints log & notes <0>" in titles


def test_a_rejected_mapping_is_not_a_supports_relationship(
    client, alice, carol, alice_enrolment, portfolio
):
    mapping = EvidenceMapping.objects.filter(
        criterion__number=1, criterion__outcome__number=1
    ).get()
    EvidenceMapping.objects.filter(pk=mapping.pk).update(decision=EvidenceMapping.Decision.REJECTED)
    client.force_login(carol)
    feed = export(client, alice_enrolment)
    item_id = SITE + mapping.item.get_absolute_url()
    supports = links(entries_of(feed, "leap2:entry")[item_id], "leap2:supports")
    assert [code_of(target) for target in supports] == ["9.1 a"]


def test_the_command_writes_the_same_portfolio(alice_enrolment, portfolio, tmp_path):
    out = tmp_path / "portfolio.xml"
    call_command("export_leap2a", "alice", "-o", str(out), stdout=open("/dev/null", "w"))  # noqa: SIM115
    feed = ET.parse(out).getroot()
    assert set(entries_of(feed, "leap2:entry")) == set(portfolio)


def test_the_command_writes_a_zip_with_every_file_beside_the_xml(
    alice_enrolment, portfolio, tmp_path
):
    out = tmp_path / "portfolio.zip"
    call_command("export_leap2a", "alice", "-o", str(out), stdout=open("/dev/null", "w"))  # noqa: SIM115
    with zipfile.ZipFile(out) as archive:
        feed = ET.fromstring(archive.read("leap2a.xml"))
        enclosures = [
            link.get("href")
            for entry in entries_of(feed, "leap2:resource").values()
            for link in entry.findall("atom:link", NS)
            if link.get("rel") == "enclosure"
        ]
        assert len(enclosures) == sum(len(names) for names, _ in portfolio.values())
        for href in enclosures:
            assert href.startswith("files/") and archive.read(href) == b"notes"


def test_the_command_names_an_unknown_learner(db, tmp_path):
    with pytest.raises(CommandError, match='No one has the username "zed"'):
        call_command("export_leap2a", "zed", "-o", str(tmp_path / "x.xml"))


def test_the_progress_page_offers_it_to_the_learner_and_assessor_only(
    client, alice, carol, erin, alice_enrolment
):
    url = reverse("evidence:leap2a", args=[alice_enrolment.pk])
    progress = reverse("evidence:progress", args=[alice_enrolment.pk])
    for person, offered in ((alice, True), (carol, True), (erin, False)):
        client.force_login(person)
        assert (url in client.get(progress).content.decode()) is offered
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("items", [3, 12])
def test_its_queries_do_not_grow_with_the_portfolio(
    client, site, alice, alice_enrolment, unit, items, django_assert_num_queries
):
    make_portfolio(alice_enrolment, alice, unit, items=items)
    client.force_login(alice)
    # Session, user, enrolment and its role checks, then seven for the portfolio.
    with django_assert_num_queries(12):
        export(client, alice_enrolment)
