CREATE TABLE `domains` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`name` text NOT NULL,
	`verify_token` text NOT NULL,
	`verified_at` integer,
	`last_checked_at` integer,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `domains_account_name` ON `domains` (`account_id`,`name`);--> statement-breakpoint
CREATE UNIQUE INDEX `domains_verified_name` ON `domains` (`name`) WHERE verified_at IS NOT NULL;--> statement-breakpoint
CREATE TABLE `plans` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`max_addresses` integer,
	`max_recipients` integer,
	`max_domains` integer,
	`monthly_messages` integer
);
--> statement-breakpoint
CREATE TABLE `sender_rules` (
	`id` text PRIMARY KEY NOT NULL,
	`public_address_id` text NOT NULL,
	`kind` text NOT NULL,
	`pattern_hash` text NOT NULL,
	`pattern_enc` text NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`public_address_id`) REFERENCES `public_addresses`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `sender_rules_pattern` ON `sender_rules` (`public_address_id`,`pattern_hash`);--> statement-breakpoint
CREATE TABLE `usage` (
	`account_id` text NOT NULL,
	`month` text NOT NULL,
	`messages` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`account_id`, `month`),
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
ALTER TABLE `outbox` ADD `user_id` text REFERENCES users(id) ON DELETE cascade;--> statement-breakpoint
ALTER TABLE `outbox` ADD `via` text;--> statement-breakpoint
ALTER TABLE `public_addresses` ADD `notice_banner` text;--> statement-breakpoint
ALTER TABLE `public_addresses` ADD `mailer` text;--> statement-breakpoint
ALTER TABLE `public_addresses` ADD `smtp_enc` text;--> statement-breakpoint
ALTER TABLE `public_addresses` ADD `alias_idle_days` integer;--> statement-breakpoint
ALTER TABLE `recipients` ADD `webhook_secret_enc` text;--> statement-breakpoint
-- The plans on sale (NULL = unlimited). "operator" is the self-hosting operator's own account.
INSERT INTO `plans` (`id`, `name`, `max_addresses`, `max_recipients`, `max_domains`, `monthly_messages`) VALUES
  ('free', 'Free', 5, 20, 1, 1000),
  ('standard', 'Standard', 10, 50, 3, 10000),
  ('business', 'Business', 20, 200, 10, 50000),
  ('domain', 'Per domain', NULL, NULL, 1, 20000),
  ('operator', 'Operator', NULL, NULL, NULL, NULL);
