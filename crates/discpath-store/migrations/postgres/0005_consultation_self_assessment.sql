-- The patients' pages' consultation request (issue 8): contact by e-mail and/or phone (e-mail is
-- no longer required), preferred times, when consent to be contacted was given, the language of
-- the request, the self-assessment it came with (its answers as an assessment document and the
-- recommendation, both JSON text) and whether that result was an urgent referral.
alter table consultation_request alter column email drop not null;
alter table consultation_request add constraint consultation_request_contact
    check (email is not null or phone is not null);
alter table consultation_request add column preferred_times text;
alter table consultation_request add column consent_at text;
alter table consultation_request add column language text;
alter table consultation_request add column urgent bigint not null default 0;
alter table consultation_request add column assessment text;
alter table consultation_request add column result text;
