"""Forms that more than one page shows: how their input is read, and the heartbeat dialog's state.

- ``parsing``: form input → the core's input models (``core/contracts.py``), and
  their errors → field → message dicts (the ``errors`` var of every page state);
- ``heartbeat``: ``HeartbeatFormState``, behind the create / edit heartbeat
  dialog of the service and heartbeat pages (its view is
  ``components/heartbeat_dialog.py``).

Why not under ``components/``: components only draw, and never touch the
database, while a form's state saves through ``core/``.  Why not under
``pages/``: no page imports another, and two pages share these.
"""
