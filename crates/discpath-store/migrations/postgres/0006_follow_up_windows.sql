-- Follow-up windows (knowledge base 2.1.0, issue 11): the first and last day on which a point's
-- questionnaire counts for it. Points stored before had none: their window is their due date.
alter table follow_up add column window_opens text;
alter table follow_up add column window_closes text;
update follow_up set window_opens = due_date, window_closes = due_date;
