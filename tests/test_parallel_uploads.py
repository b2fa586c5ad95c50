"""Several files dropped at once: the page sends one request a file, all at the same moment, and
the server `make run` starts must store every one, on SQLite (its default) as on PostgreSQL.

The server runs in a process of its own on a real database (see tests/served.py); starting it
takes a second or two, which is the price of testing the locking a real server meets.
"""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.urls import reverse

from .evidence_factories import EvidenceItemFactory, pdf_bytes
from .served import served

FILES_AT_ONCE = 6


@pytest.fixture
def item(transactional_db, alice_enrolment):
    return EvidenceItemFactory(enrolment=alice_enrolment, title="Complaints log, November")


def test_it_stores_every_file_of_a_drop_sent_at_the_same_moment(tmp_path, alice, item):
    path = reverse("evidence:upload", args=[item.pk])
    files = {f"complaint {n}.pdf": pdf_bytes(f"Complaint {n}") for n in range(FILES_AT_ONCE)}

    with served(tmp_path, alice) as server, ThreadPoolExecutor(FILES_AT_ONCE) as pool:
        answers = list(pool.map(lambda name: server.upload(path, name, files[name]), files))

    assert [status for status, _ in answers] == [201] * FILES_AT_ONCE, answers
    stored = {
        answer["results"][0]["file"]["name"]: answer["results"][0]["file"]["id"]
        for _, answer in answers
    }
    assert sorted(stored) == sorted(files)
    assert len(set(stored.values())) == FILES_AT_ONCE
