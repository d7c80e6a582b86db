"""The instructor's page of where the class is stuck, in Chromium: it opens, its figure shows, it fetches nothing."""

from test_class import write_report

from .labdriver import SCREENSHOTS


def test_the_report_opens_with_its_figure_and_fetches_nothing(chromium, graded_class, tmp_path):
    page_file = write_report(graded_class, tmp_path)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = chromium.new_page()
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.set_viewport_size({"width": 1100, "height": 900})
    page.goto(page_file.as_uri())
    width = page.evaluate("document.querySelector('img').naturalWidth")
    rows = page.evaluate("document.querySelectorAll('tbody tr').length")
    page.screenshot(path=str(SCREENSHOTS / "class-report.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    page.reload()
    page_width = page.evaluate("document.documentElement.scrollWidth")
    page.screenshot(path=str(SCREENSHOTS / "class-report-phone.png"), full_page=True)
    page.close()
    assert width > 300 and rows > 10
    # Wide tables scroll inside themselves; the page itself never gets wider than the phone.
    assert page_width <= 390, page_width
    assert all(url.startswith(("file:", "data:")) for url in requests), requests
