from django.contrib import admin
from django.urls import path

from api.loads.endpoints import api as load_api
from api.urls import partner_urls
from django.views.generic import RedirectView

from design.views import technical_design_view
from ledger.urls import moved_admin_urls

admin.site.site_header = "IC Integration Portal"
admin.site.site_title = "IC Integration Portal"
admin.site.index_title = "Billers, loads and exports"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
    path("admin/billers/biller/<int:object_id>/technical-design/",
         admin.site.admin_view(technical_design_view), name="technical_design"),
    *moved_admin_urls(),  # the ledger's pages before issue 16 lived under billers/ and exports/
    path("admin/", admin.site.urls),
    path("api/v1/loads/", load_api.urls),
    path("api/v1/", partner_urls()),
]
