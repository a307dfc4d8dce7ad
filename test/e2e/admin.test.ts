/**
 * The admin UI in Debian's Chromium against `wrangler dev` (issue #5): the operator creates an
 * account; its owner signs in through the mailed invitation and, in the browser, creates an
 * address, sets its banner, blocks a sender, invites a recipient, sets an SMTP sender, claims a
 * domain (the DNS check fails against a fake resolver and says which record it wants), reads the
 * usage, invites an admin and reads the audit log. The admin sees no Users page; the recipient,
 * once confirmed (the button behind its link), signs in as a member who sees only its own pages
 * and removes itself, which signs it out; the owner finally deletes the address and the account.
 * Screenshots of both languages go to test-results/screenshots (docs/screenshots with
 * SAVE_SCREENSHOTS=1).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { type Browser, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT, adminApi, applyMigrations, startWrangler } from "../../scripts/dev-server.mjs";
import { CHROMIUM, launchChromium, screenshot, seriousViolations } from "../helpers/chromium";
import { mailedLinks, SIGN_IN_LINK, VERIFY_LINK } from "../helpers/mailed-links";

const PORT = 18790;
const DOH_PORT = 18791;
const URL = `http://localhost:${PORT}`;
const TOKEN = "admin-ui-token";
const SHOTS = path.join(ROOT, process.env.SAVE_SCREENSHOTS ? "docs/screenshots" : "test-results/screenshots");
const OWNER = "chair@sakura-pta.example";
const ADMIN = "vice@sakura-pta.example";
const PARENT = "parent.one@example.net";
const ADDRESS = "pta@relay.example.jp";

let server: Awaited<ReturnType<typeof startWrangler>>;
let doh: Server;
let browser: Browser;
const persistTo = mkdtempSync(path.join(tmpdir(), "kakuremino-admin-"));
const operator = () => adminApi(`http://127.0.0.1:${PORT}`, TOKEN);
const mail = mailedLinks(async () => (await operator()("GET", "/api/outbox")).body, URL);
const mailedLink = mail.link;
const signIn = mail.signIn;

async function newPage(locale = "en-US"): Promise<[BrowserContext, Page]> {
  // bypassCSP only lets the test inject axe-core.
  const context = await browser.newContext({ locale, bypassCSP: true, viewport: { width: 1200, height: 900 } });
  return [context, await context.newPage()];
}

const shot = (page: Page, name: string, full = true) => screenshot(page, path.join(SHOTS, name), full);

const navLinks = async (page: Page) => page.getByRole("navigation", { name: /Sections|メニュー/ }).getByRole("link").allTextContents();
const go = async (page: Page, hash: string, heading: RegExp) => {
  await page.evaluate((h) => (location.hash = h), hash);
  await page.getByRole("heading", { level: 1, name: heading }).waitFor();
};

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  // A DNS-over-HTTPS resolver that knows no record: every verification fails as it would
  // before the customer set the TXT record (RCODE 3, NXDOMAIN).
  doh = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "application/dns-json" });
    res.end(JSON.stringify({ Status: 3 }));
  });
  await new Promise<void>((resolve) => doh.listen(DOH_PORT, "127.0.0.1", resolve));
  applyMigrations(persistTo);
  server = await startWrangler({ port: PORT, persistTo, vars: { ADMIN_TOKEN: TOKEN, DATA_KEY: Buffer.alloc(32, 9).toString("base64"), APP_URL: URL, DOH_URL: `http://127.0.0.1:${DOH_PORT}/dns-query` } });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  server?.stop();
  doh?.close();
  rmSync(persistTo, { recursive: true, force: true });
});

describe.skipIf(!existsSync(CHROMIUM))("the admin UI by role, in Chromium", () => {
  it("an owner sets up an account; an admin has no Users page; a member sees only its own pages", async () => {
    const created = await operator()("POST", "/api/accounts", { name: "Sakura PTA", plan: "free", ownerEmail: OWNER });
    expect(created.status).toBe(201);

    // The owner follows the invitation.
    const [ownerContext, page] = await newPage();
    await page.goto(await mailedLink("sign-in", OWNER, SIGN_IN_LINK));
    await page.getByText(OWNER).waitFor();
    expect(await navLinks(page)).toEqual(["Inbox", "My addresses", "Forms", "Addresses", "Domains", "Audit log", "Account", "Users"]);

    // A public address on the service domain, then its settings.
    await go(page, "#/addresses", /Public addresses/);
    await page.getByText("Domains you can use: relay.example.jp").waitFor();
    await page.getByLabel("Address", { exact: true }).fill(ADDRESS);
    await page.getByLabel("Display name").fill("Sakura PTA desk");
    await page.getByRole("button", { name: "Create", exact: true }).click();
    await page.getByRole("heading", { level: 1, name: ADDRESS }).waitFor();
    await page.getByLabel("Notice banner").fill("Please do not send personal documents by mail.");
    await page.getByLabel("Keep messages for (days)").fill("90");
    await page.getByRole("button", { name: "Save", exact: true }).first().click();
    await page.getByText("Saved", { exact: true }).waitFor();
    await page.getByRole("button", { name: "Disable" }).click();
    await page.getByText("Disabled: mail to this address is refused.").waitFor();
    await page.getByRole("button", { name: "Enable" }).click();
    await page.getByRole("form", { name: "Settings" }).getByText("active", { exact: true }).waitFor();

    // A sender rule; a pattern that is neither an address nor @domain is refused with a message.
    await page.getByLabel("Address or @domain").fill("spam");
    await page.getByRole("button", { name: "Add rule" }).click();
    await page.getByRole("alert").filter({ hasText: "not valid" }).waitFor();
    await page.getByLabel("Address or @domain").fill("@spam.example");
    await page.getByRole("button", { name: "Add rule" }).click();
    await expect.poll(() => page.getByRole("list", { name: "Rules" }).getByRole("listitem").allInnerTexts()).toEqual([expect.stringMatching(/^Block\s+@spam\.example\s+Remove/)]);

    // A recipient, a web form and the address's own SMTP sender.
    await page.getByLabel("Invite a recipient (e-mail)").fill(PARENT);
    await page.getByRole("button", { name: "Invite", exact: true }).click();
    const recipientRow = page.getByRole("table", { name: "Recipients" }).getByRole("row").filter({ hasText: PARENT });
    await expect.poll(() => recipientRow.getByRole("cell").nth(1).innerText()).toBe("invited, not confirmed");
    // Rotation: the new list is previewed, then applied in one request.
    await page.getByText("Replace all recipients").click();
    // Opening it starts from the current set (filled in by the toggle event, which comes later).
    await expect.poll(() => page.getByLabel("The new set of recipients, one address per line").inputValue()).toBe(PARENT);
    await page.getByLabel("The new set of recipients, one address per line").fill(`${PARENT}\nparent.two@example.net\nnot an address`);
    await page.getByRole("heading", { name: "Not an address (1)" }).waitFor();
    expect(await page.getByRole("button", { name: "Apply" }).isDisabled()).toBe(true);
    await page.getByLabel("The new set of recipients, one address per line").fill(`${PARENT}\nparent.two@example.net`);
    expect(await page.getByRole("heading", { level: 3 }).filter({ hasText: /\(\d\)$/ }).allInnerTexts()).toEqual(["Will be invited (1)", "Kept (1)"]);
    await page.getByRole("button", { name: "Apply" }).click();
    await page.getByText("1 invited, 0 removed, 1 kept.").waitFor();
    await page.getByRole("table", { name: "Recipients" }).getByRole("row").filter({ hasText: "parent.two@example.net" }).waitFor();
    await page.getByLabel("Form name").fill("Contact the PTA");
    await page.getByLabel(/^Sites allowed to post with fetch\(\)/).fill("https://www.sakura-pta.example");
    await page.getByRole("button", { name: "Create form" }).click();
    await page.getByRole("heading", { level: 3, name: "Contact the PTA" }).waitFor();
    await page.getByText("Sites allowed to post with JavaScript: https://www.sakura-pta.example").waitFor();
    // A form made by mistake is deleted after a confirmation; the other stays.
    await page.getByLabel("Form name").fill("Old survey");
    await page.getByRole("button", { name: "Create form" }).click();
    await page.getByRole("heading", { level: 3, name: "Old survey" }).waitFor();
    await page.getByRole("button", { name: "Delete form Old survey" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Delete form Old survey" }).click();
    await expect.poll(() => page.getByRole("region", { name: "Web forms" }).getByRole("heading", { level: 3 }).allInnerTexts()).toEqual(["Contact the PTA"]);

    // A webhook recipient's signing secret and a system's API key are shown once; the key is revoked.
    await page.getByLabel("Webhook URL (https)").fill("https://hooks.example.com/kakuremino");
    await page.getByRole("button", { name: "Add a webhook recipient" }).click();
    const secret = page.getByLabel(/^Signing secret/);
    await expect.poll(() => secret.inputValue()).toMatch(/^whsec_/);
    // The label field says what it takes (not "API keys", which read as a list of them).
    expect(await page.getByLabel(`Label of a new API key for ${PARENT}`).getAttribute("placeholder")).toBe("Label (optional), e.g. CRM");
    await page.getByLabel(`Label of a new API key for ${PARENT}`).fill("CRM");
    await page.getByRole("button", { name: "Create API key" }).first().click();
    await expect.poll(() => page.getByLabel(/^API key/).inputValue()).toMatch(/^km_[a-z2-7]+$/);
    expect(await secret.count()).toBe(0);
    await page.getByRole("button", { name: "Revoke key CRM" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Revoke key CRM" }).click();
    await expect.poll(() => page.getByRole("button", { name: "Revoke key CRM" }).count()).toBe(0);
    await page.getByLabel("Your own SMTP server").check();
    await page.getByLabel("SMTP host").fill("smtp.sakura-pta.example.com");
    await page.getByLabel("User name").fill("desk");
    const senderSave = page.getByRole("region", { name: "Sender of replies" }).getByRole("button", { name: "Save" });
    await senderSave.click();
    await page.getByRole("alert").filter({ hasText: "Enter the SMTP password" }).waitFor();
    await page.getByLabel("Password").fill("app-password-1");
    await senderSave.click();
    await page.getByText("Sender saved.").waitFor();
    expect(await page.getByTestId("sender-current").innerText()).toBe("SMTP desk@smtp.sakura-pta.example.com:587");
    expect(await page.getByLabel("Password").inputValue()).toBe("");
    expect(await seriousViolations(page)).toEqual([]);
    await shot(page, "en-admin-address.png");
    const addressHash = await page.evaluate(() => location.hash);

    // The banner and retention were saved: a reload shows them from the server.
    await page.reload();
    await page.getByRole("heading", { level: 1, name: ADDRESS }).waitFor();
    expect(await page.getByLabel("Notice banner").inputValue()).toBe("Please do not send personal documents by mail.");
    expect(await page.getByLabel("Keep messages for (days)").inputValue()).toBe("90");

    await go(page, "#/addresses", /Public addresses/);
    expect(await page.getByRole("row").filter({ hasText: ADDRESS }).getByRole("cell").allInnerTexts()).toEqual([ADDRESS, "Sakura PTA desk", "active", "3"]);
    await shot(page, "en-admin-addresses.png", false);

    // A customer domain: the records to set, and a check that says what it did not find.
    await go(page, "#/domains", /^Domains$/);
    await page.getByLabel("Domain name").fill("sakura-pta.example");
    await page.getByRole("button", { name: "Add domain" }).click();
    const records = page.getByRole("table", { name: "DNS records for sakura-pta.example" });
    await expect.poll(async () => (await records.getByRole("row").allInnerTexts()).length).toBe(6);
    expect(await records.getByRole("row").nth(1).innerText()).toMatch(/^TXT\s+_kakuremino\.sakura-pta\.example\s+kakuremino-verify=[a-z2-7]+$/);
    expect(await records.getByRole("row").nth(2).innerText()).toMatch(/^MX\s+sakura-pta\.example\s+route1\.mx\.cloudflare\.net$/);
    await page.getByRole("button", { name: "Check now" }).click();
    await page.getByRole("alert").filter({ hasText: "The DNS records were not found yet" }).waitFor();
    expect(await page.getByRole("alert").innerText()).toMatch(/No TXT record "kakuremino-verify=[a-z2-7]+" at _kakuremino\.sakura-pta\.example yet/);
    expect(await seriousViolations(page)).toEqual([]);
    await shot(page, "en-admin-domains.png");

    // Usage against the Free plan.
    await go(page, "#/account", /^Account$/);
    const usage = (label: string) => page.getByRole("listitem").filter({ hasText: label }).locator(".count").innerText();
    await expect.poll(() => usage("Public addresses")).toBe("1 / 5");
    expect(await usage("Recipients")).toBe("3 / 20");
    expect(await usage("Custom domains")).toMatch(/^1 \/ 1\s*near the limit$/);
    expect(await page.getByRole("meter", { name: "Public addresses" }).getAttribute("value")).toBe("1");
    expect(await seriousViolations(page)).toEqual([]);
    await shot(page, "en-admin-account.png");

    // An admin user; the last owner cannot step down.
    await go(page, "#/users", /^Users$/);
    await page.getByLabel("Invite a user (e-mail)").fill(ADMIN);
    await page.getByLabel("Role", { exact: true }).selectOption("admin");
    await page.getByRole("button", { name: "Invite", exact: true }).click();
    const adminRow = page.getByRole("row").filter({ hasText: ADMIN });
    await expect.poll(() => adminRow.getByRole("combobox").inputValue()).toBe("admin");
    const ownerRole = page.getByRole("combobox", { name: `Role of ${OWNER}` });
    await ownerRole.selectOption("member");
    await page.getByRole("alert").filter({ hasText: "The account needs at least one owner" }).waitFor();
    expect(await ownerRole.inputValue()).toBe("owner");
    expect(await seriousViolations(page)).toEqual([]);
    await shot(page, "en-admin-users.png");

    // The audit log names who did what.
    await go(page, "#/audit", /Audit log/);
    // Creating the account is the operator's action: in the operator's trail, and in this one as "operator".
    await expect.poll(() => page.getByRole("row").count()).toBe(18);
    const actions = await page.locator("tbody tr td:nth-child(3)").allInnerTexts();
    expect(actions.slice().reverse()).toEqual([
      "account.create",
      "address.create",
      "address.update:noticeBanner,retentionDays",
      "address.update:status",
      "address.update:status",
      "sender-rule.create:block",
      "recipient.invite",
      "recipient.invite",
      "form.create",
      "form.create",
      "form.delete",
      "recipient.webhook.add",
      "api-key.create",
      "api-key.revoke",
      "address.sender:smtp",
      "domain.add",
      "user.invite:admin",
    ]);
    const actors = await page.locator("tbody tr td:nth-child(2)").allInnerTexts();
    expect(actors.at(-1)).toBe("operator");
    expect(new Set(actors.slice(0, -1))).toEqual(new Set([OWNER]));
    expect(await page.getByRole("link", { name: "Download CSV" }).getAttribute("href")).toBe("/api/audit.csv");
    const csv = await page.evaluate(async () => (await fetch("/api/audit.csv")).text());
    expect(csv.split("\r\n")[0]).toBe("time,actor,actor_email,action,target,ip");
    expect(csv).toContain(`,${OWNER},user.invite:admin,`);
    expect(await seriousViolations(page)).toEqual([]);
    await shot(page, "en-admin-audit.png");

    // The same pages in Japanese.
    await page.getByLabel("Language").selectOption("ja");
    for (const [hash, heading, name] of [
      ["#/addresses", /公開アドレス/, "addresses"],
      [addressHash, new RegExp(ADDRESS), "address"],
      ["#/domains", /ドメイン/, "domains"],
      ["#/account", /アカウント/, "account"],
      ["#/users", /ユーザー/, "users"],
      ["#/audit", /監査ログ/, "audit"],
    ] as const) {
      await go(page, hash, heading);
      if (name === "account") await expect.poll(() => usage("公開アドレス")).toBe("1 / 5");
      if (name === "domains") await page.getByRole("button", { name: "今すぐ確認" }).waitFor();
      await shot(page, `ja-admin-${name}.png`, name !== "addresses");
    }
    await ownerContext.close();

    // The admin: everything but Users, and #/users shows the inbox.
    const [adminContext, adminPage] = await newPage();
    await adminPage.goto(await mailedLink("sign-in", ADMIN, SIGN_IN_LINK));
    await adminPage.getByText(ADMIN).waitFor();
    expect(await navLinks(adminPage)).toEqual(["Inbox", "My addresses", "Forms", "Addresses", "Domains", "Audit log", "Account"]);
    await adminPage.evaluate(() => (location.hash = "#/users"));
    await adminPage.getByText("Choose a conversation on the left.").waitFor();
    await go(adminPage, "#/account", /^Account$/);
    expect(await adminPage.getByLabel("Account name").count()).toBe(0);
    await adminContext.close();

    // The recipient confirms, signs in as a member, and leaves the address.
    // Opening the link shows a button (a link scanner confirms nothing); pressing it confirms.
    const [confirmContext, confirmPage] = await newPage();
    await confirmPage.goto(await mailedLink("verification", PARENT, VERIFY_LINK));
    await confirmPage.getByRole("button", { name: "Confirm / 確認する" }).click();
    await confirmPage.getByRole("heading", { name: "Confirmed / 確認しました" }).waitFor();
    await confirmContext.close();
    const [memberContext, memberPage] = await newPage();
    await signIn(memberPage, PARENT);
    await memberPage.getByText(PARENT).waitFor();
    expect(await navLinks(memberPage)).toEqual(["Inbox", "My addresses", "Forms"]);
    await memberPage.evaluate(() => (location.hash = "#/addresses"));
    await memberPage.getByText("Choose a conversation on the left.").waitFor();
    expect(await memberPage.getByRole("heading", { name: "Public addresses" }).count()).toBe(0);
    await go(memberPage, "#/me", /My addresses/);
    expect(await memberPage.getByRole("row").filter({ hasText: ADDRESS }).getByRole("cell").first().innerText()).toBe(ADDRESS);
    await memberPage.getByRole("button", { name: "Remove me" }).click();
    await memberPage.getByRole("dialog").getByRole("button", { name: "Remove me" }).click();
    // It was the member's only address in the account: its membership and session end with it.
    await memberPage.getByText("You were removed. That was your last public address in this account, so you were signed out of it.").waitFor();
    await memberPage.getByRole("heading", { level: 1, name: "Sign in" }).waitFor();
    expect(await memberPage.evaluate(async () => (await fetch("/api/session/me")).status)).toBe(401);
    await memberContext.close();

    // The owner deletes the address, renames the account and deletes it, typing its name.
    const [endContext, endPage] = await newPage();
    await signIn(endPage, OWNER);
    await endPage.getByText(OWNER).waitFor();
    await go(endPage, addressHash, new RegExp(ADDRESS));
    await endPage.getByRole("button", { name: "Delete this address" }).click();
    expect(await endPage.getByRole("dialog").innerText()).toContain(`Delete ${ADDRESS}? This deletes its 2 recipient(s)`);
    await endPage.getByRole("dialog").getByRole("button", { name: "Delete this address" }).click();
    await endPage.getByText("No public address yet.").waitFor();
    await go(endPage, "#/account", /^Account$/);
    await endPage.getByLabel("Account name").fill("Sakura PTA 2027");
    await endPage.getByRole("button", { name: "Rename" }).click();
    await endPage.getByText("Saved", { exact: true }).waitFor();
    const confirmName = endPage.getByLabel("Type the account's name (Sakura PTA 2027) to confirm");
    await confirmName.fill("Sakura PTA");
    expect(await endPage.getByRole("button", { name: "Delete the account" }).isDisabled()).toBe(true);
    await confirmName.fill("Sakura PTA 2027");
    await endPage.getByRole("button", { name: "Delete the account" }).click();
    await endPage.getByRole("dialog").getByRole("button", { name: "Delete the account" }).click();
    await endPage.getByRole("heading", { name: "Sign in" }).waitFor();
    expect((await operator()("GET", "/api/accounts")).body.map((a: { name: string }) => a.name)).not.toContain("Sakura PTA 2027");
    await endContext.close();
  });
});
