from django.contrib import admin
from django.urls import path

from api.urls import partner_urls
from django.views.generic import RedirectView

admin.site.site_header = "IC Integration Portal"
admin.site.site_title = "IC Integration Portal"
admin.site.index_title = "Billers, loads and exports"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
    path("admin/", admin.site.urls),
    path("api/v1/", partner_urls()),
]
