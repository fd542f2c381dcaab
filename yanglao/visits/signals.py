"""The schedule follows each elder at once: a file that is no longer active leaves it,
a file that moves to another village carries its row along (the nightly refresh then
recomputes the requirements). The overdue list can so read the schedule alone."""

from __future__ import annotations

from django.db.models.signals import post_save
from django.dispatch import receiver

from yanglao.elders.models import Elder, ElderStatus

from .models import Pairing, VisitDue


@receiver(post_save, sender=Elder, dispatch_uid="visits.follow_elder")
def follow_elder(sender, instance: Elder, **kwargs) -> None:
    if kwargs.get("raw"):
        return
    if instance.status != ElderStatus.ACTIVE:
        VisitDue.objects.filter(elder_id=instance.pk).delete()
        return
    VisitDue.objects.filter(elder_id=instance.pk).exclude(region_path=instance.region_path).update(
        region_path=instance.region_path
    )
    Pairing.objects.filter(elder_id=instance.pk, ends_on__isnull=True).exclude(
        region_path=instance.region_path
    ).update(region_path=instance.region_path)
