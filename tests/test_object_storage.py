"""Evidence on S3-compatible object storage: the same pages against a real S3 endpoint.

The endpoint is moto's standalone server on loopback (tests/object_storage.py); Django's
default storage points at a bucket of the test's own, as AWS_STORAGE_BUCKET_NAME sets it.
"""

import socket

import pytest
from botocore.config import Config
from django.contrib.messages import get_messages
from django.urls import reverse

from evidence.models import EvidenceFile
from evidence.uploads import STORE_FAILED

from .evidence_factories import (
    EvidenceItemFactory,
    add_file,
    pdf_bytes,
    png_bytes,
    submit,
    upload,
)
from .object_storage import s3_storages


@pytest.fixture
def item(alice_enrolment):
    return EvidenceItemFactory(enrolment=alice_enrolment, title="Post room log")


def post_file(client, item, name, content):
    client.force_login(item.enrolment.learner)
    return client.post(
        reverse("evidence:upload", args=[item.pk]),
        {"files": [upload(name, content)]},
        HTTP_ACCEPT="application/json",
    )


def body(response):
    return b"".join(response.streaming_content)


def test_it_uploads_evidence_into_the_bucket(client, object_storage, item):
    response = post_file(client, item, "statement.pdf", pdf_bytes("Stored in the bucket"))
    assert response.status_code == 201
    evidence_file = EvidenceFile.objects.get(item=item)
    assert object_storage.keys() == [evidence_file.file.name]
    assert object_storage.read(evidence_file.file.name) == pdf_bytes("Stored in the bucket")


def test_it_streams_a_download_from_the_bucket_after_the_access_check(
    client, object_storage, item, carol, dave
):
    evidence_file = add_file(item, "photo.png", png_bytes())
    client.force_login(carol)
    response = client.get(reverse("evidence:file", args=[evidence_file.pk]))
    assert response.status_code == 200
    assert body(response) == png_bytes()
    assert response["Cache-Control"] == "private, no-store"
    client.force_login(dave)
    assert client.get(reverse("evidence:file", args=[evidence_file.pk])).status_code == 404


def test_it_answers_a_byte_range_from_the_bucket(client, object_storage, item, alice):
    evidence_file = add_file(item, "statement.pdf", pdf_bytes())
    client.force_login(alice)
    response = client.get(reverse("evidence:file", args=[evidence_file.pk]), HTTP_RANGE="bytes=0-4")
    assert response.status_code == 206
    assert body(response) == b"%PDF-"


def test_a_submitted_version_keeps_its_file_in_the_bucket_after_removal(
    client, object_storage, item, alice, carol
):
    evidence_file = add_file(item, "statement.pdf", pdf_bytes("Version one"))
    version = submit(item)
    client.force_login(carol)
    page = client.get(reverse("evidence:version", args=[item.pk, version.number]))
    assert evidence_file.get_absolute_url() in page.content.decode()
    assert body(client.get(evidence_file.get_absolute_url())) == pdf_bytes("Version one")
    assert object_storage.keys() == [evidence_file.file.name]


def test_removing_a_draft_file_deletes_its_object(
    client, object_storage, item, alice, django_capture_on_commit_callbacks
):
    evidence_file = add_file(item, "statement.pdf", pdf_bytes())
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("evidence:file_remove", args=[evidence_file.pk]))
    assert response.status_code == 302
    assert not EvidenceFile.objects.filter(pk=evidence_file.pk).exists()
    assert object_storage.keys() == []


def test_a_bucket_that_is_missing_refuses_the_file_clearly_and_writes_no_row(
    client, object_storage, settings, s3_server, item
):
    settings.STORAGES = s3_storages(settings, endpoint_url=s3_server, bucket="no-such-bucket")
    response = post_file(client, item, "statement.pdf", pdf_bytes())
    assert response.status_code == 400
    assert STORE_FAILED in response.json()["error"]
    assert not EvidenceFile.objects.exists()


def test_a_store_that_does_not_answer_refuses_the_file_and_writes_no_row(
    client, settings, item, unused_port
):
    endpoint = f"http://127.0.0.1:{unused_port}"
    settings.STORAGES = s3_storages(settings, endpoint_url=endpoint, bucket="evidence")
    settings.STORAGES["default"]["OPTIONS"]["client_config"] = _no_retries()
    client.force_login(item.enrolment.learner)
    response = client.post(
        reverse("evidence:upload", args=[item.pk]),
        {"files": [upload("statement.pdf", pdf_bytes())]},
    )
    assert response.status_code == 302
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert message == f"statement.pdf was not added. {STORE_FAILED}"
    assert not EvidenceFile.objects.exists()


def _no_retries():
    return Config(retries={"total_max_attempts": 1}, connect_timeout=2)


@pytest.fixture
def unused_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_large_file_goes_up_in_parts_and_comes_back_by_ranges(
    client, object_storage, item, alice
):
    # Past boto3's 8 MB threshold the upload goes in parts, read from the upload's temporary
    # file; the download reads the object's body as it is sent, asking again from each Range.
    content = pdf_bytes() + b"%" + bytes(range(256)) * (9 * 4096)
    assert post_file(client, item, "scan.pdf", content).status_code == 201
    evidence_file = EvidenceFile.objects.get(item=item)
    assert object_storage.read(evidence_file.file.name) == content
    url = reverse("evidence:file", args=[evidence_file.pk])
    whole = client.get(url)
    assert int(whole["Content-Length"]) == len(content)
    assert body(whole) == content
    middle = client.get(url, HTTP_RANGE="bytes=5000000-5000099")
    assert middle.status_code == 206
    assert body(middle) == content[5000000:5000100]
    tail = client.get(url, HTTP_RANGE="bytes=-10")
    assert body(tail) == content[-10:]
