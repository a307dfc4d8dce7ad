/**
 * The data model. Real addresses and names are never stored in clear: `*_enc` columns hold
 * AES-GCM ciphertext ("keyId:base64") and `*_hash` columns a keyed HMAC blind index used for
 * lookups (worker/crypto/sealed.ts). Every child row cascades from its parent, so deleting a
 * public address or a recipient removes its contacts, aliases, messages and queued mail.
 */
import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

// Milliseconds: ordering within a second matters (the outbox lists newest first).
const now = sql`(cast(unixepoch('subsec') * 1000 as integer))`;

export const accounts = sqliteTable("accounts", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  plan: text("plan").notNull().default("free"),
  createdAt: integer("created_at").notNull().default(now),
});

/**
 * What an account may create. NULL means unlimited. `monthly_messages` caps relayed messages per
 * calendar month (UTC), counted in `usage`; the per-domain plans sell volume rather than seats.
 */
export const plans = sqliteTable("plans", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  maxAddresses: integer("max_addresses"),
  maxRecipients: integer("max_recipients"),
  maxDomains: integer("max_domains"),
  monthlyMessages: integer("monthly_messages"),
});

/** Messages relayed per account and month ("2026-12"), for the plan's volume cap. */
export const usage = sqliteTable(
  "usage",
  {
    accountId: text("account_id").notNull().references(() => accounts.id, { onDelete: "cascade" }),
    month: text("month").notNull(),
    messages: integer("messages").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.month] })],
);

/**
 * A customer's own mail domain, routed to the relay by Cloudflare Email Routing. Public addresses
 * on it are allowed once a TXT record `kakuremino-verify=<token>` is seen over DNS-over-HTTPS.
 * Addresses on the service's own domains (SERVICE_DOMAINS) need no row here.
 */
export const domains = sqliteTable(
  "domains",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id").notNull().references(() => accounts.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    verifyToken: text("verify_token").notNull(),
    verifiedAt: integer("verified_at"),
    lastCheckedAt: integer("last_checked_at"),
    createdAt: integer("created_at").notNull().default(now),
  },
  // Anyone may claim a name, but only one account can hold it verified: an unverified claim
  // never blocks the real owner (squatting).
  (t) => [uniqueIndex("domains_account_name").on(t.accountId, t.name), uniqueIndex("domains_verified_name").on(t.name).where(sql`verified_at IS NOT NULL`)],
);

export const users = sqliteTable(
  "users",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id").notNull().references(() => accounts.id, { onDelete: "cascade" }),
    emailHash: text("email_hash").notNull(),
    emailEnc: text("email_enc").notNull(),
    role: text("role", { enum: ["owner", "admin", "member"] }).notNull().default("member"),
    createdAt: integer("created_at").notNull().default(now),
  },
  (t) => [uniqueIndex("users_account_email").on(t.accountId, t.emailHash)],
);

export const publicAddresses = sqliteTable(
  "public_addresses",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id").notNull().references(() => accounts.id, { onDelete: "cascade" }),
    /** Lowercased, without +tag: the lookup key for inbound mail. */
    address: text("address").notNull(),
    domain: text("domain").notNull(),
    displayName: text("display_name").notNull().default(""),
    status: text("status", { enum: ["active", "disabled"] }).notNull().default("active"),
    retentionDays: integer("retention_days").notNull().default(30),
    /** Optional line added at the top of every forwarded copy ("Sent via the PTA window"). */
    noticeBanner: text("notice_banner"),
    /** Sender for replies from this address; NULL uses the global MAILER. */
    mailer: text("mailer"),
    /** Sealed JSON {host, port, secure, username, password} for the "own address" SMTP mode. */
    smtpEnc: text("smtp_enc"),
    /** Reverse aliases unused for this many days are purged by the cron; NULL keeps them. */
    aliasIdleDays: integer("alias_idle_days"),
    createdAt: integer("created_at").notNull().default(now),
  },
  (t) => [uniqueIndex("public_addresses_address").on(t.address)],
);

export const recipients = sqliteTable(
  "recipients",
  {
    id: text("id").primaryKey(),
    publicAddressId: text("public_address_id").notNull().references(() => publicAddresses.id, { onDelete: "cascade" }),
    kind: text("kind", { enum: ["mailbox", "webhook"] }).notNull().default("mailbox"),
    emailHash: text("email_hash").notNull(),
    emailEnc: text("email_enc").notNull(),
    verifiedAt: integer("verified_at"),
    verifyTokenHash: text("verify_token_hash"),
    /** Webhook recipients (kind "webhook"): sealed HMAC-SHA256 signing secret. The URL is in email_enc. */
    webhookSecretEnc: text("webhook_secret_enc"),
    createdAt: integer("created_at").notNull().default(now),
  },
  (t) => [uniqueIndex("recipients_address_email").on(t.publicAddressId, t.emailHash), index("recipients_verify_token").on(t.verifyTokenHash)],
);

