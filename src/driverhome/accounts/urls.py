from django.contrib.auth import views as auth_views
from django.urls import path

from . import views, views_channels, views_setup

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
    # WeChat (drivers) and the unified identity platform (staff): see views_channels.
    path("wechat/", views_channels.wechat_start, name="wechat-start"),
    path("wechat/callback/", views_channels.wechat_callback, name="wechat-callback"),
    path("wechat/bind/", views_channels.wechat_bind, name="wechat-bind"),
    path("wechat/unbind/", views_channels.wechat_unbind, name="wechat-unbind"),
    path("sso/", views_channels.sso_start, name="sso-start"),
    path("sso/callback/", views_channels.sso_callback, name="sso-callback"),
]
