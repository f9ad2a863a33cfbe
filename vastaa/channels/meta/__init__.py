"""Meta: a Facebook Page and an Instagram professional account.

Comments and messages are pushed to Vastaa by Meta's webhooks (``webhook.py`` checks the
signature, ``parse.py`` turns a notification into canonical events); replies, hiding and
deleting go through the Graph API (``client.py``), which also polls for comments missed while
Vastaa was down. See docs/platforms/meta.md.
"""
