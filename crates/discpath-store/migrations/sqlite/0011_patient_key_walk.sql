-- The patient list walks the clinic's patients in key order (keyset pagination): without this
-- index the planner took the name index for the clinic and sorted every patient of it to return
-- a page (BENCHMARKS.md §6: the work list at 10,000 patients).
create index patient_clinic_key on patient (clinic_id, patient_id);
