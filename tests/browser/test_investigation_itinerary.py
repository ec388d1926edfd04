"""A tracer's investigation in a desktop Chromium (R-E3, seed §II.10d Bước
3–4): an itinerary row added inline, changed inline, and a file attached."""

from vigil.accounts.models import Task
from vigil.investigation.models import Attachment, Case, ItineraryEntry

from ..conftest import PASSWORD
from .conftest import log_in

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def test_a_tracer_adds_an_itinerary_row_and_a_file(
    site, desktop_page, make_user, make_person, places, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    make_user("cdc.pn", places.commune, tasks=[Task.CDC])
    case = Case.objects.create(
        person=make_person(places.commune, "Phan Văn Điều"),
        code="BN2001",
        kind="confirmed",
        level=0,
        residence=places.commune,
        detection=places.commune,
    )
    page = desktop_page
    log_in(page, site, "cdc.pn", PASSWORD)
    page.goto(f"{site}/investigation/cases/{case.pk}/investigation/")
    page.fill("#id_new-time", "15h30")
    page.fill("#id_new-date", "03/08/2021")
    page.fill("#id_new-description", "Chợ Đông Ba")
    page.click("#entry-add-save")
    page.wait_for_selector("#itinerary-rows .entry-row")
    row = page.inner_text("#itinerary-rows")
    assert "Chợ Đông Ba" in row and "15:30" in row and "03/08/2021" in row
    entry = ItineraryEntry.objects.get(case=case)

    # Inline edit: the row becomes a form and back (htmx), no page load.
    page.click(f"#entry-{entry.pk} .entry-edit")
    page.wait_for_selector(f"#entry-{entry.pk} .entry-form")
    page.fill(f"#entry-{entry.pk} input[name=description]", "Chợ Bến Ngự")
    page.click(f"#entry-{entry.pk} .entry-save")
    page.wait_for_selector(f"#entry-{entry.pk} .entry-description")
    assert page.inner_text(f"#entry-{entry.pk} .entry-description") == "Chợ Bến Ngự"

    pdf = tmp_path / "phieu-dieu-tra.pdf"
    pdf.write_bytes(PDF)
    page.set_input_files("#id_file", str(pdf))
    page.click("#attachment-save")
    page.wait_for_selector("#attachments .attachment-link")
    assert page.inner_text("#attachments .attachment-link") == "phieu-dieu-tra.pdf"
    assert page.inner_text("#attachment-count") == "1"
    assert "Chợ Bến Ngự" in page.inner_text("#itinerary-rows")
    assert Attachment.objects.get(case=case).content_type == "application/pdf"
