from django.urls import path

from .views import checkin, establishments, guests, imports, police, stats

app_name = "lodging"

urlpatterns = [
    # The catalogue (police and the operations centre) and the PMS keys
    path("establishments/", establishments.establishment_list, name="establishments"),
    path("establishments/new/", establishments.establishment_new, name="establishment-new"),
    path(
        "establishments/<int:establishment_id>/",
        establishments.establishment_detail,
        name="establishment",
    ),
    path(
        "establishments/<int:establishment_id>/edit/",
        establishments.establishment_edit,
        name="establishment-edit",
    ),
    path(
        "establishments/<int:establishment_id>/tokens/",
        establishments.token_new,
        name="token-new",
    ),
    path("pms-keys/<int:pms_token_id>/revoke/", establishments.token_revoke, name="token-revoke"),
    # The reception: check-in, group check-in, check-out, the register
    path("check-in/", checkin.check_in, name="check-in"),
    path("check-in/group/", checkin.group_check_in, name="group-check-in"),
    path("guests/", guests.guest_list, name="guests"),
    path("guests/<int:guest_stay_id>/", guests.guest_detail, name="guest"),
    path("guests/<int:guest_stay_id>/edit/", guests.guest_edit, name="guest-edit"),
    path("guests/<int:guest_stay_id>/check-out/", guests.check_out, name="check-out"),
    # The paper guest register
    path("import/", imports.import_register, name="import"),
    path("import/template.xlsx", imports.import_template, name="import-template"),
    # The police view (R-A2) and the statistics
    path("police/", police.police_view, name="police"),
    path("stats/", stats.guest_stats, name="stats"),
]
