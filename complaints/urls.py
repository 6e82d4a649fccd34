from django.urls import path

from complaints import views

app_name = "complaints"

urlpatterns = [
    path("", views.ledger, name="list"),
    path("inbox/", views.inbox, name="inbox"),
    path("new/", views.register, name="register"),
    path("history/", views.citizen_history, name="citizen_history"),
    path("supervision/", views.supervision, name="supervision"),
    path("supervision/<int:pk>/answer/", views.supervision_answer, name="supervision_answer"),
    path("export/", views.ledger_export, name="export"),
    path("retention/", views.retention_runs, name="retention"),
    path("<case_number:number>/", views.detail, name="detail"),
    path("<case_number:number>/reveal/", views.reveal, name="reveal"),
    path("<case_number:number>/supervise/", views.supervise, name="supervise"),
    path("<case_number:number>/hold/", views.hold, name="hold"),
    path("<case_number:number>/hold/release/", views.hold_release, name="hold_release"),
    path("<case_number:number>/attachments/<int:pk>/", views.attachment, name="attachment"),
    path("<case_number:number>/<slug:code>/", views.action, name="action"),
]