/**
 * Per-address sender allow/block list. A pattern is a whole address or "@domain"; both are kept
 * sealed with a blind index, since an address in a block list is still personal data. When any
 * allow rule exists, only matching senders get through; block rules always refuse.
 */
export const senderRules = sqliteTable(
  "sender_rules",
  {
    id: text("id").primaryKey(),
    publicAddressId: text("public_address_id").notNull().references(() => publicAddresses.id, { onDelete: "cascade" }),
    kind: text("kind", { enum: ["allow", "block"] }).notNull(),
    patternHash: text("pattern_hash").notNull(),
    patternEnc: text("pattern_enc").notNull(),
    createdAt: integer("created_at").notNull().default(now),
  },
  (t) => [uniqueIndex("sender_rules_pattern").on(t.publicAddressId, t.patternHash)],
);

export const contacts = sqliteTable(
  "contacts",
  {
    id: text("id").primaryKey(),
    publicAddressId: text("public_address_id").notNull().references(() => publicAddresses.id, { onDelete: "cascade" }),
    emailHash: text("email_hash").notNull(),
    emailEnc: text("email_enc").notNull(),
    nameEnc: text("name_enc"),
    createdAt: integer("created_at").notNull().default(now),
  },
  (t) => [uniqueIndex("contacts_address_email").on(t.publicAddressId, t.emailHash)],
);

export const reverseAliases = sqliteTable(
  "reverse_aliases",
  {
    id: text("id").primaryKey(),
    /** "r-" + 26 chars of base32 randomness + 8 chars of keyed tag; unique across the service. */
    localPart: text("local_part").notNull(),
    domain: text("domain").notNull(),
    publicAddressId: text("public_address_id").notNull().references(() => publicAddresses.id, { onDelete: "cascade" }),
    recipientId: text("recipient_id").notNull().references(() => recipients.id, { onDelete: "cascade" }),
    contactId: text("contact_id").notNull().references(() => contacts.id, { onDelete: "cascade" }),
    createdAt: integer("created_at").notNull().default(now),
    lastUsedAt: integer("last_used_at").notNull().default(now),
  },
  (t) => [uniqueIndex("reverse_aliases_local_part").on(t.localPart), uniqueIndex("reverse_aliases_pair").on(t.recipientId, t.contactId), index("reverse_aliases_contact").on(t.contactId)],
);

/** Keyed hashes of deleted aliases, so later mail to them is refused as "no longer exists". */
export const deletedAliases = sqliteTable("deleted_aliases", {
  aliasHash: text("alias_hash").primaryKey(),
  deletedAt: integer("deleted_at").notNull().default(now),
});

/**
 * One row per message copy that crossed the relay, in either direction. `relay_message_id` is
 * the Message-ID the other side saw; `original_message_id_enc` the one its author wrote. The
 * pair maps threads both ways (In-Reply-To / References).
 */
export const messages = sqliteTable(
  "messages",
  {
    id: text("id").primaryKey(),
    publicAddressId: text("public_address_id").notNull().references(() => publicAddresses.id, { onDelete: "cascade" }),
    aliasId: text("alias_id").notNull().references(() => reverseAliases.id, { onDelete: "cascade" }),
    direction: text("direction", { enum: ["inbound", "outbound"] }).notNull(),
    subject: text("subject").notNull().default(""),
    relayMessageId: text("relay_message_id").notNull(),
    originalMessageIdEnc: text("original_message_id_enc"),
    readAt: integer("read_at"),
    createdAt: integer("created_at").notNull().default(now),
  },
  (t) => [index("messages_relay_id").on(t.relayMessageId), index("messages_alias").on(t.aliasId, t.createdAt), index("messages_created").on(t.createdAt)],
);

/**
 * Every outbound message is written here first (state "queued"), then handed to the mailer.
 * With the local `outbox` mailer this table *is* the sink. Raw MIME and the envelope
 * recipient are stored encrypted.
 */
export const outbox = sqliteTable(
  "outbox",
  {
    id: text("id").primaryKey(),
    idempotencyKey: text("idempotency_key").notNull(),
    kind: text("kind", { enum: ["relay", "notice", "verification", "sign-in", "webhook"] }).notNull(),
    publicAddressId: text("public_address_id").references(() => publicAddresses.id, { onDelete: "cascade" }),
    recipientId: text("recipient_id").references(() => recipients.id, { onDelete: "cascade" }),
    messageId: text("message_id").references(() => messages.id, { onDelete: "cascade" }),
    /** Sign-in links and invitations: they go with the user (and so with the account). */
    userId: text("user_id").references(() => users.id, { onDelete: "cascade" }),
    envelopeFrom: text("envelope_from").notNull(),
    envelopeToEnc: text("envelope_to_enc").notNull(),
    /** Sealed raw MIME, base64 text (D1 hands BLOBs back as number arrays). */
    rawEnc: text("raw_enc").notNull(),
    state: text("state", { enum: ["queued", "sent", "failed-temporary", "failed-permanent"] }).notNull().default("queued"),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: integer("next_attempt_at"),
    lastError: text("last_error"),
    /** When the recipient was told a reply of theirs failed for good. */
    notifiedAt: integer("notified_at"),
    /** The mailer that handles this row ("outbox", "smtp", "resend"…, or "webhook"); NULL = configured default. */
    via: text("via"),
    createdAt: integer("created_at").notNull().default(now),
    updatedAt: integer("updated_at").notNull().default(now),
  },
  (t) => [uniqueIndex("outbox_idempotency").on(t.idempotencyKey), index("outbox_state").on(t.state, t.nextAttemptAt), index("outbox_created").on(t.createdAt)],
);

