package metadata

// SetFastReplay turns the typed replay fast paths on or off and returns
// the previous setting (tests only).
func SetFastReplay(on bool) bool {
	old := fastReplay
	fastReplay = on
	return old
}

// ApplyFast exposes applyFast to the external tests.
func (im *Image) ApplyFast(value []byte) bool { return im.applyFast(value) }
