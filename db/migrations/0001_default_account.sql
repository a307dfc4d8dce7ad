-- The operator's own account: the admin API (ADMIN_TOKEN) manages its addresses until
-- multi-account sign-in exists.
INSERT INTO `accounts` (`id`, `name`, `plan`) VALUES ('acct_default', 'Default', 'operator') ON CONFLICT DO NOTHING;
