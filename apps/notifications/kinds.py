"""The kinds of notification a person can choose how to receive, and how by default.

A kind groups the events one person thinks of as one thing ("my work came back from review"
whether it was approved, returned or rejected). Which event makes which kind, for whom, is in
:mod:`apps.notifications.rules`.
"""

from django.db import models


class Kind(models.TextChoices):
    REVIEW_WAITING = "review_waiting", "Work waiting for my review"
    WORK_DECIDED = "work_decided", "My work approved, returned or rejected"
    JOB_DONE = "job_done", "My jobs finished or failed"
    CREDITS_LOW = "credits_low", "Credits running low (owners and admins)"
    PAYMENT_FAILED = "payment_failed", "A payment failed (owners and admins)"
    INVITATION_ACCEPTED = "invitation_accepted", "Someone accepted my invitation"


class Delivery(models.TextChoices):
    """How a kind reaches a person by e-mail; the bell in the app shows every notification."""

    IMMEDIATE = "immediate", "E-mail at once"
    DIGEST = "digest", "In the daily digest"
    OFF = "off", "No e-mail"


# What a person gets before they change anything: what needs them now arrives at once; what
# they only want to know about waits for the day's digest.
DEFAULT_DELIVERY: dict[str, str] = {
    Kind.REVIEW_WAITING: Delivery.DIGEST,
    Kind.WORK_DECIDED: Delivery.IMMEDIATE,
    Kind.JOB_DONE: Delivery.DIGEST,
    Kind.CREDITS_LOW: Delivery.IMMEDIATE,
    Kind.PAYMENT_FAILED: Delivery.IMMEDIATE,
    Kind.INVITATION_ACCEPTED: Delivery.DIGEST,
}

# An unsubscribe link from a digest names no one kind: it stops every notification e-mail.
ALL_KINDS = "all"
