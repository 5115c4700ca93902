"""Domain events: the audit trail's new events, published from the table stream to the bus."""
