"""Messages in flight between processes for the database channel layer."""

from django.db import models


class BroadcastMessage(models.Model):
    """One group_send, kept briefly so every web process can deliver it to its sockets."""

    group = models.CharField(max_length=100)
    message = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"{self.group} #{self.pk}"
