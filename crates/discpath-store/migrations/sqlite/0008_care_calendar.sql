-- The care plan as a calendar (issue 9, point 5): the clinic's time zone (booked times are its
-- local times); a session's booked time and the count of its changes (the iCalendar SEQUENCE);
-- adverse events recorded against a session.
alter table clinic add column time_zone text not null default 'UTC';
alter table care_session add column booked_time text;
alter table care_session add column revision bigint not null default 0;

create table adverse_event (
    adverse_event_id  text primary key,
    clinic_id         text not null references clinic (clinic_id),
    care_plan_id      text not null references care_plan (care_plan_id),
    care_session_id   text not null references care_session (care_session_id),
    what              text not null,
    severity          text not null check (severity in ('mild', 'moderate', 'severe')),
    action_taken      text not null,
    recorded_by       text not null references app_user (user_id),
    recorded_at       text not null
);
create index adverse_event_plan on adverse_event (clinic_id, care_plan_id);
