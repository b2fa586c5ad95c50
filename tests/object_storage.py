"""A real S3 endpoint on loopback for the tests: moto's standalone server.

One server per test process (so one per pytest-xdist worker), on a port the system chooses,
started on first use and stopped when the session ends. Each test that asks for
`object_storage` gets a bucket of its own and Django's default storage pointed at it.
"""

import uuid
from dataclasses import dataclass

import boto3
import pytest
from moto.server import ThreadedMotoServer

REGION = "eu-west-2"
KEYS = {"access_key": "testing", "secret_key": "testing"}


@pytest.fixture(scope="session")
def s3_server():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def s3_client(endpoint_url):
    return boto3.client(
        "s3",
        endpoint_url=endpoint_url,
        region_name=REGION,
        aws_access_key_id=KEYS["access_key"],
        aws_secret_access_key=KEYS["secret_key"],
    )


def s3_storages(settings, *, endpoint_url, bucket):
    """settings.STORAGES with the default storage in `bucket`, as production sets it."""
    options = {
        **settings.S3_STORAGE_OPTIONS,
        "bucket_name": bucket,
        "endpoint_url": endpoint_url,
        "region_name": REGION,
        **KEYS,
    }
    return {
        **settings.STORAGES,
        "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options},
    }


@dataclass
class Bucket:
    name: str
    client: object

    def keys(self):
        listed = self.client.list_objects_v2(Bucket=self.name)
        return sorted(entry["Key"] for entry in listed.get("Contents", []))

    def read(self, key):
        return self.client.get_object(Bucket=self.name, Key=key)["Body"].read()


@pytest.fixture
def object_storage(settings, s3_server):
    client = s3_client(s3_server)
    name = f"evidence-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    settings.STORAGES = s3_storages(settings, endpoint_url=s3_server, bucket=name)
    return Bucket(name, client)
