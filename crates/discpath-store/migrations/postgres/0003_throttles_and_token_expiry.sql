-- Throttles: one row per key ("login-account:{email}", "login-client:{address}",
-- "form-client:{address}", "upload-clinic:{clinic}"), counted and checked in one statement so
-- that concurrent requests and several instances cannot slip past a limit. Times are Unix
-- milliseconds, so that the statement can add delays to them portably.
create table throttle (
    throttle_key  text primary key,
    events        bigint not null,
    window_start  bigint not null,
    last_at       bigint not null,
    delay_ms      bigint not null
);
create index throttle_window on throttle (window_start);

-- Replaced by the throttle table.
drop table login_failure;

-- API tokens expire; tokens made before expiry existed get 90 days from their creation.
alter table api_token add column expires_at text;
update api_token set expires_at =
    to_char((created_at::timestamptz + interval '90 days') at time zone 'UTC',
            'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"');

-- A clinic's name is how `discpath admin` finds it: one clinic per name, whatever the case.
create unique index clinic_name_key on clinic (lower(name));
