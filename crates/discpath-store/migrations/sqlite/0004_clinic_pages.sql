-- A clinic's public pages (issue 8): the slug in their address (/c/{slug}), the name they show
-- and the emergency number their "seek care now" advice gives. Set by the clinic's admin.
alter table clinic add column slug text;
alter table clinic add column display_name text;
alter table clinic add column emergency_number text not null default '911';
create unique index clinic_slug_key on clinic (slug);
