"""Drive a server with the PyPI client ``healthchecks-io`` 0.4.4 (run in its own venv: it needs httpx<0.28).

Usage: python hcio_session.py BASE_URL RW_KEY RO_KEY PING_KEY; prints one JSON object of what it saw.
Only the base URLs and keys differ from using it against Healthchecks.
"""

import json
import sys

from healthchecks_io import CheckCreate, CheckTrap, CheckUpdate, Client
from healthchecks_io.client.exceptions import CheckNotFoundError, HCAPIAuthError

base, rw, ro, ping_key = sys.argv[1:5]
seen = {}
client = Client(api_key=rw, ping_key=ping_key, api_url=f"{base}/api/", ping_url=f"{base}/ping/", api_version=3)
check = client.create_check(CheckCreate(name="hcio demo", tags="demo py", timeout=3600, grace=60))
seen["created"] = [check.name, check.status, check.ping_url == f"{base}/ping/{check.uuid}"]
cron = client.create_check(CheckCreate(name="hcio cron", schedule="*/5 * * * *", tz="Europe/Riga", unique=["name"]))
again = client.create_check(CheckCreate(name="hcio cron", schedule="*/5 * * * *", tz="Europe/Riga", unique=["name"]))
seen["upsert_same_uuid"] = cron.uuid == again.uuid
seen["listed_by_tags"] = [c.name for c in client.get_checks(tags=["demo", "py"])]
seen["get"] = client.get_check(check.uuid).name
seen["update_desc"] = client.update_check(check.uuid, CheckUpdate(desc="updated by healthchecks-io")).desc
seen["pings_sent"] = [client.start_ping(uuid=check.uuid)[0], client.success_ping(uuid=check.uuid, data="hello")[0],
                      client.fail_ping(uuid=check.uuid)[0], client.exit_code_ping(exit_code=0, uuid=check.uuid)[0]]
seen["pings"] = [(p.type, p.number_of_pings) for p in client.get_check_pings(check.uuid)]
seen["status_after_pings"] = client.get_check(check.uuid).status
seen["integrations"] = sorted(i.name for i in client.get_integrations())
seen["badge_tags"] = sorted(client.get_badges())
seen["paused"] = client.pause_check(check.uuid).status
with CheckTrap(client, uuid=cron.uuid):
    pass
after_trap = client.get_check(cron.uuid)
seen["after_trap"] = [after_trap.status, after_trap.n_pings]
try:
    client.success_ping(slug="no-such-slug")
    seen["unknown_slug"] = "accepted"
except CheckNotFoundError:
    seen["unknown_slug"] = "CheckNotFoundError"
read_only = Client(api_key=ro, api_url=f"{base}/api/", api_version=3)
listed = read_only.get_checks()
seen["read_only"] = sorted((c.name, c.uuid is None, len(c.unique_key or "")) for c in listed)
seen["read_only_get_by_unique_key"] = read_only.get_check(listed[0].unique_key).name
try:
    read_only.pause_check(check.uuid)
    seen["read_only_pause"] = "allowed"
except HCAPIAuthError:
    seen["read_only_pause"] = "HCAPIAuthError"
seen["deleted"] = client.delete_check(check.uuid).name
try:
    client.get_check(check.uuid)
    seen["get_deleted"] = "found"
except CheckNotFoundError:
    seen["get_deleted"] = "CheckNotFoundError"
print(json.dumps(seen))
