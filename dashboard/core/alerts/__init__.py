"""Alerts (SPEC §6): channels, the flip → delivery outbox, sending with retries.

- ``channels``: channel CRUD, validation, secret masking, links, routing;
- ``dispatcher``: unprocessed flips → one delivery per routed channel; re-notify;
- ``delivery``: claim, send outside any transaction, record, back off; test sends;
- ``senders``: webhook (signed), email (SMTP), Apprise;
- ``payloads``: what the messages say;
- ``history``: deliveries and their attempts, for the notifications log;
- ``worker``: the background job and its thread pool (run by ``core/background.py``).
"""
