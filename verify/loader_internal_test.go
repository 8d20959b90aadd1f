package verify

import "testing"

// Citations name the class that loaded logs in the release modelled:
// Log.scala up to 2.8, LogLoader from 3.0 (it is absent from the 2.8.0 tree).
func TestLoaderCitation(t *testing.T) {
	for v, want := range map[KafkaVersion]string{{1, 1}: "Log", {2, 2}: "Log", {2, 8}: "Log", {3, 0}: "LogLoader", {4, 0}: "LogLoader"} {
		if got := v.loader(); got != want {
			t.Errorf("%s: %s, want %s", v, got, want)
		}
	}
	kr := &KafkaRecovery{CleanShutdownMarker: true, KafkaVersion: KafkaVersion{2, 2}}
	if got := notRecoveredWhy(kr); got != "the clean shutdown marker skips recovery (Log.recoverLog)" {
		t.Errorf("2.2: %q", got)
	}
}
