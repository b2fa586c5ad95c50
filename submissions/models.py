"""One row per form submission that saved something, so the same submission never saves twice."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class Submission(models.Model):
    """A create form's one-time token, with what was sent, claimed by the first POST carrying it.

    `key` is a digest of the person, the token and the form's content: a double click or a
    resent form has the same key, so the unique constraint lets only the first through, even
    when the copies arrive at once. The rest are sent to `result_url`, where the first went.
    """

    key = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    claimed_at = models.DateTimeField(default=timezone.now, db_index=True)
    result_url = models.TextField(blank=True)

    def __str__(self):
        return f"{self.user} at {self.claimed_at:%Y-%m-%d %H:%M}: {self.result_url}"
