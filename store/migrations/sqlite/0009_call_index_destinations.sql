-- An earlier build of this branch kept destination numbers in
-- call_index_day_groups (per day, without outcome, direction and band). At a
-- backfill's density they were about a row per call and cost the backfill 17 %
-- of its speed, so callindex no longer keeps or reads them; this removes any
-- such rows (a database that ran that build keeps version 9 and loses its
-- rows as the days are next recomputed; none of them is read).
DELETE FROM call_index_day_groups WHERE dim = 'destination_number';