/** A signed-in browser. Only a hash of the cookie's token is stored. */
export const sessions = sqliteTable(
  "sessions",
  {
    id: text("id").primaryKey(),
    tokenHash: text("token_hash").notNull(),
    userId: text("user_id").notNull().references(() => users.id, { onDelete: "cascade" }),
    expiresAt: integer("expires_at").notNull(),
    createdAt: integer("created_at").notNull().default(now),
  },
  (t) => [uniqueIndex("sessions_token").on(t.tokenHash), index("sessions_expiry").on(t.expiresAt)],
);

/** One-time sign-in links mailed to a user's own address. */
export const signInLinks = sqliteTable("sign_in_links", {
  tokenHash: text("token_hash").primaryKey(),
  userId: text("user_id").notNull().references(() => users.id, { onDelete: "cascade" }),
  expiresAt: integer("expires_at").notNull(),
  createdAt: integer("created_at").notNull().default(now),
});

/**
 * What the web UI shows of a message, as its recipient saw it (contacts behind their alias),
 * sealed, and purged with the message after the retention window.
 */
export const messageBodies = sqliteTable("message_bodies", {
  messageId: text("message_id").primaryKey().references(() => messages.id, { onDelete: "cascade" }),
  fromNameEnc: text("from_name_enc"),
  textEnc: text("text_enc"),
  htmlEnc: text("html_enc"),
  /** JSON: [{filename, mimeType, size}] — metadata only; bytes are not kept without R2. */
  attachments: text("attachments").notNull().default("[]"),
});

/** Web forms that post into a public address (inquiries, surveys, applications). */
export const forms = sqliteTable("forms", {
  id: text("id").primaryKey(),
  publicAddressId: text("public_address_id").notNull().references(() => publicAddresses.id, { onDelete: "cascade" }),
  name: text("name").notNull(),
  /** JSON array of origins allowed to post JSON (CORS). */
  allowedOrigins: text("allowed_origins").notNull().default("[]"),
  thankYouUrl: text("thank_you_url"),
  /** Submitters confirm their address before anything is delivered (on by default). */
  confirmSubmitter: integer("confirm_submitter", { mode: "boolean" }).notNull().default(true),
  createdAt: integer("created_at").notNull().default(now),
});

/** Submissions waiting for the submitter to follow the confirmation link. */
export const pendingSubmissions = sqliteTable("pending_submissions", {
  tokenHash: text("token_hash").primaryKey(),
  formId: text("form_id").notNull().references(() => forms.id, { onDelete: "cascade" }),
  /** Blind index of the submitter's address: one confirmation mail per address and hour. */
  emailHash: text("email_hash"),
  emailEnc: text("email_enc").notNull(),
  rawEnc: text("raw_enc").notNull(),
  expiresAt: integer("expires_at").notNull(),
  createdAt: integer("created_at").notNull().default(now),
});

/** Every admin action: who, what, when, from which address (IP). Kept for the account's life. */
export const auditLog = sqliteTable(
  "audit_log",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id").notNull().references(() => accounts.id, { onDelete: "cascade" }),
    actor: text("actor").notNull(),
    action: text("action").notNull(),
    target: text("target").notNull().default(""),
    ip: text("ip").notNull().default(""),
    createdAt: integer("created_at").notNull().default(now),
  },
  (t) => [index("audit_account_time").on(t.accountId, t.createdAt)],
);

/**
 * API keys for systems (an ePRO platform…) that answer as one recipient. Only a hash is stored;
 * the key is shown once. A revoked key stays for the audit trail.
 */
export const apiKeys = sqliteTable(
  "api_keys",
  {
    id: text("id").primaryKey(),
    recipientId: text("recipient_id").notNull().references(() => recipients.id, { onDelete: "cascade" }),
    keyHash: text("key_hash").notNull(),
    label: text("label").notNull().default(""),
    revokedAt: integer("revoked_at"),
    createdAt: integer("created_at").notNull().default(now),
  },
  (t) => [uniqueIndex("api_keys_hash").on(t.keyHash)],
);
