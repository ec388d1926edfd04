from django.urls import path

from . import views

app_name = "quarantine"
urlpatterns = [
    path("", views.stay_list, name="list"),
    path("ended/", views.stay_list, {"ended": True}, name="ended"),
    path("to-take-in/", views.to_take_in_list, name="to-take-in"),
    path("intake/", views.intake, name="intake"),
    path("intake/beds/", views.bed_options, name="beds"),
    path("intake/room/", views.room_occupants, name="room"),
    path("stays/<int:stay_id>/", views.stay_detail, name="stay"),
    path("stays/<int:stay_id>/move/", views.stay_move, name="stay-move"),
    path("stays/<int:stay_id>/extend/", views.stay_extend, name="stay-extend"),
    path("stays/<int:stay_id>/end/", views.stay_end, name="stay-end"),
    path("stays/<int:stay_id>/delete/", views.stay_delete, name="stay-delete"),
    path("facilities/", views.facility_list, name="facilities"),
    path("facilities/new/", views.facility_create, name="facility-new"),
    path("facilities/<int:facility_id>/", views.facility_detail, name="facility"),
    path("facilities/<int:facility_id>/edit/", views.facility_edit, name="facility-edit"),
    path("facilities/<int:facility_id>/rooms/", views.facility_rooms, name="facility-rooms"),
    path("board/", views.board, name="board"),
]
