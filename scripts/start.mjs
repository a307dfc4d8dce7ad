#!/usr/bin/env node
/**
 * npm start: build the UI, apply the local D1 migrations, start the relay and UI on
 * http://localhost:8787 with the outbox sink (nothing is really sent), and seed a demo.
 */
import { spawnSync } from "node:child_process";
import { DEMO, ROOT, QUIET_ENV, applyMigrations, ensureDevVars, seedDemo, startWrangler } from "./dev-server.mjs";

const port = Number(process.env.PORT ?? 8787);
if (!process.argv.includes("--no-build")) {
  const build = spawnSync("npx", ["vite", "build", "--config", "web/vite.config.ts", "--logLevel", "warn"], { cwd: ROOT, env: QUIET_ENV, stdio: "inherit" });
  if (build.status !== 0) process.exit(build.status ?? 1);
}
const vars = ensureDevVars();
applyMigrations();
const url = `http://localhost:${port}`;
const server = await startWrangler({ port, vars: { APP_URL: url }, log: (line) => process.stdout.write(line) });
const seeded = await seedDemo(server.url, vars.ADMIN_TOKEN);

console.log(`
Kakuremino is running on http://localhost:${port}  (outbox sink: nothing leaves this machine)
${seeded ? `Seeded the demo: ${DEMO.address} → ${DEMO.recipients.join(", ")} (verified)` : "Database already had addresses: no demo seeded."}
Admin token (from .dev.vars): ${vars.ADMIN_TOKEN}

  Inject a message:   npm run inject -- test/fixtures/iso2022jp-body-address.eml --from kaori.ito@example.com --to ${DEMO.address}${port === 8787 ? "" : ` --url ${url}`}
  See what was sent:  curl -s -H "Authorization: Bearer ${vars.ADMIN_TOKEN}" ${url}/api/outbox
  Sign in to the UI:  open ${url} and ask for a link for ${DEMO.owner} (owner: addresses, domains, users)
                      or staff.one@example.net (member: conversations); the link is in the outbox (kind "sign-in").
  Start afresh:       stop, rm -rf .wrangler/state, npm start
`);

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    server.stop();
    process.exit(0);
  });
}
server.child.on("exit", (code) => process.exit(code ?? 0));
