-- The initial schema. Lowercase SQL; singular table names; <table>_id keys; times are UTC
-- ISO 8601 text, dates YYYY-MM-DD text, so that one set of queries serves both databases.

-- Clinics are tenants: every other table carries clinic_id and every query is scoped to one.
create table clinic (
    clinic_id   text primary key,
    name        text not null,
    created_at  text not null
);

-- Accounts. Roles: admin, clinician, coordinator. Passwords are argon2id PHC strings.
create table app_user (
    user_id        text primary key,
    clinic_id      text not null references clinic (clinic_id),
    email          text not null unique,
    name           text not null,
    role           text not null check (role in ('admin', 'clinician', 'coordinator')),
    password_hash  text not null,
    disabled       integer not null default 0,
    created_at     text not null
);

-- Server-side sessions: the cookie carries a random token; only its sha256 is stored.
create table web_session (
    token_hash  text primary key,
    user_id     text not null references app_user (user_id),
    clinic_id   text not null references clinic (clinic_id),
    created_at  text not null,
    expires_at  text not null
);
create index web_session_user on web_session (user_id);

-- API tokens for integrations, hashed at rest; a token acts as its user.
create table api_token (
    token_id    text primary key,
    token_hash  text not null unique,
    user_id     text not null references app_user (user_id),
    clinic_id   text not null references clinic (clinic_id),
    name        text not null,
    created_at  text not null,
    revoked_at  text
);

-- Failed logins, counted per e-mail over a window (kept in the database so that every
-- instance behind a load balancer sees the same counts).
create table login_failure (
    email   text not null,
    at      text not null
);
create index login_failure_email on login_failure (email, at);

create table patient (
    patient_id   text primary key,
    clinic_id    text not null references clinic (clinic_id),
    mrn          text not null,
    name         text not null,
    name_search  text not null,
    birth_date   text not null,
    sex          text not null,
    email        text,
    phone        text,
    created_at   text not null,
    updated_at   text not null,
    constraint patient_mrn_key unique (clinic_id, mrn)
);
create index patient_name on patient (clinic_id, name_search);

-- An episode of care: one problem, from intake to discharge.
create table episode (
    episode_id   text primary key,
    clinic_id    text not null references clinic (clinic_id),
    patient_id   text not null references patient (patient_id),
    title        text not null,
    status       text not null check (status in ('open', 'closed')),
    opened_on    text not null,
    closed_on    text,
    created_at   text not null,
    updated_at   text not null
);
create index episode_patient on episode (clinic_id, patient_id);

-- An assessment: the document as received, the recommendation as returned, and which
-- knowledge base decided.
create table assessment (
    assessment_id   text primary key,
    clinic_id       text not null references clinic (clinic_id),
    patient_id      text not null references patient (patient_id),
    episode_id      text not null references episode (episode_id),
    document        text not null,
    recommendation  text not null,
    pathway         text not null,
    kb_name         text not null,
    kb_version      text not null,
    kb_hash         text not null,
    created_by      text not null references app_user (user_id),
    created_at      text not null
);
create index assessment_episode on assessment (clinic_id, episode_id);

-- A clinician's decision on an assessment: accept it, or override it with a reason.
create table decision (
    decision_id    text primary key,
    clinic_id      text not null references clinic (clinic_id),
    assessment_id  text not null unique references assessment (assessment_id),
    action         text not null check (action in ('accept', 'override')),
    pathway        text not null,
    reason         text,
    decided_by     text not null references app_user (user_id),
    created_at     text not null
);

create table care_plan (
    care_plan_id   text primary key,
    clinic_id      text not null references clinic (clinic_id),
    patient_id     text not null references patient (patient_id),
    episode_id     text not null references episode (episode_id),
    assessment_id  text not null unique references assessment (assessment_id),
    pathway        text not null,
    start_date     text not null,
    created_by     text not null references app_user (user_id),
    created_at     text not null
);

create table care_session (
    care_session_id  text primary key,
    care_plan_id     text not null references care_plan (care_plan_id),
    clinic_id        text not null references clinic (clinic_id),
    phase            integer not null,
    therapy          text not null,
    number           integer not null,
    session_date     text not null,
    status           text not null check (status in ('scheduled', 'attended', 'missed', 'cancelled')),
    updated_at       text not null
);
create index care_session_plan on care_session (care_plan_id, session_date);

create table follow_up (
    follow_up_id  text primary key,
    care_plan_id  text not null references care_plan (care_plan_id),
    clinic_id     text not null references clinic (clinic_id),
    label         text not null,
    due_date      text not null
);

-- Questionnaires answered at a follow-up point, with their scores.
create table questionnaire_response (
    response_id  text primary key,
    clinic_id    text not null references clinic (clinic_id),
    patient_id   text not null references patient (patient_id),
    episode_id   text not null references episode (episode_id),
    label        text not null,
    answers      text not null,
    scores       text not null,
    entered_by   text not null,
    received_at  text not null
);
create index questionnaire_response_episode on questionnaire_response (clinic_id, episode_id);

-- Uploaded files, stored once per content (the key is the sha256 of the bytes).
create table stored_file (
    sha256      text primary key,
    media_type  text not null,
    size        integer not null,
    content     blob not null,
    created_at  text not null
);

-- A patient's request for a consultation with MRI review, from the public form.
create table consultation_request (
    request_id   text primary key,
    clinic_id    text not null references clinic (clinic_id),
    name         text not null,
    email        text not null,
    phone        text,
    message      text,
    file_sha256  text references stored_file (sha256),
    status       text not null check (status in ('new', 'contacted', 'scheduled', 'closed')),
    created_at   text not null,
    updated_at   text not null
);
create index consultation_request_clinic on consultation_request (clinic_id, created_at);

-- The audit trail: one hash chain per clinic (and one, "system", for events without a clinic).
-- Each record carries the hash of the one before; audit_head holds each chain's last sequence
-- number and hash, and is the lock that orders appends.
create table audit_head (
    chain  text primary key,
    seq    bigint not null,
    hash   text not null
);

create table audit_log (
    chain       text not null,
    seq         bigint not null,
    at          text not null,
    clinic_id   text,
    actor       text not null,
    action      text not null,
    patient_id  text,
    resource    text,
    outcome     text not null,
    request_id  text,
    prev_hash   text not null,
    hash        text not null,
    primary key (chain, seq)
);
create index audit_log_patient on audit_log (clinic_id, patient_id);

-- The audit log is append-only.
create trigger audit_log_no_update before update on audit_log
begin
    select raise(abort, 'the audit log is append-only');
end;
create trigger audit_log_no_delete before delete on audit_log
begin
    select raise(abort, 'the audit log is append-only');
end;
