CREATE TABLE `accounts` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`plan` text DEFAULT 'free' NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `contacts` (
	`id` text PRIMARY KEY NOT NULL,
	`public_address_id` text NOT NULL,
	`email_hash` text NOT NULL,
	`email_enc` text NOT NULL,
	`name_enc` text,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`public_address_id`) REFERENCES `public_addresses`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `contacts_address_email` ON `contacts` (`public_address_id`,`email_hash`);--> statement-breakpoint
CREATE TABLE `deleted_aliases` (
	`alias_hash` text PRIMARY KEY NOT NULL,
	`deleted_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `messages` (
	`id` text PRIMARY KEY NOT NULL,
	`public_address_id` text NOT NULL,
	`alias_id` text NOT NULL,
	`direction` text NOT NULL,
	`subject` text DEFAULT '' NOT NULL,
	`relay_message_id` text NOT NULL,
	`original_message_id_enc` text,
	`read_at` integer,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`public_address_id`) REFERENCES `public_addresses`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`alias_id`) REFERENCES `reverse_aliases`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `messages_relay_id` ON `messages` (`relay_message_id`);--> statement-breakpoint
CREATE INDEX `messages_alias` ON `messages` (`alias_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `messages_created` ON `messages` (`created_at`);--> statement-breakpoint
CREATE TABLE `outbox` (
	`id` text PRIMARY KEY NOT NULL,
	`idempotency_key` text NOT NULL,
	`kind` text NOT NULL,
	`public_address_id` text,
	`recipient_id` text,
	`message_id` text,
	`envelope_from` text NOT NULL,
	`envelope_to_enc` text NOT NULL,
	`raw_enc` text NOT NULL,
	`state` text DEFAULT 'queued' NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer,
	`last_error` text,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`updated_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`public_address_id`) REFERENCES `public_addresses`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`recipient_id`) REFERENCES `recipients`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`message_id`) REFERENCES `messages`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `outbox_idempotency` ON `outbox` (`idempotency_key`);--> statement-breakpoint
CREATE INDEX `outbox_state` ON `outbox` (`state`,`next_attempt_at`);--> statement-breakpoint
CREATE INDEX `outbox_created` ON `outbox` (`created_at`);--> statement-breakpoint
CREATE TABLE `public_addresses` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`address` text NOT NULL,
	`domain` text NOT NULL,
	`display_name` text DEFAULT '' NOT NULL,
	`status` text DEFAULT 'active' NOT NULL,
	`retention_days` integer DEFAULT 30 NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `public_addresses_address` ON `public_addresses` (`address`);--> statement-breakpoint
CREATE TABLE `recipients` (
	`id` text PRIMARY KEY NOT NULL,
	`public_address_id` text NOT NULL,
	`kind` text DEFAULT 'mailbox' NOT NULL,
	`email_hash` text NOT NULL,
	`email_enc` text NOT NULL,
	`verified_at` integer,
	`verify_token_hash` text,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`public_address_id`) REFERENCES `public_addresses`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `recipients_address_email` ON `recipients` (`public_address_id`,`email_hash`);--> statement-breakpoint
CREATE INDEX `recipients_verify_token` ON `recipients` (`verify_token_hash`);--> statement-breakpoint
CREATE TABLE `reverse_aliases` (
	`id` text PRIMARY KEY NOT NULL,
	`local_part` text NOT NULL,
	`domain` text NOT NULL,
	`public_address_id` text NOT NULL,
	`recipient_id` text NOT NULL,
	`contact_id` text NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`last_used_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`public_address_id`) REFERENCES `public_addresses`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`recipient_id`) REFERENCES `recipients`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`contact_id`) REFERENCES `contacts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `reverse_aliases_local_part` ON `reverse_aliases` (`local_part`);--> statement-breakpoint
CREATE UNIQUE INDEX `reverse_aliases_pair` ON `reverse_aliases` (`recipient_id`,`contact_id`);--> statement-breakpoint
CREATE INDEX `reverse_aliases_contact` ON `reverse_aliases` (`contact_id`);--> statement-breakpoint
CREATE TABLE `users` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`email_hash` text NOT NULL,
	`email_enc` text NOT NULL,
	`role` text DEFAULT 'member' NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `users_account_email` ON `users` (`account_id`,`email_hash`);