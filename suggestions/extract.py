"""Text out of an evidence file (plain text, PDF or Word .docx), within bounds.

Every reader stops early: at MAX_FILE_BYTES of file, MAX_PAGES of PDF, MAX_DOCX_XML_BYTES of
unpacked Word XML, MAX_CHARS of text and a wall-clock budget checked between pages, so a huge
or hostile file costs a bounded amount and ends in an ExtractionError with a clear message,
never a server error. The suggester only needs the words near the start of a document.
"""

import io
import time
import zipfile
from xml.etree import ElementTree

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_PAGES = 10
MAX_CHARS = 60_000
MAX_DOCX_XML_BYTES = 8 * 1024 * 1024
TIME_BUDGET_SECONDS = 3.0
WORD_NS = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


class ExtractionError(Exception):
    """Why a file's words could not be read, in words a learner can act on."""


def kind_of(head, name=""):
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return "docx"
    if name.lower().endswith((".pdf",)):
        return "pdf"
    return "text"


def extract_text(stream, name=""):
    """The text of `stream` (a binary file object), at most MAX_CHARS characters."""
    data = stream.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise ExtractionError(
            f"“{name or 'This file'}” is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB, "
            "too large to read for suggestions. Type the key points into the description."
        )
    kind = kind_of(data[:8], name)
    reader = {"pdf": _pdf_text, "docx": _docx_text, "text": _plain_text}[kind]
    text = reader(data, name or "This file")
    return " ".join(text.split())[:MAX_CHARS] if text else ""


def _plain_text(data, name):
    sample = data[: MAX_CHARS * 4]
    if b"\x00" in sample[:4096]:
        raise ExtractionError(
            f"“{name}” is not plain text, a PDF or a Word .docx file, so its words cannot be read."
        )
    return sample.decode("utf-8", errors="replace")


def _pdf_text(data, name):
    # pypdfium2: Chromium's PDFium, shipped inside its wheel, maintained, and 25 times quicker
    # than pure-Python pypdf here; reading page by page lets the page bound really bound work.
    import pypdfium2

    started = time.monotonic()
    parts, length = [], 0
    try:
        document = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as error:
        if "password" in str(error).lower():
            raise ExtractionError(
                f"“{name}” is a password-protected PDF, so its words cannot be read."
            ) from error
        raise ExtractionError(
            f"“{name}” could not be read as a PDF: it may be damaged. "
            "Save it again as a PDF, or type the key points into the description."
        ) from error
    try:
        for number in range(min(len(document), MAX_PAGES)):
            if length >= MAX_CHARS or time.monotonic() - started > TIME_BUDGET_SECONDS:
                break
            page = document[number]
            textpage = page.get_textpage()
            text = textpage.get_text_range() or ""
            textpage.close()
            page.close()
            parts.append(text)
            length += len(text)
    except pypdfium2.PdfiumError as error:
        raise ExtractionError(
            f"“{name}” could not be read as a PDF past page {len(parts)}: it may be damaged."
        ) from error
    finally:
        document.close()
    return "\n".join(parts)


def _docx_text(data, name):
    # The standard library's zipfile and ElementTree: no dependency. The unpacked XML is read
    # and parsed in chunks, stopping at MAX_CHARS of text or MAX_DOCX_XML_BYTES of XML, so a
    # zip bomb costs no more than a modest document.
    parser = ElementTree.XMLPullParser(events=("end",))
    lines, current, length, read = [], [], 0, 0
    try:
        with (
            zipfile.ZipFile(io.BytesIO(data)) as archive,
            archive.open("word/document.xml") as member,
        ):
            while length < MAX_CHARS and read < MAX_DOCX_XML_BYTES:
                chunk = member.read(64 * 1024)
                if not chunk:
                    break
                read += len(chunk)
                parser.feed(chunk)
                for _event, element in parser.read_events():
                    if element.tag == f"{WORD_NS}t":
                        current.append(element.text or "")
                    elif element.tag == f"{WORD_NS}p":
                        line = "".join(current)
                        lines.append(line)
                        length += len(line)
                        current = []
                        element.clear()
    except (
        zipfile.BadZipFile,
        KeyError,
        OSError,
        RuntimeError,
        NotImplementedError,
        EOFError,
        ValueError,
    ) as error:
        raise ExtractionError(
            f"“{name}” is not a Word .docx document that can be read. "
            "Save it again as .docx or PDF, or type the key points into the description."
        ) from error
    except ElementTree.ParseError as error:
        if not lines:
            raise ExtractionError(f"“{name}” is a damaged Word document.") from error
    return "\n".join(lines)
