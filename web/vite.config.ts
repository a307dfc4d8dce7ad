import path from "node:path";
import { fileURLToPath } from "node:url";
import { svelte } from "@sveltejs/vite-plugin-svelte";
import { defineConfig } from "vite";

const here = path.dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  root: here,
  plugins: [svelte()],
  build: { outDir: path.join(here, "dist"), emptyOutDir: true, reportCompressedSize: true },
});
