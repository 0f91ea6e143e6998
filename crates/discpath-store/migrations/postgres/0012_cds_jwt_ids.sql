-- CDS Hooks (issue 10): the ids (`jti`) of the JWTs trusted EHRs have called with, kept until
-- the token expires, so that a replayed token is refused on every instance.
create table cds_jwt_id (
    issuer      text not null,
    jti         text not null,
    expires_at  text not null,
    primary key (issuer, jti)
);
create index cds_jwt_id_expiry on cds_jwt_id (expires_at);
