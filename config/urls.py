from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from core import sign_in
from core import views as core_views
from dashboard import views as dashboard_views

admin.site.site_header = _("Minsheng administration")
admin.site.site_title = _("Minsheng")
admin.site.index_title = _("Organisation settings")

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("accounts/login/", sign_in.SignInView.as_view(), name="login"),
    path("accounts/two-factor/", sign_in.two_factor, name="two_factor"),
    path("accounts/two-factor/recovery-codes/", sign_in.recovery_codes, name="recovery_codes"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("admin/", admin.site.urls),
    path("cases/", include("complaints.urls")),
    path("dashboard/", include("dashboard.urls")),
    path("hotline/", include("hotline.urls")),
    path("portal/stats/", dashboard_views.public_statistics, name="public_statistics"),
    path("portal/", include("hotline.portal_urls")),
    path("reception/", include("reception.urls")),
    path("", include("core.urls")),
]
