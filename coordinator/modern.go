package coordinator

// modernRecord replays a KIP-848 / KIP-932 / KIP-1071 group record.
func (l *groupLoader) modernRecord(rec *GroupRecord) error { return nil }

// foldModern computes a modern group's members and state at the end.
func (l *groupLoader) foldModern(s *groupState) {}
