-- Sessions end after a spell without use (issue 9: logout after 30 minutes idle): when the
-- session was last used. Sessions made before had none: their start stands in.
alter table web_session add column last_seen_at text;
update web_session set last_seen_at = created_at;

-- The clinic's work list reads each patient's latest episode with its plans and follow-ups.
create index care_plan_episode on care_plan (clinic_id, episode_id);
create index follow_up_plan on follow_up (care_plan_id);

-- The consultation queue: why a request was closed, and the patient it was registered as.
alter table consultation_request add column closed_reason text;
alter table consultation_request add column patient_id text references patient (patient_id);
