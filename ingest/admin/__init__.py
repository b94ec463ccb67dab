from django.contrib import admin

from ingest.admin.load_admin import LoadAdmin
from ingest.models import Load

admin.site.register(Load, LoadAdmin)
