-- Each clinic's audit trail is spread over several hash chains ("{clinic}/{n}"), so that
-- concurrent requests do not all wait on one chain head; the trail is read in time order.
create index audit_log_clinic_time on audit_log (clinic_id, at, chain, seq);
