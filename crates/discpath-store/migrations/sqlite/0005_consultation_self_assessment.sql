-- The patients' pages' consultation request (issue 8): contact by e-mail and/or phone (e-mail is
-- no longer required), preferred times, when consent to be contacted was given, the language of
-- the request, the self-assessment it came with (its answers as an assessment document and the
-- recommendation, both JSON) and whether that result was an urgent referral.
-- SQLite cannot drop a NOT NULL constraint, so the table is rebuilt (nothing references it).
create table consultation_request_new (
    request_id       text primary key,
    clinic_id        text not null references clinic (clinic_id),
    name             text not null,
    email            text,
    phone            text,
    message          text,
    file_sha256      text references stored_file (sha256),
    status           text not null check (status in ('new', 'contacted', 'scheduled', 'closed')),
    created_at       text not null,
    updated_at       text not null,
    preferred_times  text,
    consent_at       text,
    language         text,
    urgent           bigint not null default 0,
    assessment       text,
    result           text,
    check (email is not null or phone is not null)
);
insert into consultation_request_new
    (request_id, clinic_id, name, email, phone, message, file_sha256, status, created_at, updated_at)
    select request_id, clinic_id, name, email, phone, message, file_sha256, status, created_at, updated_at
    from consultation_request;
drop table consultation_request;
alter table consultation_request_new rename to consultation_request;
create index consultation_request_clinic on consultation_request (clinic_id, created_at);
