-- Follow-up links (issue 9, point 8): one patient answers one follow-up point's questionnaire
-- without an account. The link's secret (256 random bits) is kept only as its sha256; a link
-- works once, until it expires, and a newer link for the same point revokes it.
create table follow_up_link (
    link_id       text primary key,
    token_hash    text not null unique,
    clinic_id     text not null references clinic (clinic_id),
    patient_id    text not null references patient (patient_id),
    episode_id    text not null references episode (episode_id),
    follow_up_id  text not null references follow_up (follow_up_id),
    label         text not null,
    language      text not null,
    created_by    text not null,
    created_at    text not null,
    expires_at    text not null,
    used_at       text,
    revoked_at    text
);
create index follow_up_link_point on follow_up_link (clinic_id, follow_up_id);
