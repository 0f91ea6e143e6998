-- Two-factor sign-in for staff (issue 9, point 1): a time-based one-time password (RFC 6238)
-- secret per user, kept as base32 once confirmed with a first code (`totp_pending` while being
-- set up); the last time step a code was accepted for, so that a code works once; and whether
-- the clinic requires it of its administrators.
alter table app_user add column totp_secret text;
alter table app_user add column totp_pending text;
alter table app_user add column totp_last_step bigint not null default 0;
alter table clinic add column admin_totp_required bigint not null default 0;
