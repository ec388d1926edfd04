from django.urls import include, path

from vigil.core.permissions import OWN_ACCOUNT, public, requires

from . import views

app_name = "accounts"
urlpatterns = [
    path("login/", public(views.LoginView.as_view()), name="login"),
    path("logout/", public(views.LogoutView.as_view()), name="logout"),
    path("sso/", include("vigil.accounts.urls_sso")),
    path("", include("vigil.accounts.urls_2fa")),
    path("password/", requires(OWN_ACCOUNT)(views.PasswordChangeView.as_view()), name="password"),
    path("", views.account_list, name="list"),
    path("new/", views.account_create, name="create"),
    path("<int:user_id>/", views.account_edit, name="edit"),
    path("<int:user_id>/active/", views.account_set_active, name="set-active"),
    path("<int:user_id>/reset-password/", views.account_reset_password, name="reset-password"),
    path("requests/", views.request_list, name="requests"),
    path("requests/new/", views.request_create, name="request-create"),
    path("requests/<int:request_id>/approve/", views.request_approve, name="request-approve"),
    path("requests/<int:request_id>/reject/", views.request_reject, name="request-reject"),
    path("tokens/", views.token_list, name="tokens"),
    path("tokens/<int:token_id>/revoke/", views.token_revoke, name="token-revoke"),
]
