"""Small pieces shared by the apps' admin classes."""


class ReadOnlyMixin:
    """For a ModelAdmin or an inline whose rows are written by the pipelines (loads, exports,
    events): whoever has the view permission reads them; nobody adds, edits or deletes here."""

    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
