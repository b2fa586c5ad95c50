"""Last: every page the journey checked, as the server sent it, through the Nu HTML Checker
(vnu.jar) in one run."""

from .browser import vnu_errors


def test_every_page_of_the_journey_is_valid_html(pages_seen, vnu_jar, tmp_path):
    assert len(pages_seen.pages) >= 40, "the journey checked fewer pages than it should"
    files = []
    for seen in pages_seen.pages:
        path = tmp_path / f"{seen.name}.html"
        path.write_text(seen.html, encoding="utf-8")
        files.append(path)
    errors = vnu_errors(vnu_jar, files)
    by_page = {seen.name: seen.url for seen in pages_seen.pages}
    report = "\n".join(
        f"{by_page[e['url'].rsplit('/', 1)[-1][:-5]]} line {e.get('lastLine')}: {e['message']}"
        f"\n    {e.get('extract', '').strip()}"
        for e in errors
    )
    assert not errors, f"{len(errors)} HTML errors:\n{report}"
