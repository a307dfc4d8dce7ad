import path from "node:path";
import { fileURLToPath } from "node:url";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { svelte } from "@sveltejs/vite-plugin-svelte";
import { defineConfig } from "vitest/config";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** Fixed secrets for tests only: a test key, never a deployment's. */
export const TEST_BINDINGS = {
  ADMIN_TOKEN: "test-admin-token",
  DATA_KEY: "dGVzdC1vbmx5LWtleS0wMTIzNDU2Nzg5YWJjZGVmMDEyMzQ1Njc4OWFiY2RlZg==",
  APP_URL: "http://relay.test",
  // The SMTP adapter's tests talk to a local server (test/smtp-server.setup.ts).
  SMTP_PRIVATE_HOSTS: "127.0.0.1",
};

export default defineConfig(async () => {
  const migrations = await readD1Migrations(path.join(root, "db/migrations"));
  return {
    root,
    test: {
      projects: [
        {
          plugins: [
            cloudflareTest({
              main: path.join(root, "worker/index.ts"),
              wrangler: { configPath: path.join(root, "wrangler.toml") },
              miniflare: { bindings: { ...TEST_BINDINGS, TEST_MIGRATIONS: migrations } },
            }),
          ],
          test: {
            name: "workers",
            root,
            include: ["test/worker/**/*.test.ts", "test/db/**/*.test.ts"],
            setupFiles: ["test/setup.ts"],
            globalSetup: ["test/global-setup.ts", "test/smtp-server.setup.ts", "test/webhook-server.ts"],
            testTimeout: 60_000,
          },
        },
        {
          // The web UI's state modules (Svelte runes in *.svelte.ts), tested without rendering.
          plugins: [svelte()],
          test: { name: "web", root, include: ["test/web/**/*.test.ts"], environment: "node" },
        },
        {
          test: {
            name: "node",
            root,
            include: ["test/e2e/**/*.test.ts", "test/node/**/*.test.ts"],
            environment: "node",
            testTimeout: 180_000,
            hookTimeout: 180_000,
            fileParallelism: false,
          },
        },
      ],
    },
  };
});
