from django.urls import path

from .views import cases, graph, itinerary, monitoring, outbreaks, stats, worklists

app_name = "investigation"

urlpatterns = [
    # Cases and contacts ("Truy vết dịch bệnh", R-E1, R-E4)
    path("cases/", cases.case_list, name="cases"),
    path("cases/new/", cases.case_new, name="case-new"),
    path("cases/picker/", cases.source_picker, name="source-picker"),
    path("cases/<int:case_id>/", cases.case_detail, name="case"),
    path("cases/<int:case_id>/edit/", cases.case_edit, name="case-edit"),
    path("cases/<int:case_id>/delete/", cases.case_delete, name="case-delete"),
    path("cases/<int:case_id>/confirm/", cases.case_confirm, name="case-confirm"),
    path("cases/<int:case_id>/send/", cases.case_send, name="case-send"),
    path("positive/<int:person_id>/open-case/", cases.open_case, name="open-case"),
    # Worklists
    path("reclassified/", worklists.reclassified, name="reclassified"),
    path(
        "reclassified/<int:case_id>/done/",
        worklists.reclassified_done,
        name="reclassified-done",
    ),
    path("checks/", worklists.chain_checks, name="checks"),
    # Investigation: itinerary and files (R-E3)
    path("cases/<int:case_id>/investigation/", itinerary.investigation, name="investigation"),
    path("itinerary/<int:entry_id>/edit/", itinerary.entry_edit, name="entry-edit"),
    path("itinerary/<int:entry_id>/delete/", itinerary.entry_delete, name="entry-delete"),
    path("cases/<int:case_id>/attachments/", itinerary.attachment_upload, name="attachment-upload"),
    path("attachments/<int:attachment_id>/", itinerary.attachment_download, name="attachment"),
    path(
        "attachments/<int:attachment_id>/delete/",
        itinerary.attachment_delete,
        name="attachment-delete",
    ),
    # Outbreaks (R-E2), the map and the transmission chains
    path("outbreaks/", outbreaks.outbreak_list, name="outbreaks"),
    path("outbreaks/<int:outbreak_id>/edit/", outbreaks.outbreak_edit, name="outbreak-edit"),
    path("outbreaks/<int:outbreak_id>/delete/", outbreaks.outbreak_delete, name="outbreak-delete"),
    path("map/", outbreaks.outbreak_map, name="map"),
    path("map/data/", outbreaks.map_data, name="map-data"),
    path("outbreaks/<int:outbreak_id>/chain/", graph.outbreak_chain, name="outbreak-chain"),
    path(
        "outbreaks/<int:outbreak_id>/chain/data/",
        graph.outbreak_chain_data,
        name="outbreak-chain-data",
    ),
    path("cases/<int:case_id>/chain/", graph.case_chain, name="case-chain"),
    path("cases/<int:case_id>/chain/data/", graph.case_chain_data, name="case-chain-data"),
    # Medical monitoring (R-E5)
    path("monitoring/", monitoring.monitoring_list, name="monitoring"),
    path("monitoring/<int:period_id>/", monitoring.period_detail, name="period"),
    path("monitoring/<int:period_id>/close/", monitoring.period_close, name="period-close"),
    # Statistics
    path("stats/", stats.investigation_stats, name="stats"),
]
