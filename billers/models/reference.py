"""Reference data from the technical designs: modification log, web services, redirects."""
from django.db import models
from simple_history.models import HistoricalRecords

from billers.models.biller import Integration


class IntegrationModification(models.Model):
    integration = models.CharField(max_length=20, choices=Integration.choices)
    jira_key = models.CharField("Jira key", max_length=30, unique=True)
    release_date = models.DateField(null=True, blank=True, help_text="Empty: TBD")
    previous_behaviour = models.TextField()
    desired_behaviour = models.TextField()
    business_case = models.TextField("business case / solution")
    file_formats = models.ManyToManyField("billers.FileFormat", blank=True, related_name="modifications",
                                          help_text="The file formats the modification changed.")
    settings = models.ManyToManyField("billers.AdvancedSetting", blank=True, related_name="modifications",
                                      help_text="The advanced settings the modification changed.")
    history = HistoricalRecords(m2m_fields=[file_formats, settings])

    class Meta:
        ordering = ["jira_key"]
        verbose_name = "integration modification"

    def __str__(self):
        return self.jira_key

    @property
    def released(self):
        return self.release_date.isoformat() if self.release_date else "TBD"


class WebService(models.Model):
    integration = models.CharField(max_length=20, choices=Integration.choices)
    group = models.CharField(max_length=100, blank=True, help_text="e.g. CloudCreditCardProcessing")
    name = models.CharField(max_length=100)
    purpose = models.TextField(help_text="When it is called and what for.")

    class Meta:
        ordering = ["integration", "name"]
        verbose_name = "IC web service"
        constraints = [models.UniqueConstraint(fields=["integration", "name"], name="one_service_name")]

    def __str__(self):
        return self.name


class PortalRedirect(models.Model):
    integration = models.CharField(max_length=20, choices=Integration.choices)
    code = models.PositiveIntegerField()
    destination = models.CharField(max_length=200)

    class Meta:
        ordering = ["integration", "code"]
        verbose_name = "customer-portal redirect"
        constraints = [models.UniqueConstraint(fields=["integration", "code"], name="one_redirect_code")]

    def __str__(self):
        return f"{self.code} = {self.destination}"
