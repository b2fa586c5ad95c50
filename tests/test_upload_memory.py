"""Hostile uploads cannot exhaust the server: a 99 MB legacy Word file whose DIFAT chain loops
(it cost 43 s and 1 GB before refusal) and a zip bomb dressed as a Word document are refused,
and the server's peak memory grows by less than 100 MB while it reads them.

Measured where it matters: the server runs in a process of its own (see tests/served.py) and
its peak resident memory (Linux's VmHWM, which counts libmagic's C allocations as well as
Python's) is read before and after. The files are built on disk in a fraction of a second and
streamed to the server; sending 99 MB through a real request is what makes this test take a
few seconds, and it is the size the problem was found at.
"""

import pytest
from django.urls import reverse

from evidence.sniffing import DAMAGED, UNPACKS_TOO_FAR

from .evidence_factories import EvidenceItemFactory, looping_compound_file, pdf_bytes, zip_bomb
from .served import served

MB = 1024 * 1024


@pytest.fixture
def item(transactional_db, alice_enrolment):
    return EvidenceItemFactory(enrolment=alice_enrolment, title="Minutes, December")


def test_it_refuses_a_looping_word_file_and_a_zip_bomb_in_little_memory(tmp_path, alice, item):
    path = reverse("evidence:upload", args=[item.pk])
    looping = looping_compound_file(tmp_path / "minutes.doc", 99 * MB)
    bomb = zip_bomb(tmp_path / "minutes.docx")

    with served(tmp_path, alice) as server:
        # A first, ordinary upload: the libraries are loaded before the baseline is taken.
        assert server.upload(path, "warm-up.pdf", pdf_bytes())[0] == 201
        baseline = server.peak_memory()
        with looping.open("rb") as body:
            looping_answer = server.upload(path, "minutes.doc", body)
        with bomb.open("rb") as body:
            bomb_answer = server.upload(path, "minutes.docx", body)
        growth = server.peak_memory() - baseline

    assert growth < 100 * MB, f"the server's peak memory grew by {growth / MB:.0f} MB"
    assert (looping_answer[0], looping_answer[1]["error"]) == (400, DAMAGED)
    assert (bomb_answer[0], bomb_answer[1]["error"]) == (400, UNPACKS_TOO_FAR)
