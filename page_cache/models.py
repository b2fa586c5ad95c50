from django.db import models


class TableVersion(models.Model):
    """How many committed transactions have written to a table: a cached page records the
    versions of the tables it read, and is served again only while they are unchanged."""

    name = models.CharField(max_length=100, primary_key=True)
    version = models.BigIntegerField(default=0)

    def __str__(self):
        return f"{self.name} at version {self.version}"
