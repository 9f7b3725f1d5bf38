"""Billing writes, one module per concern (import the module you need; nothing is re-exported):

- ``credits``: the credit API other apps call around their work (check, reserve, settle,
  release, refund, charge) and site administrators' corrections; ``batches``: a whole batch's
  credits held when it is queued.
- ``ledger``: the balance moves through keyed ledger rows; the account's other state is saved
  field by field. ``accounts``: opening an account and the lock helpers every writer uses.
- ``overage``: overage reported to (and withdrawn from) Stripe's meter.
- ``seats``: the invitation guard at the plan's seat limit.
- ``plan_changes``: plans put on a workspace without Stripe, and their monthly renewal.
- ``checkout``: Stripe Checkout and the customer portal for a billing manager.
- ``webhooks``: Stripe's events, applied once each.

Services a person triggers take ``actor`` (an :class:`~apps.workspaces.actors.Actor`) and check
``Action.MANAGE_BILLING`` themselves; system work (jobs, renewals, Stripe's events) takes the
workspace or ids. Site administrators act from the Django admin, outside any workspace: their
services take ``site_admin`` and refuse anyone who is not staff.
"""
