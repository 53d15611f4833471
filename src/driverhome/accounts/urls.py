from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("login/code/", views.login_with_code, name="login-code"),
    path("password/reset/", views.password_reset, name="password-reset"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("home/", views.home, name="home"),
    path("organisations/", views.org_list, name="org-list"),
    path("organisations/new/", views.org_new, name="org-new"),
    path("organisations/<slug:code>/edit/", views.org_edit, name="org-edit"),
    path("users/", views.user_list, name="user-list"),
    path("users/new/", views.user_new, name="user-new"),
    path("users/<str:username>/edit/", views.user_edit, name="user-edit"),
    path("audit/", views.audit_list, name="audit-list"),
    path("access-log/", views.access_list, name="access-list"),
    path("tokens/", views.token_list, name="token-list"),
    path("tokens/<str:prefix>/revoke/", views.token_revoke, name="token-revoke"),
]
