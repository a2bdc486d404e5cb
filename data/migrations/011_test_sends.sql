-- Test sends (DESIGN §6): each operator has one hidden campaign whose
-- Message 1s are their test sends, so a test goes through the outbox like
-- any message. test_user is the operator's users.id (0: the daemon's own
-- Unix user without an account); NULL for every campaign an operator
-- made. Hidden campaigns are left out of lists, statistics, and the
-- suppress_days rule. A column and an index only: no table is rebuilt.
ALTER TABLE campaigns ADD COLUMN test_user INTEGER;
CREATE UNIQUE INDEX campaigns_test_user ON campaigns(test_user)
    WHERE test_user IS NOT NULL;
