package server

// maxTopicNameLen is Kafka's Topic.MAX_NAME_LENGTH: a partition directory is
// "<topic>-<partition>" (plus ".<uuid>-delete" while being deleted) and must
// fit in a 255-byte file name.
const maxTopicNameLen = 249

// ValidTopicName reports whether name is a legal Kafka topic name:
// [a-zA-Z0-9._-]{1,249} and not "." or "..". This is the server's first line
// against path traversal: anything with '/', NUL, or that could name a parent
// directory never reaches the Store.
func ValidTopicName(name string) bool {
	if len(name) == 0 || len(name) > maxTopicNameLen || name == "." || name == ".." {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '.', c == '_', c == '-':
		default:
			return false
		}
	}
	return true
}
