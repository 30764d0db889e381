// Drive a server with the npm client healthchecks-io-client 1.0.4.
// Usage: node npm_session.js BASE_URL RW_KEY; prints one JSON object of what it saw.
const { HealthChecksApiClient, HealthChecksPingClient } = require("healthchecks-io-client");

(async () => {
  const [base, apiKey] = process.argv.slice(2);
  const api = new HealthChecksApiClient({ apiKey, baseUrl: base, apiVersion: 3 });
  const seen = {};
  const check = await api.createCheck({ name: "npm demo", tags: "npm", timeout: 3600, grace: 60 });
  seen.created = [check.name, check.status];
  const ping = new HealthChecksPingClient({ uuid: check.uuid, baseUrl: `${base}/ping` });
  await ping.start();
  await ping.success("hello from node");
  await ping.fail();
  seen.listed = (await api.getChecks(["npm"])).checks.map((c) => c.name);
  seen.status = (await api.getCheck(check.uuid)).status;
  seen.updated = (await api.updateCheck(check.uuid, { desc: "updated via npm" })).desc;
  seen.pings = (await api.listPings(check.uuid)).pings.map((p) => p.type);
  const flips = await api.listFlips(check.uuid);
  seen.flips = (flips.flips || flips).map((f) => f.up);
  seen.integrations = (await api.getIntegrations()).channels.map((i) => i.name).sort();
  seen.paused = (await api.pauseCheck(check.uuid)).status;
  seen.deleted = (await api.deleteCheck(check.uuid)).name;
  try {
    await api.getCheck(check.uuid);
    seen.getDeleted = "found";
  } catch (error) {
    seen.getDeleted = error.statusCode || String(error);
  }
  console.log(JSON.stringify(seen));
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
