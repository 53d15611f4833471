from django.contrib.auth import views as auth_views
from django.urls import path

from . import views, views_setup

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("login/code/", views.login_with_code, name="login-code"),
    path("password/reset/", views.password_reset, name="password-reset"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("home/", views.home, name="home"),
    path("organisations/", views.org_list, name="org-list"),
    path("organisations/import/", views_setup.org_import, name="org-import"),
    path(
        "organisations/import/template.xlsx",
        views_setup.org_import_template,
        name="org-import-template",
    ),
    path("password/set/<str:uidb64>/<str:token>/", views_setup.password_set, name="password-set"),
    path("audit/", views.audit_list, name="audit-list"),
    path("access-log/", views.access_list, name="access-list"),
    path("tokens/", views.token_list, name="token-list"),
    path("tokens/<str:prefix>/revoke/", views.token_revoke, name="token-revoke"),
]
