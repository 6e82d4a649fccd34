from django.urls import path

from dashboard import views

app_name = "dashboard"

urlpatterns = [
    path("", views.leadership, name="leadership"),
    path("department/", views.department, name="department"),
    path("indicators/", views.indicators, name="indicators"),
    path("report/", views.report, name="report"),
    path("report/xlsx/", views.report_download, name="report_xlsx"),
]
