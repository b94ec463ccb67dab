"""The downloads of a load are `LoadAdmin.download_view` (ingest.admin.views); this function
is the same view called with the admin as an argument, as `ingest.bench` times it."""


def download_view(model_admin, request, object_id, what):
    return model_admin.download_view(request, object_id, what)
