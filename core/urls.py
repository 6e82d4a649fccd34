from django.urls import path

from core import views

app_name = "core"

urlpatterns = [
    path("", views.workspace, name="workspace"),
    path("language/", views.language_switch, name="language_switch"),
    path("notices/", views.notices, name="notices"),
    path("notices/<int:pk>/", views.notice_open, name="notice_open"),
    path("notices/read/", views.notices_read_all, name="notices_read_all"),
    path("notices/settings/", views.notice_settings, name="notice_settings"),
    path("audit/", views.audit, name="audit"),
    path("audit/export/", views.audit_export, name="audit_export"),
    path("audit/lockouts/", views.lockouts, name="lockouts"),
]
