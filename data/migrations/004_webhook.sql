-- Webhook journal: find the events still waiting for their message (an ack
-- that came before the send reply stored waId), and keep one interaction per
-- journal event and kind so that replaying the journal adds nothing twice.
CREATE INDEX webhook_events_waiting ON webhook_events(object_id)
	WHERE applied = 0;
CREATE UNIQUE INDEX interactions_event ON interactions(event_id, kind)
	WHERE event_id IS NOT NULL;
