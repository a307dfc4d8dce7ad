CREATE TABLE `forms` (
	`id` text PRIMARY KEY NOT NULL,
	`public_address_id` text NOT NULL,
	`name` text NOT NULL,
	`allowed_origins` text DEFAULT '[]' NOT NULL,
	`thank_you_url` text,
	`confirm_submitter` integer DEFAULT true NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`public_address_id`) REFERENCES `public_addresses`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `pending_submissions` (
	`token_hash` text PRIMARY KEY NOT NULL,
	`form_id` text NOT NULL,
	`email_enc` text NOT NULL,
	`raw_enc` text NOT NULL,
	`expires_at` integer NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`form_id`) REFERENCES `forms`(`id`) ON UPDATE no action ON DELETE cascade
);
