-- Rate limits shared by every api process: one row per client and kind of request, holding
-- its "theoretical arrival time" (GCRA). UNLOGGED: counters need no crash safety, and
-- skipping the WAL keeps a check per request cheap; a crash only forgets who was throttled.
-- depends: 0005.edit-tokens

CREATE UNLOGGED TABLE rate_limits (
    key text PRIMARY KEY,
    tat timestamptz NOT NULL
);
